"""Rasa's SQL tracker store, with every event sealed and erasure on request.

Rasa keeps each message and slot value as JSON in the `events` table. This store
(configured in endpoints.yml) encrypts that JSON with the same cipher as the
entries, and it is the only place an erasure can happen safely: the Rasa server
saves the whole tracker after each turn, so rows deleted from outside would be
written back. When an action sets the `data_erased` slot, the save removes every
stored event of that conversation and keeps only what followed the erasure.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, ClassVar

import sqlalchemy as sa
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.events import SlotSet
from rasa.shared.core.trackers import DialogueStateTracker
from sqlalchemy.orm import declarative_base
from sqlalchemy.types import TypeDecorator

from bot.settings import load_settings
from bot.storage.crypto import FieldCipher, cipher_for

ERASED_SLOT = "data_erased"


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


class EncryptedSQLTrackerStore(SQLTrackerStore):
    Base = _Base
    SQLEvent = _SealedEvent

    def __init__(self, *args: Any, cipher: FieldCipher | None = None, **kwargs: Any) -> None:
        # Runs once when the Rasa server starts, before any conversation.
        _SealedJSON.cipher = cipher or cipher_for(load_settings())
        super().__init__(*args, **kwargs)

    async def save(self, tracker: DialogueStateTracker) -> None:
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
