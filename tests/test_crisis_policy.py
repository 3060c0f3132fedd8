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


def unsure(category: str, text: str = "...") -> UserUttered:
    return UserUttered(
        text,
        {"name": "risk_check", "confidence": 0.6},
        parse_data={"crisis": {"category": category, "level": "uncertain"}},
    )


def in_form(*events: object) -> DialogueStateTracker:
    return tracker_with(
        ActionExecuted("incident_form"),
        ActiveLoop("incident_form"),
        ActionExecuted(ACTION_LISTEN_NAME),
        *events,
    )


def answer(tracker: DialogueStateTracker, message: UserUttered) -> list[str]:
    tracker.update(message)
    return play(tracker)


def test_an_uncertain_message_gets_the_question_and_is_recorded() -> None:
    assert play(tracker_with(unsure("suicide"))) == [
        "utter_risk_check_suicide",
        "action_record_crisis",
        ACTION_LISTEN_NAME,
    ]


def test_yes_to_the_question_gets_the_full_crisis_turn() -> None:
    tracker = tracker_with(unsure("self_harm"))
    play(tracker)
    assert answer(tracker, said("affirm_safe", "yeah")) == crisis_turn("self_harm", False)


def test_the_yes_button_and_an_unsure_answer_count_as_yes() -> None:
    for message in (said("risk_confirmed", "/risk_confirmed"), said("out_of_scope", "idk maybe")):
        tracker = tracker_with(unsure("abuse"))
        play(tracker)
        assert answer(tracker, message)[0] == "utter_crisis_abuse"


def test_a_second_uncertain_message_gets_the_full_turn_not_a_second_question() -> None:
    tracker = tracker_with(unsure("suicide"))
    play(tracker)
    assert answer(tracker, unsure("suicide"))[0] == "utter_crisis_suicide"


def test_no_outside_a_form_thanks_and_listens() -> None:
    tracker = tracker_with(unsure("suicide"))
    play(tracker)
    assert answer(tracker, said("not_safe", "no")) == ["utter_risk_denied", ACTION_LISTEN_NAME]


def test_inside_a_form_the_question_pauses_it_and_no_resumes_it() -> None:
    tracker = in_form(unsure("eating_disorder"))
    assert play(tracker) == [
        "utter_risk_check_eating_disorder",
        "action_deactivate_loop",
        "action_record_crisis",
        ACTION_LISTEN_NAME,
    ]
    assert tracker.active_loop_name is None
    tracker.update(said("risk_denied", "/risk_denied"))
    assert next_crisis_action(tracker) == "utter_risk_denied"
    tracker.update(ActionExecuted("utter_risk_denied"))
    assert next_crisis_action(tracker) == "incident_form"
    tracker.update(ActionExecuted("incident_form"))
    tracker.update(ActiveLoop("incident_form"))
    assert next_crisis_action(tracker) is None


def test_an_answer_that_is_neither_says_so_and_resumes_the_form() -> None:
    tracker = in_form(unsure("abuse"))
    play(tracker)
    tracker.update(said("faq", "what is a role dispute"))
    assert next_crisis_action(tracker) == "utter_risk_unclear"
    tracker.update(ActionExecuted("utter_risk_unclear"))
    assert next_crisis_action(tracker) == "incident_form"


def test_a_crisis_message_after_the_question_gets_its_own_turn() -> None:
    tracker = tracker_with(unsure("eating_disorder"))
    play(tracker)
    assert answer(tracker, said("crisis_overdose")) == crisis_turn("overdose", False)


def test_not_safe_after_the_safety_question_leads_with_the_number_and_asks_nothing_again() -> None:
    tracker = tracker_with(said("crisis_suicide"))
    play(tracker)
    assert answer(tracker, said("not_safe", "no")) == [
        "utter_not_safe",
        "action_record_crisis",
        ACTION_LISTEN_NAME,
    ]


def test_no_elsewhere_is_left_to_the_other_policies() -> None:
    assert next_crisis_action(tracker_with(said("not_safe", "no"))) is None


def about_someone(category: str) -> UserUttered:
    return UserUttered(
        "my friend says she wants to die",
        {"name": "risk_someone_else", "confidence": 0.7},
        parse_data={"crisis": {"category": category, "level": "someone_else"}},
    )


def test_someone_elses_risk_gets_how_to_help_and_no_question_about_the_client() -> None:
    assert play(tracker_with(about_someone("suicide"))) == [
        "utter_someone_else_suicide",
        "action_record_crisis",
        ACTION_LISTEN_NAME,
    ]


def test_inside_a_form_someone_elses_risk_is_answered_and_the_form_asks_again() -> None:
    tracker = in_form(about_someone("eating_disorder"))
    assert next_crisis_action(tracker) == "utter_someone_else_eating_disorder"
    tracker.update(ActionExecuted("utter_someone_else_eating_disorder"))
    assert next_crisis_action(tracker) == "action_record_crisis"
    tracker.update(ActionExecuted("action_record_crisis"))
    # The form runs after a response, not after the message: it asks, it fills nothing.
    assert next_crisis_action(tracker) == "incident_form"
    tracker.update(ActionExecuted("incident_form"))
    assert next_crisis_action(tracker) is None
    assert tracker.active_loop_name == "incident_form"
