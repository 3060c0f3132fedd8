"""The fixed crisis turn, on trackers built event by event."""

from __future__ import annotations

from rasa.shared.core.constants import ACTION_LISTEN_NAME
from rasa.shared.core.events import ActionExecuted, ActiveLoop, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from bot.policies.crisis_policy import crisis_turn, next_crisis_action


def tracker_with(*events: object) -> DialogueStateTracker:
    return DialogueStateTracker.from_events("client", [ActionExecuted(ACTION_LISTEN_NAME), *events])


def said(intent: str, text: str = "...") -> UserUttered:
    return UserUttered(text, {"name": intent, "confidence": 1.0})


def play(tracker: DialogueStateTracker) -> list[str]:
    """Runs the policy's predictions to the end of the turn."""
    actions = []
    while (action := next_crisis_action(tracker)) is not None:
        actions.append(action)
        tracker.update(ActionExecuted(action))
        if action == "action_deactivate_loop":
            tracker.update(ActiveLoop(None))
        if action == ACTION_LISTEN_NAME:
            break
    return actions


def test_a_crisis_message_gets_lines_record_and_check_in() -> None:
    assert play(tracker_with(said("crisis_suicide"))) == [
        "utter_crisis_suicide",
        "action_record_crisis",
        "utter_check_safe",
        ACTION_LISTEN_NAME,
    ]


def test_inside_a_form_the_form_is_stopped_right_after_the_lines() -> None:
    tracker = tracker_with(
        ActionExecuted("safety_plan_form"),
        ActiveLoop("safety_plan_form"),
        ActionExecuted(ACTION_LISTEN_NAME),
        said("crisis_abuse"),
    )
    assert play(tracker) == [
        "utter_crisis_abuse",
        "action_deactivate_loop",
        "action_record_crisis",
        "utter_check_safe",
        ACTION_LISTEN_NAME,
    ]
    assert tracker.active_loop_name is None


def test_other_messages_are_left_to_the_other_policies() -> None:
    assert next_crisis_action(tracker_with(said("greet"))) is None
    assert next_crisis_action(tracker_with(said("nlu_fallback"))) is None


def test_a_failed_record_does_not_repeat_or_stall_the_turn() -> None:
    # Rasa logs a custom action that raised as executed (with no events), so the
    # turn moves on to the check-in rather than retrying the record.
    tracker = tracker_with(
        said("crisis_overdose"),
        ActionExecuted("utter_crisis_overdose"),
        ActionExecuted("action_record_crisis"),
    )
    assert next_crisis_action(tracker) == "utter_check_safe"


def test_help_has_its_own_reply() -> None:
    assert crisis_turn("help", form_active=False)[0] == "utter_crisis_help"
