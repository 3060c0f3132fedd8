"""Conversation ids for messaging apps that never contain the person's number.

Telegram, Slack and Twilio identify a person by a chat id, a user id or a phone
number. Rasa keys every conversation (tracker store, lock store, entries) by the
sender id, so the channels here pass it a keyed hash of that address instead: the
same person always gets the same conversation, and a leaked database names no
one. The real address stays in memory, inside the output channel of the message
being answered (and of any reminder it schedules), and is never written down.

Several servers must share the key (CHANNEL_ID_KEY), or each would give the same
person a different conversation.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
from typing import Any

from rasa.core.channels.channel import OutputChannel

from bot.local_keys import server_secret
from bot.settings import Settings

logger = logging.getLogger(__name__)
KEY_FILE = "channel-id.key"


class Pseudonyms:
    def __init__(self, key: str) -> None:
        self._key = key.encode("utf-8")

    @classmethod
    def for_settings(cls, settings: Settings) -> Pseudonyms:
        return cls(server_secret(settings, settings.messaging.channel_id_key, KEY_FILE))

    def of(self, channel: str, address: object) -> str:
        """'telegram-3f9a…': stable for one person on one channel, not reversible."""
        digest = hmac.new(self._key, f"{channel}:{address}".encode(), hashlib.sha256)
        return f"{channel}-{digest.hexdigest()[:40]}"


class Addressed(OutputChannel):
    """Sends to the real address while Rasa only ever names the pseudonym."""

    def __init__(self, inner: OutputChannel, address: str) -> None:
        self.inner = inner
        self.address = address

    def name(self) -> str:  # type: ignore[override]
        # Channel-specific response variants are chosen by this name.
        return self.inner.name()

    async def send_response(self, recipient_id: str, message: dict[str, Any]) -> None:
        try:
            await self.inner.send_response(self.address, message)
        except Exception as error:
            # Rasa saves the conversation only after every reply of the turn is
            # sent: a provider outage must not also lose what the person wrote.
            logger.error(
                "could not deliver a reply on %s: %s", self.inner.name(), type(error).__name__
            )
