"""Runs the dashboard under waitress, a production WSGI server: `python -m bot.web`."""

from __future__ import annotations

import os
import secrets
import sys
from pathlib import Path

from bot.settings import Settings, SettingsError, load_settings

KEY_FILE = "dashboard.key"


def secret_key(settings: Settings) -> str:
    """DASHBOARD_SECRET_KEY, or a key file under DATA_DIR made on first use."""
    if settings.dashboard_secret_key:
        return settings.dashboard_secret_key
    path = Path(settings.data_dir) / KEY_FILE
    if not path.is_file():
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            # Readable by this user only, from the moment it exists.
            descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass  # another process made it first
        else:
            with os.fdopen(descriptor, "w", encoding="ascii") as handle:
                handle.write(secrets.token_urlsafe(48) + "\n")
    return path.read_text(encoding="ascii").strip()


def main() -> None:
    try:
        settings = load_settings()
        if settings.faq_only:
            sys.exit("error: FAQ-only mode stores nothing, so there is no dashboard to serve")
        from bot.storage.migrate import prepare

        prepare(settings)
        from waitress import serve

        from bot.web.dashboard import create_app

        app = create_app(settings, secret_key(settings))
    except SettingsError as error:
        sys.exit(f"error: {error}")
    print(f"Therapist dashboard on {settings.dashboard_url}", flush=True)
    serve(
        app,
        host=settings.dashboard_bind_address,
        port=settings.dashboard_port,
        threads=4,
        ident="",
    )
