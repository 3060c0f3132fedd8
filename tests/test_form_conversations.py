"""Forms answered the way people answer, through the real servers: the answer
gate (bot/journal/answer_gate.py) in every form, never a loop, never a
non-answer stored, nothing lost."""

from __future__ import annotations

import sqlite3

import pytest

from bot.local_instance import LocalAssistant


def said(assistant: LocalAssistant, sender: str, message: str) -> str:
    return "\n".join(reply.get("text", "") for reply in assistant.say(sender, message))


def buttons(assistant: LocalAssistant, sender: str, message: str) -> list[str]:
    return [
        button["title"]
        for reply in assistant.say(sender, message)
        for button in reply.get("buttons") or []
    ]


def slots(assistant: LocalAssistant, sender: str) -> dict:
    return assistant.tracker(sender)["slots"]


def entries(assistant: LocalAssistant, sender: str) -> int:
    with sqlite3.connect(assistant.data_dir / "ipt.db") as db:
        query = "SELECT COUNT(*) FROM entries WHERE conversation_id = ?"
        return db.execute(query, (sender,)).fetchone()[0]


def consented(assistant: LocalAssistant, sender: str) -> None:
    assistant.say(sender, "hello")
    assert "Is that okay?" in said(assistant, sender, "log an incident")
    assert said(assistant, sender, "yes").startswith("Who was involved?")


@pytest.mark.server
def test_no_question_is_asked_a_third_time_in_the_same_words(assistant: LocalAssistant) -> None:
    s = "form-loops"
    consented(assistant, s)
    assert said(assistant, s, "my dad").startswith("When did it happen?")
    # Declining is skipping, not a date that failed.
    assert said(assistant, s, "i don't want to talk about it").startswith("Where were you?")
    assert said(assistant, s, "his flat").startswith("What happened?")
    # Noise is asked again, then with how to go on and a button to stop.
    assert "What happened?" in said(assistant, s, "hmm")
    assert slots(assistant, s)["inc_what"] is None
    third = assistant.say(s, "?")
    assert "Stop" in [b["title"] for r in third for b in r.get("buttons") or []]
    assert '"Stop" ends here' in "\n".join(r.get("text", "") for r in third)
    assert "What did you say" in said(assistant, s, "he said I never call and I hung up")
    assert slots(assistant, s)["inc_what"] == "he said I never call and I hung up"
    assert said(assistant, s, "skip the rest").startswith("How is your mood")
    # A hedged number is a number; a mood asked twice more offers 0-10 buttons.
    assert "need a number" in said(assistant, s, "pretty bad honestly")
    assert {"0", "5", "10"} <= set(buttons(assistant, s, "no clue"))
    summary = said(assistant, s, "idk like a 4 maybe")
    assert "Mood: 4/10" in summary and "When:" not in summary
    assert "Saved" in said(assistant, s, "save it") and entries(assistant, s) == 1


@pytest.mark.server
def test_a_question_or_a_complaint_mid_form_is_answered_and_never_stored(
    assistant: LocalAssistant,
) -> None:
    s = "form-questions"
    consented(assistant, s)
    said(assistant, s, "my sister")
    said(assistant, s, "last wensday")  # misspelt, still a day
    assert slots(assistant, s)["inc_when"] is not None
    said(assistant, s, "skip")
    said(assistant, s, "she told me I was selfish for missing her party")
    reply = said(assistant, s, "wait actually what does communication analysis mean")
    assert "communication analysis" in reply.lower() and "What did you say" in reply
    assert slots(assistant, s)["inc_said"] is None
    complaint = assistant.say(s, "this is a lot of questions")
    titles = [b["title"] for r in complaint for b in r.get("buttons") or []]
    assert "Skip the rest" in titles and slots(assistant, s)["inc_said"] is None
    assert "What did you say" in said(assistant, s, "keep going")
    assert "in return" in said(assistant, s, "that I was sorry")
    assert slots(assistant, s)["inc_said"] == "that I was sorry"
    assert "mood" in said(assistant, s, "skip the rest")
    assert "Here's your entry" in said(assistant, s, "3")
    assert "Nothing from it was kept" in said(assistant, s, "actually no, cancel")
    assert entries(assistant, s) == 0


@pytest.mark.server
def test_another_task_mid_form_is_done_and_the_answers_so_far_wait(
    assistant: LocalAssistant,
) -> None:
    s = "form-switch"
    consented(assistant, s)
    said(assistant, s, "Sam from work")
    reply = said(assistant, s, "actually i just want to do a mood check in instead")
    assert "kept it" in reply and "How is your mood right now" in reply
    assert slots(assistant, s)["inc_who"] == "Sam from work"
    said(assistant, s, "6")
    said(assistant, s, "skip")
    assert "Saved" in said(assistant, s, "skip") and entries(assistant, s) == 1
    # Asking for the incident again goes on from where it was left.
    resumed = said(assistant, s, "log an incident")
    assert "where we left off" in resumed and "When did it happen?" in resumed


@pytest.mark.server
def test_consent_is_asked_again_briefly_and_stop_says_nothing_was_kept(
    assistant: LocalAssistant,
) -> None:
    s = "form-consent"
    assistant.say(s, "hi")
    assert "Is that okay?" in said(assistant, s, "log an incident")
    again = said(assistant, s, "banana")
    assert "Is it okay for me to store your entries?" in again
    assert "encrypted" not in again  # not the whole paragraph again
    assert said(assistant, s, "yes").startswith("Who was involved?")
    said(assistant, s, "my mum")
    assert "Nothing from it was kept" in said(assistant, s, "stop")
    assert slots(assistant, s)["inc_who"] is None and entries(assistant, s) == 0


@pytest.mark.server
def test_updating_the_safety_plan_keeps_what_is_there(assistant: LocalAssistant) -> None:
    s = "plan-update"
    assistant.say(s, "hi")
    assert "1 of 6" in said(assistant, s, "my safety plan")
    for answer in ["can't sleep", "walk the dog", "my cousin Lee", "Sam 07700 900123"]:
        said(assistant, s, answer)
    said(assistant, s, "Dr Okafor")
    assert "Saved" in said(assistant, s, "keep my room tidy and bright")
    reply = said(assistant, s, "update my plan")
    assert "can't sleep" in reply and "1 of 6" in reply
    assert "walk the dog" in said(assistant, s, "keep")
    # "Why do you ask?" is answered inside the plan, then the same step again.
    why = said(assistant, s, "why do you ask")
    assert "2 of 6" in why and "walk the dog" in why
    said(assistant, s, "same as before")
    said(assistant, s, "my cousin Lee and the park")
    said(assistant, s, "skip")  # keeps Sam's number, never blanks it
    said(assistant, s, "keep")
    said(assistant, s, "keep")
    shown = said(assistant, s, "show my safety plan")
    assert "Sam 07700 900123" in shown and "my cousin Lee and the park" in shown
    assert "walk the dog" in shown
