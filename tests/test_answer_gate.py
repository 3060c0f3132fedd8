"""The answer gate: what a reply to a form question is, before it is stored."""

from __future__ import annotations

import pytest

from bot.journal.answer_gate import Kind, Reply, judge, switch_target, without_command
from bot.journal.questions import QUESTIONS

ANSWERS = [
    ("my mum", Kind.PERSON),
    ("last wensday", Kind.DATE),
    ("idk like a 4 maybe", Kind.MOOD),
    ("ok", Kind.SPEECH),  # what someone said can be "ok"
    ("yes", Kind.YES_NO),
    ("why are you never home?", Kind.SPEECH),  # a quote, not a question for us
    ("he said why are you never home?", Kind.TEXT),
    ("i went home and did a check in with my sister", Kind.TEXT),
    ("i felt like nobody cares", Kind.TEXT),
    ("not sure", Kind.AREA),  # one of the answers offered
    ("where were you? she kept asking that", Kind.SPEECH),
    ("stop being so rude, I told him", Kind.SPEECH),
    ("I stopped talking to her after that", Kind.TEXT),
    ("ok", Kind.FEELING),
    ("keep my room tidy and bright", Kind.TEXT),  # an answer that starts with "keep"
]


@pytest.mark.parametrize(("text", "kind"), ANSWERS)
def test_answers_pass(text: str, kind: Kind) -> None:
    assert judge(text, kind, current="incident").reply is Reply.ANSWER


NOT_ANSWERS = [
    ("i don't want to talk about it", Kind.DATE, Reply.SKIP),
    ("I'd rather not say", Kind.TEXT, Reply.SKIP),
    ("skip", Kind.TEXT, Reply.SKIP),
    ("skip the rest", Kind.TEXT, Reply.SKIP_REST),
    ("can we skip the rest please", Kind.MOOD, Reply.SKIP_REST),
    ("actually no, cancel", Kind.CONFIRM, Reply.STOP),
    ("stop", Kind.PERSON, Reply.STOP),
    ("actually i just want to do a mood check in instead", Kind.DATE, Reply.SWITCH),
    ("stop reminders", Kind.YES_NO, Reply.SWITCH),
    ("can we do my safety plan instead", Kind.TEXT, Reply.SWITCH),
    ("this is a lot of questions", Kind.TEXT, Reply.COMPLAINT),
    ("how many more", Kind.SPEECH, Reply.COMPLAINT),
    ("hmm", Kind.TEXT, Reply.FILLER),
    ("hmm what", Kind.YES_NO, Reply.FILLER),
    ("ok", Kind.PERSON, Reply.FILLER),
    ("??", Kind.MOOD, Reply.FILLER),
    ("log an incident", Kind.TEXT, Reply.FILLER),
    ("why do you need that", Kind.TEXT, Reply.WHY),
    ("why?", Kind.PERSON, Reply.WHY),
    ("what do you mean", Kind.TEXT, Reply.WHY),
    ("wait actually what does communication analysis mean", Kind.SPEECH, Reply.QUESTION),
    ("what is a role dispute?", Kind.AREA, Reply.QUESTION),
    ("is this private?", Kind.TEXT, Reply.QUESTION),
    ("keep going", Kind.TEXT, Reply.CONTINUE),
    ("ok i'll stop here", Kind.TEXT, Reply.STOP),
    ("that's enough for today", Kind.MOOD, Reply.STOP),
    ("keep that one too", Kind.TEXT, Reply.KEEP),
    ("still the same", Kind.TEXT, Reply.KEEP),
    ("nope", Kind.TEXT, Reply.SKIP),
]


@pytest.mark.parametrize(("text", "kind", "reply"), NOT_ANSWERS)
def test_what_is_not_an_answer_is_named(text: str, kind: Kind, reply: Reply) -> None:
    assert judge(text, kind, current="incident").reply is reply


def test_a_switch_names_its_task_and_never_the_forms_own() -> None:
    assert switch_target("actually can i just log my mood instead", "incident") == "checkin"
    assert switch_target("show my entries", "checkin") == "entries"
    assert switch_target("log an incident", "incident") is None
    # Naming a task inside an account is not asking for it.
    assert switch_target("after the row i did a mood check in on my phone", "incident") is None


def test_the_request_that_opened_a_form_is_never_part_of_a_field() -> None:
    assert without_command("log an incident: my boss shouted at me") == "my boss shouted at me"
    assert without_command("I want to log an incident about my sister") == "my sister"
    assert without_command("my boss shouted at me") == "my boss shouted at me"


def test_every_form_slot_of_the_domain_has_a_question_entry() -> None:
    import yaml

    from bot.settings import PROJECT_ROOT

    domain = yaml.safe_load((PROJECT_ROOT / "domain.yml").read_text(encoding="utf-8"))
    slots = {slot for form in domain["forms"].values() for slot in form["required_slots"]}
    assert slots <= set(QUESTIONS)


def test_each_question_has_a_third_wording_with_buttons_and_no_hint_is_left_alone(
    settings: object,
) -> None:
    import yaml

    from bot.domain_build import render_domain

    responses = yaml.safe_load(render_domain(settings))["responses"]  # type: ignore[arg-type]
    assert not [name for name in responses if name.startswith("utter_stuck_")]
    for slot, asked in QUESTIONS.items():
        variations = responses.get(f"utter_ask_{slot}")
        if variations is None or asked.kind is Kind.CONFIRM:
            continue  # a summary or a confirmation is asked with its own buttons
        stuck = [v for v in variations if (v.get("condition") or [{}])[0].get("value") == "stuck"]
        assert len(stuck) == 1 and stuck[0]["buttons"], slot
    mood = next(v for v in responses["utter_ask_inc_mood"] if v.get("condition"))
    assert [b["title"] for b in mood["buttons"]][:11] == [str(n) for n in range(11)]
    # A required question is not offered "skip".
    what = next(v for v in responses["utter_ask_inc_what"] if v.get("condition"))
    assert "skip" not in what["text"].lower()
