"""Custom actions on tracker fixtures, against a real (temporary) SQLite database."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
from rasa_sdk import Tracker
from rasa_sdk.events import FollowupAction, SessionStarted, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import context
from actions.crisis import ActionRecordCrisis, ActionRecordRetraction
from actions.forms import SKIPPED
from actions.safety_plan import (
    ActionSaveSafetyPlan,
    ActionShowSafetyPlan,
    ValidateSafetyPlanForm,
)
from actions.session import ActionSessionStart
from bot.settings import load_settings
from bot.storage import crisis_events, safety_plans
from bot.storage.database import database
from bot.storage.migrate import upgrade
from bot.storage.safety_plans import PlanSteps

PLAN_SLOTS = [
    "sp_warning_signs",
    "sp_coping",
    "sp_distractions",
    "sp_people",
    "sp_professionals",
    "sp_environment",
]


@pytest.fixture()
def settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Any:
    values = load_settings(
        environ={"DATA_DIR": str(tmp_path), "CRISIS_LOCALE": "US"},
        dotenv_path=tmp_path / "none",
    )
    upgrade(values.database_url)
    monkeypatch.setattr(context, "settings", lambda: values)
    return values


def tracker(
    text: str = "",
    intent: str = "greet",
    slots: dict[str, Any] | None = None,
    crisis: dict[str, Any] | None = None,
    message_id: str = "m1",
    active_loop: str | None = None,
) -> Tracker:
    latest = {
        "text": text,
        "intent": {"name": intent, "confidence": 1.0},
        "entities": [],
        "message_id": message_id,
    }
    if crisis:
        latest["crisis"] = crisis
    return Tracker(
        sender_id="client-7",
        slots={"requested_slot": None, **{s: None for s in PLAN_SLOTS}, **(slots or {})},
        latest_message=latest,
        events=[{"event": "user", "timestamp": 1.0, "text": text}],
        paused=False,
        followup_action=None,
        active_loop={"name": active_loop} if active_loop else {},
        latest_action_name="action_listen",
    )


def run(action: Any, t: Tracker) -> tuple[list[dict[str, Any]], CollectingDispatcher]:
    dispatcher = CollectingDispatcher()
    events = asyncio.run(action.run(dispatcher, t, {}))
    return events, dispatcher


def test_a_crisis_message_is_recorded_once_even_when_the_action_is_retried(settings: Any) -> None:
    t = tracker(
        "I want to die",
        "crisis_suicide",
        crisis={"layer": "lexicon", "phrase": "want to die", "confidence": 1.0},
    )
    run(ActionRecordCrisis(), t)
    run(ActionRecordCrisis(), t)
    [event] = crisis_events.for_conversation(database(settings.database_url), "client-7")
    assert (event.kind, event.category, event.layer, event.message_text) == (
        "detected",
        "suicide",
        "lexicon",
        "I want to die",
    )


def test_not_safe_and_a_later_retraction_are_both_kept(settings: Any) -> None:
    run(ActionRecordCrisis(), tracker("kms", "crisis_suicide", message_id="a"))
    run(ActionRecordCrisis(), tracker("no", "not_safe", message_id="b"))
    run(ActionRecordRetraction(), tracker("you misunderstood", "crisis_retraction", message_id="c"))
    events = crisis_events.for_conversation(database(settings.database_url), "client-7")
    assert [(e.kind, e.category) for e in events] == [
        ("detected", "suicide"),
        ("not_safe", "immediate_danger"),
        ("retraction", "retraction"),
    ]


def test_recording_with_the_database_down_says_nothing_and_raises_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    broken = load_settings(
        environ={"DATABASE_URL": "postgresql://u:p@127.0.0.1:1/none"},
        dotenv_path=tmp_path / "none",
    )
    monkeypatch.setattr(context, "settings", lambda: broken)
    events, dispatcher = run(ActionRecordCrisis(), tracker("kms", "crisis_suicide"))
    # The lines already went out from the Rasa server; this action adds nothing.
    assert events == [] and dispatcher.messages == []


def test_the_form_takes_skip_and_refuses_an_overlong_answer() -> None:
    dispatcher = CollectingDispatcher()
    validate = ValidateSafetyPlanForm()
    assert validate.clean("sp_coping", "skip", dispatcher) == SKIPPED
    assert (
        validate.clean("sp_coping", "  a walk \n with the dog ", dispatcher)
        == "a walk with the dog"
    )
    assert validate.clean("sp_coping", "x" * 2001, dispatcher) is None
    assert "2001 characters" in dispatcher.messages[0]["text"]


def test_a_completed_plan_is_saved_and_shown_with_the_crisis_lines(settings: Any) -> None:
    slots = dict.fromkeys(PLAN_SLOTS, SKIPPED) | {
        "sp_warning_signs": "not sleeping",
        "sp_people": "Sam 555-0101",
    }
    events, dispatcher = run(ActionSaveSafetyPlan(), tracker(slots=slots))
    assert events == [SlotSet(s, None) for s in PLAN_SLOTS]
    saved = safety_plans.load(database(settings.database_url), "client-7")
    assert saved == PlanSteps(warning_signs="not sleeping", people="Sam 555-0101")
    shown = dispatcher.messages[0]["text"]
    assert "My warning signs: not sleeping" in shown
    assert "Things I can do on my own: (not filled in)" in shown
    assert "call or text 988" in shown

    _, dispatcher = run(ActionShowSafetyPlan(), tracker())
    assert "People I can ask for help: Sam 555-0101" in dispatcher.messages[0]["text"]


def test_without_a_plan_showing_starts_the_form(settings: Any) -> None:
    events, dispatcher = run(ActionShowSafetyPlan(), tracker())
    assert events == [FollowupAction("safety_plan_form")]
    assert dispatcher.messages[0]["response"] == "utter_safety_plan_intro"


def test_a_failed_save_keeps_the_answers_and_says_it_is_not_saved(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    broken = load_settings(
        environ={"DATABASE_URL": "postgresql://u:p@127.0.0.1:1/none"},
        dotenv_path=tmp_path / "none",
    )
    monkeypatch.setattr(context, "settings", lambda: broken)
    slots = dict.fromkeys(PLAN_SLOTS, "something")
    events, dispatcher = run(ActionSaveSafetyPlan(), tracker(slots=slots))
    assert events == []  # the slots keep every answer
    assert "not saved" in dispatcher.messages[0]["text"]


def test_a_session_starts_with_the_disclosure() -> None:
    events, dispatcher = run(ActionSessionStart(), tracker())
    assert dispatcher.messages[0]["response"] == "utter_disclosure"
    assert events[0] == SessionStarted()
