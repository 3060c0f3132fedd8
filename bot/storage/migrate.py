"""Applies the Alembic migrations: `python -m bot.storage.migrate` (run by `make run`)."""

from __future__ import annotations

import sys
from pathlib import Path

from alembic import command
from alembic.config import Config

from bot.settings import Settings, SettingsError, load_settings
from bot.storage.crypto import ensure_local_key

MIGRATIONS = Path(__file__).with_name("migrations")


def alembic_config(url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    # Alembic's config is an INI file underneath: '%' must be doubled.
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def upgrade(url: str) -> None:
    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
    command.upgrade(alembic_config(url), "head")


def prepare(settings: Settings) -> str | None:
    """Everything storage needs before a server starts: the key, then the tables.

    Returns a warning to show, if any (see crypto.ensure_local_key).
    """
    warning = ensure_local_key(settings)
    upgrade(settings.database_url)
    return warning


def main() -> None:
    try:
        settings = load_settings()
        warning = prepare(settings)
    except SettingsError as error:
        sys.exit(f"error: {error}")
    if warning:
        print(warning, file=sys.stderr)
    print("Database is up to date.")


if __name__ == "__main__":
    main()
