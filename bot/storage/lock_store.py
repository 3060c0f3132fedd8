"""Rasa's Redis lock store, configured by one URL (LOCK_STORE_URL).

Rasa locks a conversation while it handles a message, so two messages of one
conversation are answered in turn. The default lock lives in one server's
memory; with several Rasa servers behind a balancer the lock must be shared, in
Redis, or two servers could answer one conversation at once and lose events.
endpoints.yml names this class only when LOCK_STORE_URL is set (bot/rasa_env.py).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import unquote, urlsplit

from rasa.core.lock_store import RedisLockStore

from bot.settings import load_settings

KEY_PREFIX = "ipt"


def redis_options(url: str) -> dict[str, Any]:
    """RedisLockStore's arguments for redis://[user:password@]host[:port]/db."""
    parts = urlsplit(url)
    return {
        "host": parts.hostname,
        "port": parts.port or 6379,
        "db": int(parts.path.strip("/")),
        "username": unquote(parts.username) if parts.username else None,
        "password": unquote(parts.password) if parts.password else None,
        "use_ssl": parts.scheme == "rediss",
        "key_prefix": KEY_PREFIX,
    }


class UrlRedisLockStore(RedisLockStore):
    def __init__(self, endpoint_config: Any = None) -> None:
        super().__init__(**redis_options(load_settings().lock_store_url))
