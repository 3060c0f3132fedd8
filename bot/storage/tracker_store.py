"""Rasa's SQL tracker store, with every event sealed and erasure on request.

Rasa keeps each message and slot value as JSON in the `events` table. This store
(configured in endpoints.yml) encrypts that JSON with the same cipher as the
entries, and it is the only place an erasure can happen safely: the Rasa server
saves the whole tracker after each turn, so rows deleted from outside would be
written back. When an action sets the `data_erased` slot, the save removes every
stored event of that conversation and keeps only what followed the erasure.
"""

from __future__ import annotations

import logging
import time
from collections import OrderedDict
from collections.abc import Iterable
from datetime import datetime
from typing import Any, ClassVar

import sqlalchemy as sa
from rasa.core.tracker_store import InMemoryTrackerStore, SQLTrackerStore, TrackerStore
from rasa.shared.core.events import SlotSet
from rasa.shared.core.trackers import DialogueStateTracker
from sqlalchemy.orm import declarative_base
from sqlalchemy.types import TypeDecorator

from bot.settings import SettingsError, load_settings
from bot.storage.crypto import FieldCipher, cipher_for

logger = logging.getLogger(__name__)
ERASED_SLOT = "data_erased"
# Matches session_expiration_time in domain.yml: after that a conversation starts over.
IDLE_SECONDS = 60 * 60


class _SealedJSON(TypeDecorator):
    """The `data` column: encrypted on the way in, decrypted on the way out."""

    impl = sa.Text
    cache_ok = True
    cipher: ClassVar[FieldCipher | None] = None

    def process_bind_param(self, value: Any, dialect: Any) -> Any:
        return self._cipher().encrypt(value)

    def process_result_value(self, value: Any, dialect: Any) -> Any:
        return self._cipher().decrypt(value)

    @classmethod
    def _cipher(cls) -> FieldCipher:
        if cls.cipher is None:
            raise RuntimeError("EncryptedSQLTrackerStore was not set up with a key")
        return cls.cipher


_Base = declarative_base()


class _SealedEvent(_Base):
    """Rasa's `events` table, same columns, with the data column sealed."""

    __tablename__ = "events"

    id = sa.Column(sa.Integer, sa.Sequence("events_seq"), primary_key=True)
    sender_id = sa.Column(sa.String(255), nullable=False, index=True)
    type_name = sa.Column(sa.String(255), nullable=False)
    timestamp = sa.Column(sa.Float)
    intent_name = sa.Column(sa.String(255))
    action_name = sa.Column(sa.String(255))
    data = sa.Column(_SealedJSON)


class ForgetfulMemory(InMemoryTrackerStore):
    """Conversations in memory, each dropped after an idle hour: on a public web
    site (FAQ-only mode) the visitors would otherwise fill the memory."""

    def __init__(self, *args: Any, idle_seconds: float = IDLE_SECONDS, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.idle_seconds = idle_seconds
        # Least recently seen first, so a save only looks at the idle front
        # instead of every visitor.
        self._last_seen: OrderedDict[str, float] = OrderedDict()

    async def save(self, tracker: DialogueStateTracker) -> None:
        now = time.monotonic()
        self._last_seen[tracker.sender_id] = now
        self._last_seen.move_to_end(tracker.sender_id)
        while self._last_seen:
            sender_id, seen = next(iter(self._last_seen.items()))
            if now - seen <= self.idle_seconds:
                break
            self._last_seen.popitem(last=False)
            self.store.pop(sender_id, None)
        await super().save(tracker)


class EncryptedSQLTrackerStore(SQLTrackerStore):
    Base = _Base
    SQLEvent = _SealedEvent

    def __init__(self, *args: Any, cipher: FieldCipher | None = None, **kwargs: Any) -> None:
        # Runs once when the Rasa server starts, before any conversation.
        self._memory: InMemoryTrackerStore | None = None
        try:
            settings = load_settings()
            if settings.faq_only:
                # FAQ-only mode promises to store nothing about the person.
                logger.info("FAQ-only mode: conversations are kept in memory only")
                self._keep_in_memory(kwargs)
                return
            _SealedJSON.cipher = cipher or cipher_for(settings)
        except SettingsError as error:
            # Never store conversations in clear, and never stop the server over it:
            # crisis replies must still go out. Conversations live in memory only.
            logger.error("Conversations are NOT stored (kept in memory only): %s", error)
            self._keep_in_memory(kwargs)
            return
        super().__init__(*args, **kwargs)

    def _keep_in_memory(self, kwargs: dict[str, Any]) -> None:
        TrackerStore.__init__(self, kwargs.get("domain"), kwargs.get("event_broker"))
        self._memory = ForgetfulMemory(self.domain, self.event_broker)

    def _in_memory(self) -> InMemoryTrackerStore | None:
        if self._memory is not None:
            self._memory.domain = self.domain
        return self._memory

    async def retrieve(self, sender_id: str) -> DialogueStateTracker | None:
        memory = self._in_memory()
        if memory is not None:
            return await memory.retrieve(sender_id)
        return await super().retrieve(sender_id)

    async def retrieve_full_tracker(self, conversation_id: str) -> DialogueStateTracker | None:
        memory = self._in_memory()
        if memory is not None:
            return await memory.retrieve_full_tracker(conversation_id)
        return await super().retrieve_full_tracker(conversation_id)

    async def keys(self) -> Iterable[str]:
        memory = self._in_memory()
        if memory is not None:
            return await memory.keys()
        return await super().keys()

    async def save(self, tracker: DialogueStateTracker) -> None:
        memory = self._in_memory()
        if memory is not None:
            await memory.save(tracker)
            return
        erased_at = _last_erasure(tracker)
        if erased_at is None:
            await super().save(tracker)
            return
        kept = DialogueStateTracker.from_events(
            tracker.sender_id, list(tracker.events)[erased_at + 1 :], slots=self.domain.slots
        )
        with self.session_scope() as session:
            session.query(self.SQLEvent).filter(
                self.SQLEvent.sender_id == tracker.sender_id
            ).delete(synchronize_session=False)
            session.commit()
        if kept.events:
            await super().save(kept)

    def delete_older_than(self, cutoff: datetime) -> int:
        """Retention: removes events recorded before `cutoff` (all conversations)."""
        if self._memory is not None:
            return 0
        with self.session_scope() as session:
            removed = (
                session.query(self.SQLEvent)
                .filter(self.SQLEvent.timestamp < cutoff.timestamp())
                .delete(synchronize_session=False)
            )
            session.commit()
            return removed


def _last_erasure(tracker: DialogueStateTracker) -> int | None:
    for index in range(len(tracker.events) - 1, -1, -1):
        event = tracker.events[index]
        if isinstance(event, SlotSet) and event.key == ERASED_SLOT and event.value:
            return index
    return None
