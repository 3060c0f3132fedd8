"""What a therapist sees: named client records and pairing, visibility, filters,
the pre-session summary and the exports, on a real migrated database."""

from __future__ import annotations

import csv
import io
import json
from datetime import date, datetime, timedelta

import pytest

from benchmarks.review_seed import incident, paired_client, save
from bot.storage import accounts, clients, crisis_events, entries
from bot.storage.crisis_events import NewCrisisEvent
from bot.storage.database import Database
from bot.storage.entries import EntryData
from bot.storage.models import utcnow
from bot.therapist import review

HOSTILE = (
    '<script>window.pwned=1</script><img src=x onerror="window.pwned=2"> '
    '=HYPERLINK("http://evil") ' + "W" * 3000 + " \u202eevil\u202c שלום مرحبا 😢👩‍👧"
)


def test_a_named_client_takes_over_the_conversation_and_keeps_its_consent(db: Database) -> None:
    seeded = paired_client(db)
    overview = review.client_overview(db, seeded.client_id, seeded.therapist_id)
    assert overview.name == "Alex P."
    assert overview.conversation_id == "conv-alex" and overview.paired
    # One record for the conversation, consent carried over: entries can be saved.
    assert clients.has_consented(db, "conv-alex")
    saved = entries.save(db, "conv-alex", "k1", incident(), max_per_day=30)
    assert saved.shared_with_therapist
    # The name is stored encrypted, like everything else a person can be known by.
    with db.engine.connect() as connection:
        stored = connection.exec_driver_sql("SELECT display_name FROM clients").scalar()
    assert "Alex" not in stored


def test_a_second_code_for_a_paired_record_cannot_take_it_over(db: Database) -> None:
    therapist = accounts.create_therapist(db, "Dr Rivera", "rivera", "a long password 1")
    client_id, first = clients.add_client(db, therapist, "Alex P.", days=7)
    second = clients.issue_code(db, therapist, 7, client_id=client_id)
    assert clients.pair(db, "conv-a", first).outcome == "paired"
    assert clients.pair(db, "conv-b", second).outcome == "used"
    assert review.client_overview(db, client_id).conversation_id == "conv-a"
    with pytest.raises(ValueError, match="already paired"):
        clients.issue_code(db, therapist, 7, client_id=client_id)


def test_a_therapist_sees_only_what_was_shared_with_them(db: Database) -> None:
    now = utcnow()
    clients.record_consent(db, "conv-alex", now=now - timedelta(days=3))
    # Written before pairing: the client's private journal.
    save(db, "conv-alex", incident(what_happened="private"), now - timedelta(days=2))
    crisis_events.record(db, *_crisis("before", now - timedelta(days=2)))
    seeded = paired_client(db, now=now - timedelta(days=1))
    save(db, "conv-alex", incident(what_happened="shared"), now)
    crisis_events.record(db, *_crisis("after", now))
    other = paired_client(db, "okafor", "Dr Okafor", "Sam", "conv-sam")

    record = review.client_record(db, seeded.client_id, review.Filters(), seeded.therapist_id)
    assert [e.what_happened for e in record.entries] == ["shared"]
    assert [c.message_text for c in record.crisis] == ["after"]
    assert [c.id for c in review.client_list(db, seeded.therapist_id)] == [seeded.client_id]
    with pytest.raises(review.UnknownClient):
        review.client_record(db, other.client_id, review.Filters(), seeded.therapist_id)


def test_filters_by_date_and_problem_area(db: Database) -> None:
    seeded = paired_client(db, now=utcnow() - timedelta(days=30))
    today = utcnow()
    save(db, seeded.conversation_id, incident(problem_area="grief"), today - timedelta(days=20))
    save(
        db, seeded.conversation_id, incident(problem_area="role_dispute"), today - timedelta(days=5)
    )
    save(db, seeded.conversation_id, EntryData(kind="mood", mood=6), today - timedelta(days=4))

    def shown(**filters: object) -> list[str | None]:
        record = review.client_record(db, seeded.client_id, review.Filters(**filters))
        return [e.problem_area or e.kind for e in record.entries]

    assert shown() == ["mood", "role_dispute", "grief"]
    assert shown(since=(today - timedelta(days=10)).date()) == ["mood", "role_dispute"]
    assert shown(until=(today - timedelta(days=10)).date()) == ["grief"]
    assert shown(area="grief") == ["grief"]
    with pytest.raises(ValueError, match="unknown problem area"):
        review.Filters(area="sadness")
    with pytest.raises(ValueError, match="before the start"):
        review.Filters(since=date(2026, 5, 2), until=date(2026, 5, 1))
    with pytest.raises(ValueError, match="not a date"):
        review.parse_date("31/12/2026")


def test_the_summary_puts_crisis_first_and_counts_moods_areas_and_people(db: Database) -> None:
    start = utcnow() - timedelta(days=8)
    seeded = paired_client(db, now=start)
    for day, mood, area, who in [
        (1, 7, "role_dispute", "My Mum"),
        (2, 6, "role_dispute", "mum."),
        (5, 3, "grief", "Dad"),
        (6, 2, None, None),
    ]:
        data = incident(mood=mood, problem_area=area, who=who) if who else EntryData("mood", mood)
        save(db, seeded.conversation_id, data, start + timedelta(days=day))
    crisis_events.record(db, *_crisis("I can't go on", start + timedelta(days=6)))

    record = review.client_record(db, seeded.client_id, review.Filters(since=start.date()))
    summary = review.summarise(record)
    assert (summary.entries, summary.incidents, summary.ratings) == (4, 3, 4)
    assert (summary.mood_average, summary.mood_lowest, summary.mood_highest) == (4.5, 2, 7)
    assert summary.trend == "down"
    assert summary.per_area == [("Role dispute", 2), ("Grief", 1)]
    assert summary.per_person == [("mum", 2), ("dad", 1)]
    assert [c.message_text for c in summary.crisis] == ["I can't go on"]
    listed = review.client_list(db, seeded.therapist_id)
    assert listed[0].crisis_since == 1 and listed[0].entries_since >= 2

    # After the session is marked, the crisis is no longer "since the last session".
    review.mark_session(db, seeded.client_id, seeded.therapist_id)
    assert review.client_list(db, seeded.therapist_id)[0].crisis_since == 0


def test_exports_are_complete_stable_and_keep_hostile_text_as_text(db: Database) -> None:
    seeded = paired_client(db)
    save(db, seeded.conversation_id, incident(who=HOSTILE, client_said="-1+2"), utcnow())
    save(db, seeded.conversation_id, EntryData("mood", 5, note="line one\nline two"), utcnow())
    rows = review.export_rows(review.client_record(db, seeded.client_id, review.Filters()))

    exported = json.loads(review.to_json(rows))
    assert exported["fields"] == list(review.EXPORT_FIELDS)
    assert [set(e) for e in exported["entries"]] == [set(review.EXPORT_FIELDS)] * 2
    assert exported["entries"][0]["who"] == HOSTILE
    assert exported["entries"][1]["note"] == "line one\nline two"

    table = list(csv.DictReader(io.StringIO(review.to_csv(rows))))
    assert list(table[0]) == list(review.EXPORT_FIELDS)
    assert table[0]["who"] == HOSTILE
    # A cell that a spreadsheet would run as a formula is prefixed to stay text.
    assert table[0]["client_said"] == "'-1+2"
    assert table[1]["note"] == "line one\nline two"
    assert table[0]["reference"].startswith("E-") and table[0]["mood"] == "4"


def _crisis(text: str, at: datetime) -> tuple[NewCrisisEvent, datetime]:
    return NewCrisisEvent("conv-alex", f"m-{text}", "detected", "suicide", text, "lexicon"), at


def test_a_client_who_deletes_everything_leaves_the_therapists_list(db: Database) -> None:
    seeded = paired_client(db)
    save(db, seeded.conversation_id, incident(), utcnow())
    entries.delete_everything(db, seeded.conversation_id)
    assert review.client_list(db, seeded.therapist_id) == []
    with pytest.raises(review.UnknownClient):
        review.client_record(db, seeded.client_id, review.Filters(), seeded.therapist_id)
