"""A therapist and a paired client with entries, through the same storage calls
the assistant makes (consent, pairing code, saves), for the review tests and
the dashboard benchmark."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.storage import accounts, clients, entries
from bot.storage.database import Database
from bot.storage.entries import PROBLEM_AREAS, EntryData
from bot.storage.models import utcnow

PASSWORD = "correct horse battery staple"
_PEOPLE = ("my mum", "Sam", "my partner", "my boss", "Dad", "a friend from work")


@dataclass(frozen=True)
class Seeded:
    therapist_id: int
    username: str
    client_id: int
    conversation_id: str


def paired_client(
    db: Database,
    username: str = "rivera",
    therapist: str = "Dr Rivera",
    client: str = "Alex P.",
    conversation_id: str = "conv-alex",
    now: datetime | None = None,
) -> Seeded:
    """A therapist who can sign in, and a client who consented and typed the code."""
    now = now or utcnow()
    therapist_id = accounts.therapist_id(db, username) or accounts.create_therapist(
        db, therapist, username, PASSWORD
    )
    client_id, code = clients.add_client(db, therapist_id, client, days=7, now=now)
    clients.record_consent(db, conversation_id, now=now)
    result = clients.pair(db, conversation_id, code, now=now)
    assert result.outcome == "paired", result
    return Seeded(therapist_id, username, client_id, conversation_id)


def incident(**changes: object) -> EntryData:
    values: dict[str, object] = {
        "kind": "incident",
        "mood": 4,
        "problem_area": "role_dispute",
        "who": "my mum",
        "what_happened": "We argued about the holidays.",
        "client_said": "I said I could not come this year.",
        "other_said": "She said I never make time for family.",
        "wanted": "For her to hear why.",
        "feelings": "guilty, angry",
    }
    values.update(changes)
    return EntryData(**values)  # type: ignore[arg-type]


def save(db: Database, conversation_id: str, data: EntryData, at: datetime) -> str:
    saved = entries.save(db, conversation_id, f"seed-{at.timestamp()}-{random.random()}", data,
                         max_per_day=10_000, now=at)  # fmt: skip
    return saved.reference


def many_entries(db: Database, conversation_id: str, count: int, seed: int = 7) -> None:
    """`count` entries over the past months, two in five incidents, with text
    of realistic length, saved the way the assistant saves them."""
    rng = random.Random(seed)
    start = utcnow() - timedelta(days=180)
    for number in range(count):
        at = start + timedelta(minutes=number * (180 * 24 * 60 // count))
        mood = rng.randint(1, 9)
        if number % 5 < 2:
            data = incident(
                mood=mood,
                problem_area=rng.choice(PROBLEM_AREAS),
                who=rng.choice(_PEOPLE),
                what_happened=f"Entry {number}: "
                + "we talked about the week and it went badly. " * 3,
            )
        else:
            data = EntryData(kind="mood", mood=mood, note=f"Check-in {number}, a tiring day.")
        save(db, conversation_id, data, at)
