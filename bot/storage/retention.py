"""Retention: `python -m bot.storage.retention` removes entries and stored
conversation events older than DATA_RETENTION_DAYS (0 keeps everything).

`make run` runs it at every start; a clinic running the assistant for weeks on
end can also run it daily from cron.
"""

from __future__ import annotations

import sys
from datetime import timedelta

from bot.settings import Settings, SettingsError, load_settings
from bot.storage import entries
from bot.storage.crypto import cipher_for
from bot.storage.database import database
from bot.storage.models import utcnow


def apply_retention(settings: Settings) -> tuple[int, int] | None:
    """(entries removed, conversation events removed), or None when retention is off."""
    if settings.retention_days == 0:
        return None
    from bot.storage.tracker_store import EncryptedSQLTrackerStore

    cutoff = utcnow() - timedelta(days=settings.retention_days)
    removed_entries = entries.delete_older_than(database(settings), cutoff)
    store = EncryptedSQLTrackerStore(host=settings.tracker_store_url, cipher=cipher_for(settings))
    return removed_entries, store.delete_older_than(cutoff)


def main() -> None:
    try:
        settings = load_settings()
        removed = apply_retention(settings)
    except SettingsError as error:
        sys.exit(f"error: {error}")
    if removed is None:
        print("Retention is off (DATA_RETENTION_DAYS=0): nothing removed.")
    else:
        print(
            f"Removed {removed[0]} entries and {removed[1]} conversation events older than "
            f"{settings.retention_days} days."
        )


if __name__ == "__main__":
    main()
