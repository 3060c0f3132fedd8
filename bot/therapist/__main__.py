from bot.therapist.cli import main

main()
