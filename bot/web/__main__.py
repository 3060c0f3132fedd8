from bot.web.serve import main

main()
