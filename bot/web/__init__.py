"""Web pages: the therapists' dashboard (python -m bot.web)."""
