"""The encrypted tracker store against a real SQLite file."""

from __future__ import annotations

import asyncio
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from cryptography.fernet import Fernet
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import (
    ActionExecuted,
    ActiveLoop,
    BotUttered,
    ReminderScheduled,
    SessionStarted,
    SlotSet,
    UserUttered,
)
from rasa.shared.core.trackers import DialogueStateTracker
from sqlalchemy import create_engine, text

from bot.storage.crypto import FieldCipher
from bot.storage.tracker_store import ERASED_SLOT, EncryptedSQLTrackerStore, ForgetfulMemory
from bot.storage.tracker_window import MAX_TAIL_EVENTS
from tests.conftest import scratch_url

DOMAIN = Domain.from_dict(
    {
        "intents": ["greet"],
        "slots": {
            ERASED_SLOT: {"type": "bool", "influence_conversation": False, "mappings": []},
        },
    }
)

# Now + A_YEAR is after anything the tests store (replace(year=...) fails on 29 February).
A_YEAR = timedelta(days=366)


@pytest.fixture()
def store(tmp_path: Path) -> tuple[EncryptedSQLTrackerStore, str]:
    url = f"sqlite:///{tmp_path / 'tracker.db'}"
    cipher = FieldCipher([Fernet.generate_key().decode()])
    return EncryptedSQLTrackerStore(domain=DOMAIN, host=url, cipher=cipher), url


def _tracker(sender: str, *texts: str) -> DialogueStateTracker:
    events: list[Any] = [ActionExecuted("action_listen")]
    for n, said in enumerate(texts):
        events += [
            UserUttered(said, {"name": "greet", "confidence": 1.0}, message_id=f"{sender}{n}"),
            BotUttered(f"reply to {said}"),
            ActionExecuted("action_listen"),
        ]
    return DialogueStateTracker.from_events(sender, events, slots=DOMAIN.slots)


def _raw(url: str) -> list[str]:
    with create_engine(url).connect() as connection:
        return connection.execute(text("SELECT data FROM events")).scalars().all()


def test_events_are_encrypted_at_rest_and_read_back(store: Any) -> None:
    tracker_store, url = store
    asyncio.run(tracker_store.save(_tracker("c1", "my mom yelled at me")))
    raw = _raw(url)
    assert raw and all(value.startswith("enc1:") for value in raw)
    assert not any("yelled" in value for value in raw)
    back = asyncio.run(tracker_store.retrieve("c1"))
    assert back.latest_message.text == "my mom yelled at me"


def test_an_erasure_removes_the_stored_conversation(store: Any) -> None:
    tracker_store, url = store
    asyncio.run(tracker_store.save(_tracker("c1", "first secret")))
    asyncio.run(tracker_store.save(_tracker("c2", "someone else")))
    tracker = asyncio.run(tracker_store.retrieve("c1"))
    tracker.update(UserUttered("delete all my data", {"name": "greet", "confidence": 1.0}))
    tracker.update(SlotSet(ERASED_SLOT, True))
    tracker.update(BotUttered("Everything is deleted."))
    tracker.update(ActionExecuted("action_listen"))
    asyncio.run(tracker_store.save(tracker))
    kept = asyncio.run(tracker_store.retrieve("c1"))
    texts = [e.text for e in kept.events if isinstance(e, (UserUttered, BotUttered))]
    assert texts == ["Everything is deleted."]
    assert asyncio.run(tracker_store.retrieve("c2")).latest_message.text == "someone else"
    assert len(_raw(url)) == len(kept.events) + len(_tracker("c2", "someone else").events)


def test_retention_drops_old_events(store: Any) -> None:
    tracker_store, _ = store
    asyncio.run(tracker_store.save(_tracker("c1", "old news")))
    future = datetime.now(timezone.utc) + A_YEAR
    assert tracker_store.delete_older_than(future) > 0
    assert asyncio.run(tracker_store.retrieve("c1")) is None


def test_without_a_key_conversations_stay_in_memory_and_nothing_is_stored(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DATA_DIR", str(tmp_path / "no-key-here"))
    monkeypatch.delenv("DATA_ENCRYPTION_KEY", raising=False)
    url = f"sqlite:///{tmp_path / 'tracker.db'}"
    store = EncryptedSQLTrackerStore(domain=DOMAIN, host=url)
    asyncio.run(store.save(_tracker("c1", "I want to die")))
    assert asyncio.run(store.retrieve("c1")).latest_message.text == "I want to die"
    assert not (tmp_path / "tracker.db").exists()


def test_memory_forgets_idle_visitors_and_keeps_active_ones() -> None:
    memory = ForgetfulMemory(DOMAIN, idle_seconds=0.2)
    asyncio.run(memory.save(_tracker("idle", "hello")))
    asyncio.run(memory.save(_tracker("active", "hello")))
    time.sleep(0.15)
    asyncio.run(memory.save(_tracker("active", "hello", "still here")))
    time.sleep(0.1)
    asyncio.run(memory.save(_tracker("newcomer", "hi")))
    assert asyncio.run(memory.retrieve("idle")) is None
    assert asyncio.run(memory.retrieve("active")).latest_message.text == "still here"
    assert asyncio.run(memory.retrieve("newcomer")) is not None


LONG_DOMAIN = Domain.from_dict(
    {
        "intents": ["greet", "log_mood"],
        "slots": {
            ERASED_SLOT: {"type": "bool", "influence_conversation": False, "mappings": []},
            "mood": {"type": "text", "influence_conversation": False, "mappings": []},
            "faq_topic": {"type": "text", "influence_conversation": False, "mappings": []},
        },
        "forms": {"checkin_form": {"required_slots": ["mood"]}},
    }
)


def _turn(n: int, form_turns: int = 0) -> list[Any]:
    """One turn as the Rasa server records it. Every 50th sets a topic (so the value
    must outlive the loaded window); every 7th runs a form across `form_turns`
    extra user messages."""
    said = UserUttered(f"message {n}", {"name": "greet", "confidence": 1.0}, message_id=f"m{n}")
    events: list[Any] = [said]
    if n % 50 == 1:
        events.append(SlotSet("faq_topic", f"topic {n}"))
    if n % 7 == 0:
        events += [ActionExecuted("checkin_form"), ActiveLoop("checkin_form")]
        for step in range(form_turns):
            events += [
                ActionExecuted("action_listen"),
                UserUttered(f"answer {n}.{step}", {"name": "log_mood", "confidence": 1.0}),
                ActionExecuted("checkin_form"),
                SlotSet("mood", f"{n}.{step}"),
            ]
        events += [ActiveLoop(None)]
    events += [BotUttered(f"reply {n}"), ActionExecuted("action_listen")]
    return events


def _converse(tracker_store: EncryptedSQLTrackerStore, sender: str, turns: range, **kw: Any):
    """Runs turns as the server does (load, add the turn, save); yields after each
    the tracker that was loaded for it and the whole conversation so far."""
    everything: list[Any] = []
    for n in turns:
        tracker = asyncio.run(tracker_store.retrieve(sender))
        if tracker is None:
            tracker = DialogueStateTracker(sender, LONG_DOMAIN.slots)
        loaded = len(tracker.events)
        events = _turn(n, **kw)
        for event in events:
            tracker.update(event)
        asyncio.run(tracker_store.save(tracker))
        everything += events
        yield loaded, tracker, everything


@pytest.fixture(params=["sqlite", "postgresql"])
def long_store(
    request: pytest.FixtureRequest, tmp_path: Path
) -> tuple[EncryptedSQLTrackerStore, str]:
    """The store on SQLite and on the scratch PostgreSQL database (conftest),
    whose Rasa tables are emptied first."""
    url = scratch_url(request, tmp_path / "tracker.db")
    if request.param == "postgresql":
        with create_engine(url).begin() as connection:
            connection.execute(text("DROP TABLE IF EXISTS events, tracker_snapshots"))
            connection.execute(text("DROP SEQUENCE IF EXISTS events_seq"))
    cipher = FieldCipher([Fernet.generate_key().decode()])
    return EncryptedSQLTrackerStore(domain=LONG_DOMAIN, host=url, cipher=cipher), url


def test_a_long_conversation_loads_a_bounded_window_with_the_same_state(long_store: Any) -> None:
    tracker_store, url = long_store
    loaded_sizes = []
    for loaded, tracker, everything in _converse(tracker_store, "long", range(1, 301)):
        loaded_sizes.append(loaded)
        whole = DialogueStateTracker.from_events("long", everything, slots=LONG_DOMAIN.slots)
        assert tracker.current_slot_values() == whole.current_slot_values()
        assert tracker.active_loop_name == whole.active_loop_name
        assert tracker.latest_message.text == whole.latest_message.text
    # Each turn adds 3 to 10 events: without the window turn 300 would load ~1,500.
    assert max(loaded_sizes) <= MAX_TAIL_EVENTS + 20
    assert max(loaded_sizes[250:]) <= max(loaded_sizes[:50]) + 20
    # Every event is still stored, once and in order.
    full = asyncio.run(tracker_store.retrieve_full_tracker("long"))
    assert [e.as_dict() for e in full.events] == [e.as_dict() for e in everything]
    assert len(_raw(url)) == len(everything)
    with create_engine(url).connect() as connection:
        sealed = connection.execute(text("SELECT state FROM tracker_snapshots")).scalars().all()
    assert len(sealed) == 1 and sealed[0].startswith("enc1:") and "topic" not in sealed[0]


def test_no_cut_falls_inside_a_form(long_store: Any) -> None:
    tracker_store, _ = long_store
    # Forms of 40 user messages: far longer than the window.
    for _, tracker, everything in _converse(tracker_store, "forms", range(1, 40), form_turns=40):
        whole = DialogueStateTracker.from_events("forms", everything, slots=LONG_DOMAIN.slots)
        assert tracker.current_slot_values() == whole.current_slot_values()
    reloaded = asyncio.run(tracker_store.retrieve("forms"))
    starts = [e for e in reloaded.events if isinstance(e, ActiveLoop) and e.name]
    ends = [e for e in reloaded.events if isinstance(e, ActiveLoop) and not e.name]
    assert len(starts) == len(ends) and reloaded.active_loop_name is None


def test_a_new_session_does_not_take_an_old_snapshot(long_store: Any) -> None:
    tracker_store, _ = long_store
    for _ in _converse(tracker_store, "c1", range(1, 60)):
        pass
    tracker = asyncio.run(tracker_store.retrieve("c1"))
    for event in [ActionExecuted("action_session_start"), SessionStarted()]:
        tracker.update(event)
    tracker.update(ActionExecuted("action_listen"))
    asyncio.run(tracker_store.save(tracker))
    fresh = asyncio.run(tracker_store.retrieve("c1"))
    assert [e.type_name for e in fresh.events] == ["session_started", "action"]
    assert fresh.get_slot("faq_topic") is None


def test_an_erasure_also_removes_the_snapshot(long_store: Any) -> None:
    tracker_store, url = long_store
    for _ in _converse(tracker_store, "c1", range(1, 60)):
        pass
    tracker = asyncio.run(tracker_store.retrieve("c1"))
    tracker.update(SlotSet(ERASED_SLOT, True))
    tracker.update(BotUttered("Everything is deleted."))
    asyncio.run(tracker_store.save(tracker))
    kept = asyncio.run(tracker_store.retrieve("c1"))
    assert [e.type_name for e in kept.events] == ["bot"]
    assert kept.get_slot("faq_topic") is None
    with create_engine(url).connect() as connection:
        assert connection.execute(text("SELECT COUNT(*) FROM tracker_snapshots")).scalar() == 0


def test_retention_also_drops_old_snapshots(long_store: Any) -> None:
    tracker_store, url = long_store
    for _ in _converse(tracker_store, "c1", range(1, 60)):
        pass
    future = datetime.now(timezone.utc) + A_YEAR
    tracker_store.delete_older_than(future)
    with create_engine(url).connect() as connection:
        assert connection.execute(text("SELECT COUNT(*) FROM tracker_snapshots")).scalar() == 0
    assert asyncio.run(tracker_store.retrieve("c1")) is None


def test_a_scheduled_reminder_stays_loaded_however_long_the_conversation(long_store: Any) -> None:
    tracker_store, _ = long_store
    due = datetime.now(timezone.utc) + A_YEAR
    tracker = DialogueStateTracker("c1", LONG_DOMAIN.slots)
    for event in [
        ReminderScheduled("EXTERNAL_checkin_reminder", due, name="checkin_reminder"),
        ReminderScheduled("EXTERNAL_checkin_reminder", due, name="checkin_reminder"),
        ActionExecuted("action_listen"),
    ]:
        tracker.update(event)
    asyncio.run(tracker_store.save(tracker))
    for _ in _converse(tracker_store, "c1", range(1, 120)):
        pass
    loaded = asyncio.run(tracker_store.retrieve("c1"))
    assert len(loaded.events) < 200  # the first events are long out of the window
    reminders = [e.name for e in loaded.events if isinstance(e, ReminderScheduled)]
    assert reminders == ["checkin_reminder"]


def test_an_unstorable_conversation_fails_its_own_turn_and_never_exits(store: Any) -> None:
    # An unpaired surrogate cannot be encoded for the database: Rasa's own
    # session_scope made that sys.exit and stopped the server for everyone.
    from bot.storage.tracker_store import ConversationStoreError

    tracker_store, _ = store
    with pytest.raises(ConversationStoreError):
        asyncio.run(tracker_store.save(_tracker("bad\ud800id", "hello")))
    with pytest.raises(ConversationStoreError):
        asyncio.run(tracker_store.retrieve("bad\ud800id"))
    # Every other conversation carries on, on the same store.
    asyncio.run(tracker_store.save(_tracker("fine", "hello")))
    loaded = asyncio.run(tracker_store.retrieve("fine"))
    assert loaded is not None and loaded.latest_message.text == "hello"
