"""Entries, consent and pairing against a real (temporary) SQLite database."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from typing import Any

import pytest
from sqlalchemy import text

from bot.storage import clients, crisis_events, entries, safety_plans
from bot.storage.crisis_events import NewCrisisEvent
from bot.storage.entries import ConsentRequired, DailyLimitReached, EntryData, EntryError
from bot.storage.safety_plans import PlanSteps

NOW = datetime(2026, 11, 20, 18, 30, tzinfo=timezone.utc)
INCIDENT = EntryData(
    kind="incident",
    mood=3,
    occurred_on=date(2026, 11, 19),
    who="my mom",
    what_happened="she yelled at me at dinner",
    feelings="small, ashamed",
    problem_area="role_dispute",
)


@pytest.fixture()
def consented(db: Any) -> Any:
    clients.record_consent(db, "client-1", NOW)
    return db


def test_nothing_is_stored_before_consent(db: Any) -> None:
    with pytest.raises(ConsentRequired):
        entries.save(db, "client-1", "k1", INCIDENT, max_per_day=30, now=NOW)
    assert entries.entries_for(db, "client-1") == []


def test_a_saved_entry_reads_back_whole_and_is_encrypted_at_rest(consented: Any) -> None:
    saved = entries.save(consented, "client-1", "k1", INCIDENT, max_per_day=30, now=NOW)
    assert saved.created and saved.reference.startswith("E-")
    [stored] = entries.entries_for(consented, "client-1")
    assert stored.who == "my mom" and stored.what_happened == "she yelled at me at dinner"
    assert stored.mood == 3 and stored.occurred_on == date(2026, 11, 19)
    assert stored.reference == saved.reference and not stored.shared_with_therapist
    with consented.engine.connect() as connection:
        raw = connection.execute(text("SELECT who, what_happened, feelings FROM entries")).one()
    assert all(value.startswith("enc1:") for value in raw)
    assert "mom" not in " ".join(raw) and "yelled" not in " ".join(raw)


def test_a_retried_save_returns_the_same_entry_and_stores_it_once(consented: Any) -> None:
    first = entries.save(consented, "client-1", "k1", INCIDENT, max_per_day=30, now=NOW)
    again = entries.save(consented, "client-1", "k1", INCIDENT, max_per_day=30, now=NOW)
    assert again.reference == first.reference and not again.created
    assert len(entries.entries_for(consented, "client-1")) == 1


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"mood": 11}, "0 to 10"),
        ({"mood": None}, "mood rating"),
        ({"occurred_on": date(2026, 11, 22)}, "not come yet"),
        ({"who": None}, "who was involved"),
        ({"problem_area": "money"}, "problem area"),
    ],
)
def test_an_invalid_entry_is_refused_with_a_reason(
    consented: Any, change: dict[str, Any], reason: str
) -> None:
    from dataclasses import replace

    with pytest.raises(EntryError, match=reason):
        entries.save(consented, "client-1", "k1", replace(INCIDENT, **change), 30, now=NOW)


def test_the_daily_limit_is_enforced_per_client(consented: Any) -> None:
    mood = EntryData(kind="mood", mood=6)
    for n in range(3):
        entries.save(consented, "client-1", f"k{n}", mood, max_per_day=3, now=NOW)
    with pytest.raises(DailyLimitReached):
        entries.save(consented, "client-1", "k9", mood, max_per_day=3, now=NOW)
    tomorrow = NOW + timedelta(days=1)
    assert entries.save(consented, "client-1", "k9", mood, max_per_day=3, now=tomorrow).created


def test_entries_are_private_to_their_client(consented: Any) -> None:
    saved = entries.save(consented, "client-1", "k1", INCIDENT, max_per_day=30, now=NOW)
    assert entries.entry(consented, "client-2", saved.reference) is None
    assert not entries.delete_entry(consented, "client-2", saved.reference)
    assert entries.update(consented, "client-2", saved.reference, {"mood": 9}) is None
    assert entries.entry(consented, "client-1", saved.reference).mood == 3


def test_an_entry_can_be_corrected_and_deleted(consented: Any) -> None:
    saved = entries.save(consented, "client-1", "k1", INCIDENT, max_per_day=30, now=NOW)
    changed = entries.update(
        consented, "client-1", saved.reference.lower(), {"mood": 5, "who": "Mum"}
    )
    assert changed.mood == 5 and changed.who == "Mum" and changed.what_happened
    with pytest.raises(EntryError):
        entries.update(consented, "client-1", saved.reference, {"kind": "mood"})
    assert entries.delete_entry(consented, "client-1", saved.reference)
    assert entries.entries_for(consented, "client-1") == []


def test_the_mood_summary_gives_average_range_and_trend(consented: Any) -> None:
    for n, (days_ago, mood) in enumerate([(6, 2), (5, 3), (2, 6), (1, 7)]):
        entries.save(
            consented,
            "client-1",
            f"k{n}",
            EntryData(kind="mood", mood=mood),
            max_per_day=30,
            now=NOW - timedelta(days=days_ago),
        )
    summary = entries.mood_summary(consented, "client-1", days=7, now=NOW)
    assert (summary.count, summary.average, summary.lowest, summary.highest) == (4, 4.5, 2, 7)
    assert summary.trend == "up"
    empty = entries.mood_summary(consented, "client-2", days=7, now=NOW)
    assert empty.count == 0 and empty.trend is None


def test_delete_everything_removes_the_clients_data_and_keeps_anonymous_counts(
    consented: Any,
) -> None:
    entries.save(consented, "client-1", "k1", INCIDENT, max_per_day=30, now=NOW)
    safety_plans.save(consented, "client-1", PlanSteps(coping="walk"))
    crisis_events.record(
        consented,
        NewCrisisEvent("client-1", "m1", "detected", "suicide", "I want to die", "lexicon"),
    )
    assert entries.delete_everything(consented, "client-1") == 1
    assert entries.entries_for(consented, "client-1") == []
    assert safety_plans.load(consented, "client-1") is None
    assert crisis_events.for_conversation(consented, "client-1") == []
    assert not clients.has_consented(consented, "client-1")
    assert sum(crisis_events.referrals_by_month(consented).values()) == 1
    with consented.engine.connect() as connection:
        texts = connection.execute(text("SELECT message_text FROM crisis_events")).scalars().all()
    assert texts == [""]


def test_retention_removes_only_old_entries(consented: Any) -> None:
    mood = EntryData(kind="mood", mood=5)
    entries.save(consented, "client-1", "old", mood, 30, now=NOW - timedelta(days=40))
    entries.save(consented, "client-1", "new", mood, 30, now=NOW)
    assert entries.delete_older_than(consented, NOW - timedelta(days=30)) == 1
    assert len(entries.entries_for(consented, "client-1")) == 1


def test_pairing_sends_later_entries_to_the_therapist(consented: Any) -> None:
    private = entries.save(consented, "client-1", "k1", INCIDENT, max_per_day=30, now=NOW)
    therapist = clients.add_therapist(consented, "Dr Rivera")
    code = clients.issue_code(consented, therapist, days=7, now=NOW)
    assert len(code) == 7 and code[3] == "-"
    result = clients.pair(consented, "client-1", code.lower().replace("-", " "), now=NOW)
    assert result.outcome == "paired" and result.therapist == "Dr Rivera"
    assert clients.therapist_name(consented, "client-1") == "Dr Rivera"
    shared = entries.save(consented, "client-1", "k2", INCIDENT, max_per_day=30, now=NOW)
    assert shared.shared_with_therapist and not private.shared_with_therapist
    assert clients.pair(consented, "client-2", code, now=NOW).outcome == "used"


def test_wrong_expired_and_malformed_codes_get_their_own_outcome(consented: Any) -> None:
    therapist = clients.add_therapist(consented, "Dr Rivera")
    code = clients.issue_code(consented, therapist, days=7, now=NOW)
    later = NOW + timedelta(days=8)
    assert clients.pair(consented, "client-1", code, now=later).outcome == "expired"
    assert clients.pair(consented, "client-1", "ABC", now=NOW).outcome == "malformed"
    assert clients.pair(consented, "client-1", "222-222", now=NOW).outcome in {"invalid"}


def test_guessing_codes_is_slowed_down(consented: Any) -> None:
    therapist = clients.add_therapist(consented, "Dr Rivera")
    code = clients.issue_code(consented, therapist, days=7, now=NOW)
    for guess in ["222-222", "333-333", "444-444", "555-555", "666-666"]:
        assert clients.pair(consented, "client-1", guess, now=NOW).outcome == "invalid"
    blocked = clients.pair(consented, "client-1", code, now=NOW)
    assert blocked.outcome == "slow_down" and blocked.retry_after_minutes == 15
    assert clients.pair(consented, "client-1", code, now=NOW + timedelta(minutes=16)).outcome == (
        "paired"
    )


def test_retention_is_off_by_default_and_removes_old_data_when_set(tmp_path: Any) -> None:
    from dataclasses import replace

    from bot.settings import load_settings
    from bot.storage.database import database
    from bot.storage.migrate import prepare
    from bot.storage.retention import apply_retention

    settings = load_settings(environ={"DATA_DIR": str(tmp_path)}, dotenv_path=tmp_path / "none")
    prepare(settings)
    assert apply_retention(settings) is None
    db = database(settings)
    clients.record_consent(db, "client-1")
    mood = EntryData(kind="mood", mood=5)
    entries.save(
        db, "client-1", "old", mood, 30, now=datetime.now(timezone.utc) - timedelta(days=40)
    )
    entries.save(db, "client-1", "new", mood, 30)
    assert apply_retention(replace(settings, retention_days=30)) == (1, 0)
    assert len(entries.entries_for(db, "client-1")) == 1


def test_keys_rotate_and_a_missing_key_is_a_clear_error(tmp_path: Any) -> None:
    import os
    import stat

    from cryptography.fernet import Fernet

    from bot.settings import SettingsError, load_settings
    from bot.storage.crypto import FieldCipher, ensure_local_key, keys_for

    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    sealed = FieldCipher([old]).encrypt("my mom")
    assert FieldCipher([new, old]).decrypt(sealed) == "my mom"
    with pytest.raises(SettingsError, match="cannot be decrypted"):
        FieldCipher([new]).decrypt(sealed)
    with pytest.raises(SettingsError, match="Fernet keys"):
        FieldCipher(["not-a-key"])
    # Values stored before encryption stay readable (and are sealed on their next write).
    assert FieldCipher([new]).decrypt("plain words") == "plain words"

    local = load_settings(environ={"DATA_DIR": str(tmp_path)}, dotenv_path=tmp_path / "none")
    with pytest.raises(SettingsError, match="make setup"):
        keys_for(local)
    assert ensure_local_key(local) is None
    key_file = tmp_path / "encryption.key"
    assert stat.S_IMODE(os.stat(key_file).st_mode) == 0o600
    assert keys_for(local) == [key_file.read_text().strip()]
    server = load_settings(
        environ={"DATA_DIR": str(tmp_path), "DATABASE_URL": "postgresql://u:p@db/ipt"},
        dotenv_path=tmp_path / "none",
    )
    assert "secret store" in ensure_local_key(server)
