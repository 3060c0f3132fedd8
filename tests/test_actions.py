"""Custom actions on tracker fixtures, against a real (temporary) SQLite database."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
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
from bot.storage import crisis_events, safety_plans
from bot.storage.database import database
from bot.storage.safety_plans import PlanSteps

PLAN_SLOTS = [
    "sp_warning_signs",
    "sp_coping",
    "sp_distractions",
    "sp_people",
    "sp_professionals",
    "sp_environment",
]


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
    [event] = crisis_events.for_conversation(database(settings), "client-7")
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
    events = crisis_events.for_conversation(database(settings), "client-7")
    assert [(e.kind, e.category) for e in events] == [
        ("detected", "suicide"),
        ("not_safe", "immediate_danger"),
        ("retraction", "retraction"),
    ]


def test_recording_with_the_database_down_says_nothing_and_raises_nothing(
    database_down: None,
) -> None:
    events, dispatcher = run(ActionRecordCrisis(), tracker("kms", "crisis_suicide"))
    # The lines already went out from the Rasa server; this action adds nothing.
    assert events == [] and dispatcher.messages == []


def test_the_form_takes_skip_and_refuses_an_overlong_answer(form_turn: Any) -> None:
    action, form = ValidateSafetyPlanForm(), "safety_plan_form"
    assert form_turn(action, form, PLAN_SLOTS, "sp_coping", "Skip.")[0]["sp_coping"] == SKIPPED
    assert form_turn(action, form, PLAN_SLOTS, "sp_coping", " a walk \n with the dog ")[0] == {
        "sp_coping": "a walk with the dog",
        "form_attempt": None,
    }
    kept, dispatcher = form_turn(action, form, PLAN_SLOTS, "sp_coping", "x" * 2001)
    assert kept == {"sp_coping": None, "form_attempt": "again"}
    assert "2001 characters" in dispatcher.messages[0]["text"]


def test_a_completed_plan_is_saved_and_shown_with_the_crisis_lines(settings: Any) -> None:
    slots = dict.fromkeys(PLAN_SLOTS, SKIPPED) | {
        "sp_warning_signs": "not sleeping",
        "sp_people": "Sam 555-0101",
    }
    events, dispatcher = run(ActionSaveSafetyPlan(), tracker(slots=slots))
    assert events == [*(SlotSet(s, None) for s in PLAN_SLOTS), SlotSet("sp_saved", None)]
    saved = safety_plans.load(database(settings), "client-7")
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


def test_a_failed_save_keeps_the_answers_and_says_it_is_not_saved(database_down: None) -> None:
    slots = dict.fromkeys(PLAN_SLOTS, "something")
    events, dispatcher = run(ActionSaveSafetyPlan(), tracker(slots=slots))
    assert events == []  # the slots keep every answer
    assert "not saved" in dispatcher.messages[0]["text"]


def test_a_session_starts_with_the_disclosure() -> None:
    events, dispatcher = run(ActionSessionStart(), tracker())
    assert dispatcher.messages[0]["response"] == "utter_disclosure"
    assert events[0] == SessionStarted()


class ClinicWebhook:
    """A real HTTP endpoint on this machine standing in for the clinic's."""

    def __init__(self, status: int = 200) -> None:
        self.status = status
        self.received: list[dict[str, Any]] = []

    async def handle(self, request: web.Request) -> web.Response:
        self.received.append(await request.json())
        return web.Response(status=self.status)

    async def serve(self, then: Callable[[str], Awaitable[None]]) -> None:
        app = web.Application()
        app.router.add_post("/crisis", self.handle)
        runner = web.AppRunner(app)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        try:
            await then(f"http://127.0.0.1:{port}/crisis")
        finally:
            await runner.cleanup()


def with_webhook(settings: Any, url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(context, "settings", lambda: replace(settings, crisis_webhook_url=url))


def record_with_clinic(
    clinic: ClinicWebhook,
    settings: Any,
    monkeypatch: pytest.MonkeyPatch,
    t: Tracker,
    times: int = 1,
) -> list[list[dict[str, Any]]]:
    """Runs action_record_crisis `times` with the clinic's webhook set; what each run returned."""
    results = []

    async def record(url: str) -> None:
        with_webhook(settings, url, monkeypatch)
        for _ in range(times):
            results.append(await ActionRecordCrisis().run(CollectingDispatcher(), t, {}))

    asyncio.run(clinic.serve(record))
    return results


def test_the_clinic_webhook_gets_the_fact_once_and_no_message_text(
    settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    clinic = ClinicWebhook()
    t = tracker("I want to die tonight", "crisis_suicide", message_id="w1")
    record_with_clinic(clinic, settings, monkeypatch, t, times=2)
    [payload] = clinic.received
    assert payload["event"] == "crisis" and payload["category"] == "suicide"
    assert "die" not in str(payload) and "client-7" not in str(payload)
    assert len(payload["conversation"]) == 16


def test_someone_elses_risk_is_recorded_for_the_therapist_and_the_clinic_is_not_alerted(
    settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    clinic = ClinicWebhook()
    t = tracker("my friend says she wants to die", "risk_someone_else", message_id="w4")
    t.events.append({"event": "action", "name": "utter_someone_else_suicide"})
    assert record_with_clinic(clinic, settings, monkeypatch, t) == [[]]
    assert clinic.received == []
    [event] = crisis_events.for_conversation(database(settings), "client-7")
    assert (event.kind, event.category) == ("someone_else", "suicide")


def test_a_failing_webhook_still_leaves_the_event_recorded(
    settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    clinic = ClinicWebhook(status=500)
    t = tracker("kms", "crisis_suicide", message_id="w2")
    assert record_with_clinic(clinic, settings, monkeypatch, t) == [[]]
    assert len(clinic.received) == 1
    [event] = crisis_events.for_conversation(database(settings), "client-7")
    assert event.category == "suicide"


def test_an_unreachable_webhook_does_not_hold_up_the_action(
    settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    with_webhook(settings, "http://127.0.0.1:1/crisis", monkeypatch)
    events, _ = run(ActionRecordCrisis(), tracker("kms", "crisis_suicide", message_id="w3"))
    assert events == []
    assert len(crisis_events.for_conversation(database(settings), "client-7")) == 1


def test_the_action_server_registers_every_custom_action_in_the_domain(project_root: Path) -> None:
    import yaml
    from rasa_sdk.executor import ActionExecutor

    executor = ActionExecutor()
    # What `rasa run actions` does at start: an abstract base or a nameless action fails here.
    executor.register_package("actions")
    domain = yaml.safe_load((project_root / "domain.yml").read_text(encoding="utf-8"))
    # An action with settings (send_domain) is a one-key mapping.
    names = [a if isinstance(a, str) else next(iter(a)) for a in domain["actions"]]
    custom = {a for a in names if not a.startswith("utter_")}
    assert "action_explain_question" in custom
    assert custom <= set(executor.actions)


def test_updating_the_plan_keeps_a_step_on_keep_or_skip(settings: Any, form_turn: Any) -> None:
    saved = {"people": "Sam 07700 900123", "coping": "walk the dog"}
    action, form = ValidateSafetyPlanForm(), "safety_plan_form"
    for reply in ("keep", "skip", "same as before"):
        values, _ = form_turn(action, form, PLAN_SLOTS, "sp_people", reply, {"sp_saved": saved})
        assert values["sp_people"] == "Sam 07700 900123"
    values, _ = form_turn(action, form, PLAN_SLOTS, "sp_people", "my aunt Jo", {"sp_saved": saved})
    assert values["sp_people"] == "my aunt Jo"
    # A step with nothing saved is skipped as usual.
    values, _ = form_turn(action, form, PLAN_SLOTS, "sp_environment", "skip", {"sp_saved": saved})
    assert values["sp_environment"] == SKIPPED
