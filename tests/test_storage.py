from __future__ import annotations

from datetime import datetime, timezone

import pytest
from sqlalchemy import inspect

from bot.storage import crisis_events, safety_plans
from bot.storage.crisis_events import NewCrisisEvent
from bot.storage.database import Database
from bot.storage.migrate import upgrade
from bot.storage.models import CrisisEvent
from bot.storage.safety_plans import PlanSteps
from bot.therapist.cli import crisis_report


def _event(**changes: object) -> NewCrisisEvent:
    base = {
        "conversation_id": "client-1",
        "message_id": "m1",
        "kind": "detected",
        "category": "suicide",
        "message_text": "I want to die",
        "layer": "lexicon",
    }
    return NewCrisisEvent(**{**base, **changes})


def test_migrations_create_the_tables_and_run_twice_harmlessly(db: Database) -> None:
    upgrade(db.url)
    tables = set(inspect(db.engine).get_table_names())
    assert {"crisis_events", "safety_plans", "alembic_version"} <= tables
    if db.engine.dialect.name == "sqlite":
        # Readers do not block the writer: the embedded default runs with WAL.
        with db.engine.connect() as connection:
            assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"


def test_a_retried_record_is_stored_once(db: Database) -> None:
    assert crisis_events.record(db, _event()) is True
    assert crisis_events.record(db, _event()) is False
    assert len(crisis_events.for_conversation(db, "client-1")) == 1


def test_a_retraction_is_kept_beside_the_event(db: Database) -> None:
    crisis_events.record(db, _event())
    crisis_events.record(
        db,
        _event(
            message_id="m2",
            kind="retraction",
            category="retraction",
            message_text="you misunderstood",
        ),
    )
    kinds = [e.kind for e in crisis_events.for_conversation(db, "client-1")]
    assert kinds == ["detected", "retraction"]


def test_an_unknown_kind_is_refused(db: Database) -> None:
    with pytest.raises(ValueError, match="unknown crisis event kind"):
        crisis_events.record(db, _event(kind="maybe"))


def test_the_crisis_report_counts_by_month_and_category_without_personal_data(
    db: Database,
) -> None:
    crisis_events.record(db, _event())
    crisis_events.record(db, _event(message_id="m2", category="abuse", message_text="he hits me"))
    crisis_events.record(db, _event(message_id="m3", kind="retraction", category="retraction"))
    with db.session() as session:
        session.get(CrisisEvent, 1).created_at = datetime(2026, 10, 3, tzinfo=timezone.utc)
    report = crisis_report(db)
    lines = report.splitlines()
    assert lines[0].split() == ["month", "abuse", "suicide", "total"]
    this_month = datetime.now(timezone.utc).strftime("%Y-%m")
    assert lines[1].split() == ["2026-10", "0", "1", "1"]
    assert lines[2].split() == [this_month, "1", "0", "1"]
    assert "client-1" not in report and "die" not in report and "retraction" not in report


def test_an_empty_report_says_so(db: Database) -> None:
    assert crisis_report(db) == "No crisis replies recorded."


def test_a_safety_plan_is_saved_whole_and_replaced_whole(db: Database) -> None:
    assert safety_plans.load(db, "client-1") is None
    first = PlanSteps(warning_signs="can't sleep", coping="a walk", people="Sam 555-0101")
    safety_plans.save(db, "client-1", first)
    assert safety_plans.load(db, "client-1") == first
    second = PlanSteps(warning_signs="pacing at night")
    safety_plans.save(db, "client-1", second)
    assert safety_plans.load(db, "client-1") == second
    assert safety_plans.load(db, "client-2") is None
