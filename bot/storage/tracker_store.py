"""Rasa's SQL tracker store, with every event sealed and erasure on request.

Rasa keeps each message and slot value as JSON in the `events` table. This store
(configured in endpoints.yml) encrypts that JSON with the same cipher as the
entries, and it is the only place an erasure can happen safely: the Rasa server
saves the whole tracker after each turn, so rows deleted from outside would be
written back. When an action sets the `data_erased` slot, the save removes every
stored event of that conversation and keeps only what followed the erasure.

A turn loads only the recent part of a long conversation, after a snapshot of
the slots (bot/storage/tracker_window.py), so replies do not slow down as the
conversation grows.

Rasa's own `session_scope` turns any ValueError raised while a session is open
(a UnicodeEncodeError from an unencodable sender id is one) into sys.exit, as if
a PostgreSQL schema were missing: one conversation's bad data stopped the server
for everyone. Here every failure inside a session is rolled back and raised as
ConversationStoreError, an ordinary exception: Rasa's FailSafeTrackerStore then
serves that one conversation from memory and the process goes on.
"""

from __future__ import annotations

import itertools
import json
import logging
import time
from collections import OrderedDict
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any, ClassVar

import sqlalchemy as sa
from rasa.core.tracker_store import (
    InMemoryTrackerStore,
    SQLTrackerStore,
    TrackerStore,
    create_engine_kwargs,
    ensure_schema_exists,
)
from rasa.shared.core.events import Event, SessionStarted, SlotSet
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.nlu.constants import INTENT_NAME_KEY
from sqlalchemy.orm import Session, declarative_base
from sqlalchemy.types import TypeDecorator

from bot.settings import SettingsError, load_settings
from bot.storage.crypto import FieldCipher, cipher_for
from bot.storage.tracker_window import Window, next_snapshot, snapshot_events

logger = logging.getLogger(__name__)
ERASED_SLOT = "data_erased"
# Matches session_expiration_time in domain.yml: after that a conversation starts over.
IDLE_SECONDS = 60 * 60
# Where a tracker this store loaded keeps its Window (which events are stored).
_WINDOW = "_ipt_window"


class ConversationStoreError(RuntimeError):
    """One conversation could not be read or written; the server carries on."""


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


class _Snapshot(_Base):
    """Per conversation: slot values and pending reminders at the latest cut
    (tracker_window.state_before), and the first event after it."""

    __tablename__ = "tracker_snapshots"

    sender_id = sa.Column(sa.String(255), primary_key=True)
    first_event_id = sa.Column(sa.Integer, nullable=False)
    state = sa.Column(_SealedJSON, nullable=False)
    timestamp = sa.Column(sa.Float, nullable=False)


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
        if self.engine.dialect.name == "postgresql":
            # Rasa's engine keeps pooled connections without checking them: after a
            # PostgreSQL restart each stale one would fail a turn. Checked on checkout.
            url = self.engine.url
            self.engine.dispose()
            self.engine = sa.create_engine(url, pool_pre_ping=True, **create_engine_kwargs(url))
            self.sessionmaker = sa.orm.sessionmaker(bind=self.engine)

    @contextmanager
    def session_scope(self) -> Iterator[Session]:
        """Rasa's transactional scope, without its sys.exit: a failure is rolled
        back and raised as ConversationStoreError for the turn that met it."""
        session = self.sessionmaker()
        try:
            ensure_schema_exists(session)
            yield session
        except Exception as error:
            session.rollback()
            raise ConversationStoreError(
                f"the conversation store failed: {type(error).__name__}"
            ) from error
        finally:
            session.close()

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
        with self.session_scope() as session:
            query = self._event_query(session, sender_id, fetch_events_from_all_sessions=False)
            snapshot = self._current_snapshot(session, sender_id)
            if snapshot is not None:
                query = query.filter(self.SQLEvent.id >= snapshot.first_event_id)
            rows = query.all()
            if not rows or not self.domain:
                return None
            prefix = (
                snapshot_events(json.loads(snapshot.state), rows[0].timestamp) if snapshot else []
            )
            events = prefix + [json.loads(row.data) for row in rows]
            ids = [row.id for row in rows]
        tracker = DialogueStateTracker.from_dict(sender_id, events, self.domain.slots)
        setattr(tracker, _WINDOW, Window(prefix=len(prefix), ids=ids))
        return tracker

    def _current_snapshot(self, session: Any, sender_id: str) -> _Snapshot | None:
        """The conversation's snapshot, unless a new session began after its cut."""
        snapshot = session.get(_Snapshot, sender_id)
        if snapshot is None:
            return None
        newer_session = (
            session.query(self.SQLEvent.id)
            .filter(
                self.SQLEvent.sender_id == sender_id,
                self.SQLEvent.type_name == SessionStarted.type_name,
                self.SQLEvent.id > snapshot.first_event_id,
            )
            .first()
        )
        return None if newer_session else snapshot

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
        sender_id = tracker.sender_id
        with self.session_scope() as session:
            window = getattr(tracker, _WINDOW, None)
            if window is None:
                # Not loaded by this store (a new conversation): as Rasa does, the
                # session's stored events are the first ones of the tracker.
                stored = self._event_query(session, sender_id, fetch_events_from_all_sessions=False)
                window = Window(
                    prefix=0, ids=[row.id for row in stored.with_entities(self.SQLEvent.id)]
                )
            new = list(itertools.islice(tracker.events, window.stored, None))
            erased_at = _last_erasure(new)
            if erased_at is not None:
                for table in (self.SQLEvent, _Snapshot):
                    session.query(table).filter(table.sender_id == sender_id).delete(
                        synchronize_session=False
                    )
                new = new[erased_at + 1 :]
                window = Window(prefix=len(tracker.events) - len(new), may_snapshot=False)
            rows = [self._row(sender_id, event) for event in new]
            session.add_all(rows)
            session.flush()
            window.ids.extend(row.id for row in rows)
            snapshot = next_snapshot(tracker, window, self.domain.slots if self.domain else [])
            if snapshot is not None:
                first_event_id, state = snapshot
                session.merge(
                    _Snapshot(
                        sender_id=sender_id,
                        first_event_id=first_event_id,
                        state=json.dumps(state),
                        timestamp=time.time(),
                    )
                )
            session.commit()
        setattr(tracker, _WINDOW, window)
        if self.event_broker is not None:
            await self._stream_new_events(self.event_broker, new, sender_id)

    def _row(self, sender_id: str, event: Event) -> _SealedEvent:
        """An events row in Rasa's layout (the same columns its SQL store writes)."""
        data = event.as_dict()
        return self.SQLEvent(
            sender_id=sender_id,
            type_name=event.type_name,
            timestamp=data.get("timestamp"),
            intent_name=data.get("parse_data", {}).get("intent", {}).get(INTENT_NAME_KEY),
            action_name=data.get("name"),
            data=json.dumps(data),
        )

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
            # A snapshot holds slot values from before its cut: it ages with them.
            session.query(_Snapshot).filter(_Snapshot.timestamp < cutoff.timestamp()).delete(
                synchronize_session=False
            )
            session.commit()
            return removed


def _last_erasure(events: list[Event]) -> int | None:
    for index in range(len(events) - 1, -1, -1):
        event = events[index]
        if isinstance(event, SlotSet) and event.key == ERASED_SLOT and event.value:
            return index
    return None
