"""The logging forms' checks and saves, on tracker fixtures and a real SQLite database."""

from __future__ import annotations

import asyncio
from datetime import date, timedelta
from typing import Any

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions import incident
from actions.checkin import ActionSaveCheckin, ValidateCheckinForm
from actions.entry_saving import ActionRetrySave
from actions.forms import SKIPPED
from actions.incident import CANCELLED, CONFIRMED, ActionSaveIncident, ValidateIncidentForm
from actions.journal_forms import AGREED, DECLINED
from actions.pairing import code_in
from actions.review import ActionDeleteAllData
from bot.storage import clients, entries
from bot.storage.database import database

FORM = "incident_form"
REQUIRED = ["log_consent", *incident.FIELDS, "inc_confirm"]
CONSENTED = {"log_consent": AGREED}


def turn(form_turn: Any, slot: str, value: Any, **slots: Any) -> tuple[dict, list[str]]:
    values, dispatcher = form_turn(
        ValidateIncidentForm(), FORM, REQUIRED, slot, value, {**CONSENTED, **slots}
    )
    return values, [m.get("text") or m.get("response") for m in dispatcher.messages]


def test_consent_yes_is_recorded_and_anything_unclear_is_asked_again(
    settings: Any, form_turn: Any
) -> None:
    values, said = turn(form_turn, "log_consent", "hmm what", log_consent=None)
    # Asked again in its short form (the "again" wording), not the whole paragraph.
    assert values["log_consent"] is None and values["form_attempt"] == "again" and said == []
    assert not clients.has_consented(database(settings), "client-7")
    values, _ = turn(form_turn, "log_consent", "Yes, that's fine", log_consent=None)
    assert values["log_consent"] == AGREED and values["requested_slot"] == "inc_who"
    assert clients.has_consented(database(settings), "client-7")


def test_declining_consent_ends_the_form(settings: Any, form_turn: Any) -> None:
    values, _ = turn(form_turn, "log_consent", "no thanks", log_consent=None)
    assert values["log_consent"] == DECLINED and values["requested_slot"] is None


def test_the_date_is_read_and_never_in_the_future(settings: Any, form_turn: Any) -> None:
    values, said = turn(form_turn, "inc_when", "tomorrow")
    assert values["inc_when"] is None and "hasn't come yet" in said[0]
    values, _ = turn(form_turn, "inc_when", "yesterday evening")
    assert values["inc_when"] == (date.today() - timedelta(days=1)).isoformat()
    assert turn(form_turn, "inc_when", "skip")[0]["inc_when"] == SKIPPED


def test_required_questions_cannot_be_skipped(settings: Any, form_turn: Any) -> None:
    values, said = turn(form_turn, "inc_who", "skip")
    assert values["inc_who"] is None and "who it was with" in said[0]
    values, said = turn(form_turn, "inc_mood", "pretty bad")
    assert values["inc_mood"] is None and "number" in said[0]
    assert turn(form_turn, "inc_mood", "seven")[0]["inc_mood"] == "7"
    assert turn(form_turn, "inc_mood", "4/10")[0]["inc_mood"] == "4"


def test_the_problem_area_is_read_from_plain_words(settings: Any, form_turn: Any) -> None:
    assert turn(form_turn, "inc_area", "we had a big fight")[0]["inc_area"] == "role_dispute"
    assert turn(form_turn, "inc_area", "not sure")[0]["inc_area"] == "not_sure"
    values, said = turn(form_turn, "inc_area", "purple")
    assert values["inc_area"] is None and said == ["utter_area_unclear"]


def test_the_summary_can_be_confirmed_corrected_or_cancelled(settings: Any, form_turn: Any) -> None:
    filled = {"inc_who": "my mom", "inc_what": "she yelled", "inc_mood": "3"}
    assert turn(form_turn, "inc_confirm", "yes save it", **filled)[0]["inc_confirm"] == CONFIRMED
    no = turn(form_turn, "inc_confirm", "no, don't save it", **filled)[0]
    assert no["inc_confirm"] == CANCELLED
    assert turn(form_turn, "inc_confirm", "cancel", **filled)[0]["form_stopped"] is True
    values, _ = turn(form_turn, "inc_confirm", "change mood to 4", **filled)
    assert values["inc_mood"] == "4" and values["inc_confirm"] is None
    values, _ = turn(form_turn, "inc_confirm", "change who", **filled)
    assert values["inc_who"] is None and values["requested_slot"] == "inc_who"
    values, said = turn(form_turn, "inc_confirm", "banana", **filled)
    assert values["inc_confirm"] is None and said == ["utter_confirm_unclear"]


def test_skip_the_rest_leaves_only_the_required_questions(settings: Any, form_turn: Any) -> None:
    values, _ = turn(form_turn, "inc_where", "skip the rest", inc_who="my boss")
    assert values["inc_said"] == SKIPPED and values["inc_area"] == SKIPPED
    assert values["requested_slot"] == "inc_what"


def test_an_opening_message_fills_what_it_says(settings: Any, form_turn: Any) -> None:
    text = "my mom yelled at me at dinner yesterday, I felt small, 3/10"
    start = text.index("mom")
    action = ValidateIncidentForm()
    tracker = Tracker(
        sender_id="client-7",
        slots={s: None for s in REQUIRED} | {"requested_slot": None},
        latest_message={
            "text": text,
            "intent": {"name": "log_incident"},
            "entities": [{"entity": "relationship", "start": start, "end": start + 3}],
        },
        events=[{"event": "user", "text": text}],
        paused=False,
        followup_action=None,
        active_loop={"name": FORM},
        latest_action_name="action_listen",
    )
    dispatcher = CollectingDispatcher()
    domain = {"forms": {FORM: {"required_slots": REQUIRED}}}
    events = asyncio.run(action.run(dispatcher, tracker, domain))
    values = {e["name"]: e["value"] for e in events if e["event"] == "slot"}
    assert values["inc_who"] == "my mom" and values["inc_mood"] == "3"
    assert values["inc_feelings"] == "small" and values["inc_what"] == text
    # Consent is still missing, and it is the form's first slot: it is asked first.
    assert "log_consent" not in values and REQUIRED[0] == "log_consent"


def _closing_tracker(slots: dict[str, Any], started: float = 100.0) -> Tracker:
    return Tracker(
        sender_id="client-7",
        slots=slots,
        latest_message={"text": "yes", "intent": {"name": "affirm_safe"}},
        events=[{"event": "active_loop", "name": FORM, "timestamp": started}],
        paused=False,
        followup_action=None,
        active_loop={},
        latest_action_name="incident_form",
    )


CONFIRMED_ENTRY = {
    "log_consent": AGREED,
    "inc_who": "my mom",
    "inc_when": "2026-11-20",
    "inc_what": "she yelled at me",
    "inc_said": SKIPPED,
    "inc_feelings": "small",
    "inc_area": "role_dispute",
    "inc_mood": "3",
    "inc_confirm": CONFIRMED,
}


def _run(action: Any, tracker: Tracker) -> tuple[list[dict], list[dict]]:
    dispatcher = CollectingDispatcher()
    return asyncio.run(action.run(dispatcher, tracker, {})), dispatcher.messages


def test_a_confirmed_incident_is_saved_once_with_a_reference(settings: Any) -> None:
    clients.record_consent(database(settings), "client-7")
    events, said = _run(ActionSaveIncident(), _closing_tracker(CONFIRMED_ENTRY))
    # A low mood is acknowledged before the reference is given.
    assert said[0]["response"] == "utter_entry_thanks_hard"
    assert said[1]["response"] == "utter_entry_saved" and said[1]["reference"].startswith("E-")
    assert all(e["value"] is None for e in events)  # the answers are cleared
    # Delivered twice (a retry): still one entry, with the same reference.
    _, again = _run(ActionSaveIncident(), _closing_tracker(CONFIRMED_ENTRY))
    assert again[1]["reference"] == said[1]["reference"]
    [saved] = entries.entries_for(database(settings), "client-7")
    assert (saved.who, saved.client_said, saved.occurred_on) == ("my mom", None, date(2026, 11, 20))


def test_a_cancelled_incident_is_not_saved(settings: Any) -> None:
    _, said = _run(
        ActionSaveIncident(), _closing_tracker({**CONFIRMED_ENTRY, "inc_confirm": CANCELLED})
    )
    assert said[0]["response"] == "utter_entry_cancelled"
    assert entries.entries_for(database(settings), "client-7") == []


def test_a_failed_save_keeps_the_answers_and_try_again_retries(database_down: None) -> None:
    events, said = _run(ActionSaveIncident(), _closing_tracker(CONFIRMED_ENTRY))
    assert said[0]["response"] == "utter_entry_not_saved"
    assert events == [
        {"event": "slot", "timestamp": None, "name": "pending_save", "value": "incident"}
    ]
    retry = _closing_tracker({**CONFIRMED_ENTRY, "pending_save": "incident"})
    events, _ = _run(ActionRetrySave(), retry)
    assert events[0]["name"] == "action_save_incident"


def test_the_daily_limit_is_a_clear_message(settings: Any, monkeypatch: Any) -> None:
    from dataclasses import replace

    from actions import context

    limited = replace(settings, max_entries_per_day=1)
    monkeypatch.setattr(context, "settings", lambda: limited)
    clients.record_consent(database(settings), "client-7")
    _run(ActionSaveIncident(), _closing_tracker(CONFIRMED_ENTRY, started=1.0))
    _, said = _run(ActionSaveIncident(), _closing_tracker(CONFIRMED_ENTRY, started=2.0))
    assert said[0]["response"] == "utter_entry_not_saved_reason"
    assert "daily limit" in said[0]["reason"]


def test_a_check_in_is_saved_as_a_mood_entry(settings: Any, form_turn: Any) -> None:
    required = ["log_consent", "ci_mood", "ci_feelings", "ci_note"]
    values, _ = form_turn(
        ValidateCheckinForm(), "checkin_form", required, "ci_mood", "six", CONSENTED
    )
    assert values["ci_mood"] == "6" and values["requested_slot"] == "ci_feelings"
    clients.record_consent(database(settings), "client-7")
    tracker = _closing_tracker(
        {"log_consent": AGREED, "ci_mood": "6", "ci_feelings": "calm", "ci_note": SKIPPED}
    )
    tracker.events[0]["name"] = "checkin_form"
    _, said = _run(ActionSaveCheckin(), tracker)
    assert [m["response"] for m in said] == ["utter_entry_thanks", "utter_entry_saved"]
    [saved] = entries.entries_for(database(settings), "client-7")
    assert (saved.kind, saved.mood, saved.feelings, saved.note) == ("mood", 6, "calm", None)


@pytest.mark.parametrize(
    ("typed", "erased"), [("delete everything", True), ("Delete everything.", True), ("yes", False)]
)
def test_delete_all_needs_the_exact_phrase(settings: Any, typed: str, erased: bool) -> None:
    clients.record_consent(database(settings), "client-7")
    events, _ = _run(ActionDeleteAllData(), _closing_tracker({"erase_confirm": typed}))
    assert any(e["name"] == "data_erased" and e["value"] for e in events) == erased
    assert not erased or not clients.has_consented(database(settings), "client-7")


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("my code is 7KQ-2MD", "7KQ2MD"),
        ("code: 7kq 2md", "7KQ2MD"),
        ("7KQ2MD", "7KQ2MD"),
        ("my code is banana", None),
    ],
)
def test_a_pairing_code_is_found_in_the_message(text: str, code: str | None) -> None:
    assert code_in(text) == code


def _said(tracker_text: str) -> Tracker:
    return Tracker(
        sender_id="client-7",
        slots={},
        latest_message={"text": tracker_text, "intent": {"name": "edit_entry"}},
        events=[],
        paused=False,
        followup_action=None,
        active_loop={},
        latest_action_name="action_listen",
    )


def test_a_saved_entry_can_be_edited_in_one_message(settings: Any) -> None:
    from actions.review import ActionEditEntry

    db = database(settings)
    clients.record_consent(db, "client-7")
    saved = entries.save(db, "client-7", "k1", entries.EntryData(kind="mood", mood=3), 30)
    _, said = _run(ActionEditEntry(), _said(f"change the mood of {saved.reference} to 6"))
    assert said[0]["response"] == "utter_entry_edited"
    assert entries.entry(db, "client-7", saved.reference).mood == 6
    _, said = _run(ActionEditEntry(), _said(f"change the mood of {saved.reference} to eleven"))
    assert "0 to 10" in said[0]["text"]
    _, said = _run(ActionEditEntry(), _said("change the mood of E-2222AA to 5"))
    assert said[0]["response"] == "utter_entry_not_found"
    _, said = _run(ActionEditEntry(), _said("edit an entry"))
    assert said[0]["response"] == "utter_how_to_edit"
    # A check-in's note, and a field cleared with "skip".
    _, said = _run(ActionEditEntry(), _said(f"change the note of {saved.reference} to slept badly"))
    assert said[0]["response"] == "utter_entry_edited"
    assert entries.entry(db, "client-7", saved.reference).note == "slept badly"
    _run(ActionEditEntry(), _said(f"change the feelings of {saved.reference} to skip"))
    assert entries.entry(db, "client-7", saved.reference).feelings is None


def test_stop_is_read_from_the_exact_words_not_the_intent(settings: Any, form_turn: Any) -> None:
    values, _ = turn(form_turn, "inc_where", "Stop.")
    assert values["form_stopped"] is True and values["requested_slot"] is None
    required = ["log_consent", "ci_mood", "ci_feelings", "ci_note"]
    values, _ = form_turn(
        ValidateCheckinForm(), "checkin_form", required, "ci_feelings", "calm enough", CONSENTED
    )
    assert values["ci_feelings"] == "calm enough" and "form_stopped" not in values


def test_a_stopped_form_saves_nothing_and_forgets_the_answers(settings: Any) -> None:
    clients.record_consent(database(settings), "client-7")
    stopped = _closing_tracker({**CONFIRMED_ENTRY, "form_stopped": True})
    events, said = _run(ActionSaveIncident(), stopped)
    assert said[0]["response"] == "utter_form_stopped"
    cleared = {e["name"] for e in events if e["value"] is None}
    assert {"inc_who", "inc_what", "form_stopped"} <= cleared
    assert entries.entries_for(database(settings), "client-7") == []


@pytest.mark.parametrize(
    ("text", "kept"),
    [("that she would listen", True), ("what is a role dispute?", False)],
)
def test_an_answer_read_as_an_ipt_question_is_still_an_answer(
    settings: Any, text: str, kept: bool
) -> None:
    # Rasa's own extraction leaves `faq` messages out of every answer (domain.yml);
    # the form takes them back unless they are put as a question.
    tracker = Tracker(
        sender_id="client-7",
        slots={s: None for s in REQUIRED} | {**CONSENTED, "requested_slot": "inc_wanted"},
        latest_message={"text": text, "intent": {"name": "faq"}, "entities": []},
        events=[{"event": "action", "name": "action_listen"}, {"event": "user", "text": text}],
        paused=False,
        followup_action=None,
        active_loop={"name": FORM},
        latest_action_name="action_listen",
    )
    domain = {"forms": {FORM: {"required_slots": REQUIRED}}}
    events = asyncio.run(ValidateIncidentForm().run(CollectingDispatcher(), tracker, domain))
    values = {e["name"]: e["value"] for e in events if e["event"] == "slot"}
    assert (values.get("inc_wanted") == text) is kept


def test_a_save_cut_off_by_a_dead_action_server_is_what_try_again_saves() -> None:
    from actions.entry_saving import interrupted_save

    def run(name: str, *after: dict) -> list[dict]:
        return [{"event": "user", "text": "yes"}, {"event": "action", "name": name}, *after]

    listen = {"event": "action", "name": "action_listen"}
    again = {"event": "user", "text": "try again"}
    # Nothing came back from the save: cut off.
    assert interrupted_save(run("action_save_incident", listen, again)) == "incident"
    assert interrupted_save(run("action_save_checkin")) == "checkin"
    # A save that answered (saved, or not saved and pending) is not.
    cleared = {"event": "slot", "name": "inc_who", "value": None}
    assert interrupted_save(run("action_save_incident", cleared, listen, again)) is None
    assert interrupted_save([{"event": "user", "text": "try again"}, listen]) is None


def test_a_non_answer_is_never_stored_and_a_third_try_is_not_the_same_question(
    settings: Any, form_turn: Any
) -> None:
    values, _ = turn(form_turn, "inc_when", "hmm", inc_who="my boss")
    assert values["inc_when"] is None and values["form_attempt"] == "again"
    # The second failed try: the "stuck" wording (buttons, how to skip or stop).
    values, _ = turn(form_turn, "inc_when", "purple", inc_who="my boss", form_attempt="again")
    assert values["inc_when"] is None and values["form_attempt"] == "stuck"
    # A third: an optional question is left out, and the form goes on.
    values, said = turn(form_turn, "inc_when", "??", inc_who="my boss", form_attempt="stuck")
    assert values["inc_when"] == SKIPPED and values["requested_slot"] == "inc_where"
    assert "utter_question_left_out" in said


def test_a_required_question_that_gets_no_answer_pauses_the_form_keeping_the_answers(
    settings: Any, form_turn: Any
) -> None:
    values, _ = turn(form_turn, "inc_mood", "hmm", inc_who="my boss", form_attempt="stuck")
    assert values["form_exit"] == "paused" and values["requested_slot"] is None
    assert "inc_who" not in values  # kept, not cleared


def test_another_task_mid_form_ends_it_and_says_what_was_kept(
    settings: Any, form_turn: Any
) -> None:
    values, _ = turn(
        form_turn, "inc_when", "actually can i just do a mood check in instead", inc_who="Sam"
    )
    assert values["form_exit"] == "checkin" and values["inc_when"] is None
    assert values["requested_slot"] is None
    from rasa_sdk.executor import CollectingDispatcher
    from rasa_sdk.interfaces import Tracker as SdkTracker

    from actions.form_exit import leave

    dispatcher = CollectingDispatcher()
    tracker = SdkTracker(
        "client-7", {"inc_who": "Sam", "form_exit": "checkin"}, {}, [], False, None, {}, ""
    )
    events = leave(dispatcher, tracker)
    assert events is not None
    assert {"event": "followup", "name": "checkin_form"} in [
        {k: e.get(k) for k in ("event", "name")} for e in events
    ]
    assert not any(e.get("name") == "inc_who" for e in events)  # the answer is kept
    assert [m["response"] for m in dispatcher.messages] == ["utter_form_set_aside"]


def test_questions_complaints_and_why_are_answered_and_nothing_is_stored(
    settings: Any, form_turn: Any
) -> None:
    for text, response in [
        ("this is so many questions", "utter_form_complaint"),
        ("why do you need to know", "utter_why_inc_said"),
    ]:
        values, said = turn(form_turn, "inc_said", text, inc_who="my boss")
        assert values["inc_said"] is None and said == [response]
        assert values.get("form_attempt") is None  # not a failed try
    values, said = turn(
        form_turn, "inc_said", "wait what does communication analysis mean", inc_who="my boss"
    )
    assert values["inc_said"] is None and said and said[0].startswith("utter_faq")


def test_an_account_given_for_who_is_kept_as_what_happened(settings: Any, form_turn: Any) -> None:
    account = "he came in shouting about the rent and I just froze and said nothing at all"
    values, said = turn(form_turn, "inc_who", account)
    assert values["inc_what"] == account and values["inc_who"] is None
    assert said == ["utter_kept_as_what_happened"]
    values, said = turn(form_turn, "inc_when", "his house, in the kitchen", inc_who="my dad")
    assert values["inc_where"] == "his house, in the kitchen" and values["inc_when"] is None
    assert said[0] == "utter_kept_as_where"


def test_a_reply_that_also_names_a_place_or_a_person_fills_both(
    settings: Any, form_turn: Any
) -> None:
    values, _ = turn(form_turn, "inc_when", "last night at hers", inc_who="my mum")
    assert values["inc_when"] is not None and values["inc_where"] == "at hers"
    values, _ = turn(form_turn, "inc_who", "Sam from work, he was being a jerk")
    assert values["inc_who"] == "Sam from work"
    assert values["inc_what"] == "Sam from work, he was being a jerk"


def test_ok_is_a_feeling_and_nope_skips_a_question_that_asks_for_more(
    settings: Any, form_turn: Any
) -> None:
    assert turn(form_turn, "inc_feelings", "ok", inc_who="my mum")[0]["inc_feelings"] == "ok"
    assert turn(form_turn, "inc_wanted", "nope", inc_who="my mum")[0]["inc_wanted"] == SKIPPED
    # "ok" is not who it was with.
    assert turn(form_turn, "inc_who", "ok")[0]["inc_who"] is None


def test_a_statement_the_classifier_took_for_a_question_to_us_is_still_the_answer(
    settings: Any,
) -> None:
    from actions.safety_plan import ValidateSafetyPlanForm

    steps = ["sp_warning_signs", "sp_coping", "sp_distractions", "sp_people",
             "sp_professionals", "sp_environment"]  # fmt: skip

    def reply(text: str) -> dict[str, Any]:
        # The mapping left the slot unset: the intent is one domain.yml keeps out.
        tracker = Tracker(
            "client-7",
            {**dict.fromkeys(steps), "requested_slot": "sp_professionals"},
            {"text": text, "intent": {"name": "about_assistant"}, "entities": []},
            [{"event": "action", "name": "action_listen"}, {"event": "user", "text": text}],
            False, None, {"name": "safety_plan_form"}, "action_listen",
        )  # fmt: skip
        domain = {"forms": {"safety_plan_form": {"required_slots": steps}}}
        events = asyncio.run(ValidateSafetyPlanForm().run(CollectingDispatcher(), tracker, domain))
        return {e["name"]: e["value"] for e in events if e["event"] == "slot"}

    assert reply("my therapist and my GP")["sp_professionals"] == "my therapist and my GP"
    # Put as a question, it is left to the rule that answers it.
    assert "sp_professionals" not in reply("are you a therapist?")


def test_a_rating_and_a_few_words_at_the_mood_question_fill_mood_and_feelings(
    settings: Any, form_turn: Any
) -> None:
    required = ["log_consent", "ci_mood", "ci_feelings", "ci_note"]
    values, _ = form_turn(
        ValidateCheckinForm(), "checkin_form", required, "ci_mood", "4, tired and flat", CONSENTED
    )
    assert values["ci_mood"] == "4" and values["ci_feelings"] == "tired and flat"
    assert values["requested_slot"] == "ci_note"
