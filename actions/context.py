"""What every action needs: the settings and the database, made once per process."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from functools import cache
from typing import TypeVar

from rasa_sdk.executor import CollectingDispatcher

from bot.settings import Settings, load_settings
from bot.storage.database import Database, database

T = TypeVar("T")
logger = logging.getLogger(__name__)


@cache
def settings() -> Settings:
    return load_settings()


def db() -> Database:
    return database(settings())


async def journal_call(
    dispatcher: CollectingDispatcher, work: Callable[..., T], *args: object
) -> T | None:
    """`work(db(), *args)` off the event loop; if the database fails, the client is
    told nothing changed, and None comes back."""
    try:
        return await in_thread(work, db(), *args)
    except Exception:
        logger.exception("journal call %s failed", getattr(work, "__name__", work))
        dispatcher.utter_message(response="utter_journal_unavailable")
        return None


async def in_thread(work: Callable[..., T], *args: object) -> T:
    """Runs blocking work (SQL, file reads) off the event loop."""
    return await asyncio.to_thread(work, *args)
