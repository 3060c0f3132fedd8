"""The encrypted tracker store against a real SQLite file."""

from __future__ import annotations

import asyncio
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest
from cryptography.fernet import Fernet
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, BotUttered, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from sqlalchemy import create_engine, text

from bot.storage.crypto import FieldCipher
from bot.storage.tracker_store import ERASED_SLOT, EncryptedSQLTrackerStore, ForgetfulMemory

DOMAIN = Domain.from_dict(
    {
        "intents": ["greet"],
        "slots": {
            ERASED_SLOT: {"type": "bool", "influence_conversation": False, "mappings": []},
        },
    }
)


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
    future = datetime.now(timezone.utc).replace(year=datetime.now().year + 1)
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
