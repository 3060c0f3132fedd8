"""What every action needs: the settings and the database, made once per process."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from functools import cache
from typing import TypeVar

from bot.settings import Settings, load_settings
from bot.storage.database import Database, database

T = TypeVar("T")


@cache
def settings() -> Settings:
    return load_settings()


def db() -> Database:
    return database(settings())


async def in_thread(work: Callable[..., T], *args: object) -> T:
    """Runs blocking work (SQL, file reads) off the event loop."""
    return await asyncio.to_thread(work, *args)
