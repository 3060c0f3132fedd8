"""Runs a web app under waitress, a production WSGI server:
`python -m bot.web dashboard` (the default) or `python -m bot.web chat`."""

from __future__ import annotations

import signal
import sys
from types import FrameType

from bot.local_keys import local_secret
from bot.settings import SettingsError, load_settings

KEY_FILE = "dashboard.key"


def _stop_cleanly_on_signals() -> None:
    """Ctrl-C and SIGTERM (what systemd and docker send) both end the server the
    same clean way: waitress stops on KeyboardInterrupt and the process exits 0.
    Set explicitly because a process that a shell starts in the background
    inherits SIGINT ignored, and Python then never raises KeyboardInterrupt: the
    server would run on until killed."""

    def interrupt(signum: int, frame: FrameType | None) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, interrupt)


def main(argv: list[str] | None = None) -> None:
    which = (argv if argv is not None else sys.argv[1:]) or ["dashboard"]
    if which[0] not in ("dashboard", "chat"):
        sys.exit("usage: python -m bot.web [dashboard|chat]")
    try:
        settings = load_settings()
        if which[0] == "chat":
            from bot.web.chat import create_chat_app

            app = create_chat_app(settings)
            name, host, port = "Web chat", settings.webchat_bind_address, settings.webchat_port
        else:
            if settings.faq_only:
                sys.exit("error: FAQ-only mode stores nothing, so there is no dashboard to serve")
            from bot.storage.migrate import prepare

            prepare(settings)
            from bot.web.dashboard import create_app

            app = create_app(
                settings, local_secret(settings, settings.dashboard_secret_key, KEY_FILE)
            )
            name, host, port = (
                "Therapist dashboard",
                settings.dashboard_bind_address,
                settings.dashboard_port,
            )
    except (SettingsError, FileNotFoundError) as error:
        sys.exit(f"error: {error}")
    from waitress import serve

    _stop_cleanly_on_signals()
    print(f"{name} on http://{host}:{port}", flush=True)
    serve(app, host=host, port=port, threads=4, ident="")
