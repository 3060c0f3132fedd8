"""Logging conversations through the real servers, started the way `make run` starts them."""

from __future__ import annotations

import re
import sqlite3

import pytest

from bot.local_instance import LocalAssistant
from bot.settings import load_settings
from bot.storage import clients
from bot.storage.database import database


def texts(replies: list[dict]) -> list[str]:
    return [reply.get("text", "") for reply in replies]


def last(assistant: LocalAssistant, sender: str, message: str) -> str:
    return texts(assistant.say(sender, message))[-1]


def everything(assistant: LocalAssistant, sender: str, message: str) -> str:
    return "\n".join(texts(assistant.say(sender, message)))


def rows(assistant: LocalAssistant, sql: str, *args: object) -> list[tuple]:
    with sqlite3.connect(assistant.data_dir / "ipt.db") as db:
        return db.execute(sql, args).fetchall()


def entry_count(assistant: LocalAssistant, sender: str) -> int:
    return rows(assistant, "SELECT COUNT(*) FROM entries WHERE conversation_id = ?", sender)[0][0]


@pytest.mark.server
def test_an_incident_step_by_step_is_saved_once_after_consent(assistant: LocalAssistant) -> None:
    s = "steps"
    assistant.say(s, "hello")
    assert "Is that okay?" in last(assistant, s, "I want to log an incident")
    assert last(assistant, s, "yes").startswith("Who was involved?")
    assert last(assistant, s, "my sister").startswith("When did it happen?")
    assert "hasn't come yet" in everything(assistant, s, "tomorrow")
    assert last(assistant, s, "last saturday").startswith("Where were you?")
    assert last(assistant, s, "at her flat").startswith("What happened?")
    assert last(assistant, s, "she said I never visit and I walked out").startswith(
        "What did you say"
    )
    assert "in return" in last(assistant, s, "that she was being unfair")
    assert "hoping for" in last(assistant, s, "skip")
    assert "afterwards" in last(assistant, s, "that she would listen")
    assert "How did you feel" in last(assistant, s, "I went home and cried")
    assert "problem area" in last(assistant, s, "hurt and angry")
    assert "mood" in last(assistant, s, "role dispute")
    assert "need a number" in everything(assistant, s, "pretty bad")
    summary = last(assistant, s, "3")
    assert "Who: my sister" in summary and "Mood: 3/10" in summary
    assert "What they said or did" not in summary  # skipped, so not shown
    saved = last(assistant, s, "yes, save it")
    assert re.search(r"Saved\. Your reference is E-[2-9A-Z]{6}\.", saved)
    assert entry_count(assistant, s) == 1
    [(who, what)] = rows(
        assistant, "SELECT who, what_happened FROM entries WHERE conversation_id = ?", s
    )
    assert who.startswith("enc1:") and "sister" not in who and "walked out" not in what


@pytest.mark.server
def test_one_message_fills_what_it_can_and_a_correction_changes_one_field(
    assistant: LocalAssistant,
) -> None:
    s = "hurry"
    assistant.say(s, "hi")
    assert "Is that okay?" in last(
        assistant, s, "my mom yelled at me at dinner yesterday, I felt small, 3/10"
    )
    # Who, when, what happened, feelings and mood came with the message.
    assert last(assistant, s, "yes").startswith("Where were you?")
    summary = last(assistant, s, "skip the rest")
    assert "Who: my mom" in summary and "Mood: 3/10" in summary and "How you felt: small" in summary
    summary = last(assistant, s, "change mood to 4")
    assert "Mood: 4/10" in summary and "Shall I save it?" in summary
    assert last(assistant, s, "change who").startswith("Who was involved?")
    assert "Who: Mum" in last(assistant, s, "Mum")
    assert "Saved." in last(assistant, s, "save it")
    assert entry_count(assistant, s) == 1


@pytest.mark.server
def test_stop_cancel_and_why_leave_nothing_saved(assistant: LocalAssistant) -> None:
    s = "quits"
    assistant.say(s, "hello")
    last(assistant, s, "log an incident")
    last(assistant, s, "yes")
    assert "relationships" in texts(assistant.say(s, "why do you ask?"))[0]
    assert last(assistant, s, "why do you ask?").startswith("Who was involved?")
    last(assistant, s, "my boss")
    assert "Nothing from it was kept" in last(assistant, s, "stop")
    # Starting again asks afresh: the stopped answers were forgotten.
    assert last(assistant, s, "log an incident").startswith("Who was involved?")
    last(assistant, s, "my boss")
    last(assistant, s, "skip the rest")
    assert last(assistant, s, "my boss ignored me").startswith("How is your mood")
    last(assistant, s, "5")
    assert "Nothing was saved" in last(assistant, s, "no")
    assert entry_count(assistant, s) == 0


@pytest.mark.server
def test_declining_consent_stores_nothing(assistant: LocalAssistant) -> None:
    s = "declines"
    assistant.say(s, "hello")
    last(assistant, s, "mood check-in")
    assert "nothing is stored" in last(assistant, s, "no")
    assert entry_count(assistant, s) == 0
    assert rows(assistant, "SELECT consented_at FROM clients WHERE conversation_id = ?", s) == []


@pytest.mark.server
def test_a_crisis_inside_the_incident_form_gets_the_lines_not_the_next_question(
    assistant: LocalAssistant,
) -> None:
    s = "crisis-mid"
    assistant.say(s, "hello")
    last(assistant, s, "log an incident")
    last(assistant, s, "yes")
    last(assistant, s, "my husband")
    replies = texts(assistant.say(s, "yesterday. honestly I just want to end it all"))
    assert "988" in replies[0]
    assert not any(r.startswith(("Where were you", "When did it")) for r in replies)
    assert replies[-1] == "Are you safe right now?"
    assert entry_count(assistant, s) == 0


@pytest.mark.server
def test_a_mood_check_in_takes_three_turns(assistant: LocalAssistant) -> None:
    s = "checkin"
    assistant.say(s, "hello")
    last(assistant, s, "mood check-in")
    assert "0 (worst)" in last(assistant, s, "yes")
    assert "Any words" in last(assistant, s, "seven")
    assert "note" in last(assistant, s, "calm, a bit tired")
    assert "Saved." in last(assistant, s, "skip")
    assert rows(assistant, "SELECT kind, mood FROM entries WHERE conversation_id = ?", s) == [
        ("mood", 7)
    ]
    # Consent is asked once: the next check-in goes straight to the number.
    assert "Any words" in last(assistant, s, "log my mood, 4 out of 10")


@pytest.mark.server
def test_review_delete_and_delete_everything(assistant: LocalAssistant) -> None:
    s = "review"
    assistant.say(s, "hello")
    last(assistant, s, "mood check-in")
    last(assistant, s, "yes")
    last(assistant, s, "6")
    last(assistant, s, "skip")
    last(assistant, s, "skip")
    listing = texts(assistant.say(s, "show my entries"))[0]
    reference = re.search(r"E-[2-9A-Z]{6}", listing).group(0)
    assert "mood check-in 6/10" in listing
    assert "on average 6" in last(assistant, s, "how has my mood been this week")
    assert f"Deleted {reference}" in last(assistant, s, f"delete {reference}")
    assert entry_count(assistant, s) == 0
    last(assistant, s, "mood check-in")
    last(assistant, s, "5")
    last(assistant, s, "skip")
    last(assistant, s, "skip")
    assert "can't be undone" in last(assistant, s, "delete all my data")
    assert "nothing was deleted" in last(assistant, s, "yes").lower()
    assert entry_count(assistant, s) == 1
    last(assistant, s, "delete all my data")
    assert "all your data is deleted" in last(assistant, s, "delete everything")
    assert entry_count(assistant, s) == 0
    with sqlite3.connect(assistant.data_dir / "tracker.db") as db:
        stored = db.execute("SELECT data FROM events WHERE sender_id = ?", (s,)).fetchall()
    assert len(stored) <= 3  # only the turn after the erasure remains


@pytest.mark.server
def test_pairing_with_a_code_from_the_therapist(assistant: LocalAssistant) -> None:
    settings = load_settings(
        environ={"DATA_DIR": str(assistant.data_dir)}, dotenv_path=assistant.data_dir / "none"
    )
    db = database(settings)
    code = clients.issue_code(db, clients.add_therapist(db, "Dr Rivera"), days=7)
    s = "pairs"
    assistant.say(s, "hello")
    assert "doesn't match" in last(assistant, s, "my code is 7KQ-2MX")
    assert "linked with Dr Rivera" in last(assistant, s, f"my code is {code.lower()}")
    assistant.say("someone-else", "hello")
    assert "already been used" in last(assistant, "someone-else", f"my code is {code}")
    last(assistant, s, "mood check-in")
    last(assistant, s, "yes")
    last(assistant, s, "6")
    last(assistant, s, "skip")
    assert "Your therapist will see it" in last(assistant, s, "skip")


@pytest.mark.server
def test_a_question_about_the_assistant_mid_form_is_answered_then_the_form_goes_on(
    assistant: LocalAssistant,
) -> None:
    s = "interrupts"
    assistant.say(s, "hello")
    last(assistant, s, "mood check-in")
    assert "0 (worst)" in last(assistant, s, "yes")
    replies = texts(assistant.say(s, "wait, are you a real person?"))
    assert "not a person" in replies[0]
    assert "0 (worst)" in replies[-1]
    assert "Any words" in last(assistant, s, "5")
