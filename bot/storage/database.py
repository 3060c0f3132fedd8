"""Connections. An engine is made on first use, never at import, and each unit
of work gets its own short session (`with db.session() as s:`), committed or
rolled back as a whole. The database carries the cipher that seals what clients
write, so no repository can store free text without it."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from pathlib import Path

from sqlalchemy import create_engine, event
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.orm import Session, sessionmaker

from bot.settings import Settings
from bot.storage.crypto import FieldCipher, keys_for


class Database:
    def __init__(self, url: str, cipher: FieldCipher, pool: tuple[int, int] = (5, 5)) -> None:
        self.url = url
        self.cipher = cipher
        parsed = make_url(url)
        options: dict = {"future": True, "pool_pre_ping": True}
        if parsed.get_backend_name() == "postgresql":
            # Bounded, so several servers fit PostgreSQL's connection limit.
            options["pool_size"], options["max_overflow"] = pool
        if parsed.get_backend_name() == "sqlite":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
            # Writers wait for each other instead of failing at once.
            options["connect_args"] = {"timeout": 15}
        self.engine: Engine = create_engine(url, **options)
        if parsed.get_backend_name() == "sqlite":
            event.listen(self.engine, "connect", _sqlite_pragmas)
        self._sessions = sessionmaker(self.engine, future=True, expire_on_commit=False)

    @contextmanager
    def session(self) -> Iterator[Session]:
        with self._sessions() as session, session.begin():
            yield session


def _sqlite_pragmas(connection, _record) -> None:
    cursor = connection.cursor()
    # WAL lets the therapist's reads run while the assistant writes.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


@cache
def _database(url: str, keys: tuple[str, ...], pool: tuple[int, int]) -> Database:
    return Database(url, FieldCipher(list(keys)), pool)


def database(settings: Settings) -> Database:
    """One engine (a connection pool) per URL, keys and process."""
    pool = (settings.database_pool_size, settings.database_max_overflow)
    return _database(settings.database_url, tuple(keys_for(settings)), pool)
