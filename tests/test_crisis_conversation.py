"""Crisis turns through the real servers, started the way `make run` starts them."""

from __future__ import annotations

import json
import sqlite3
import urllib.request
from pathlib import Path

import pytest

from bot.crisis.lines import load_locale
from bot.launcher import free_port, rasa_server, running
from bot.local_instance import LocalAssistant
from bot.settings import load_settings

LIFELINE = "988 Suicide & Crisis Lifeline: call or text 988"


def texts(replies: list[dict]) -> list[str]:
    return [reply.get("text", "") for reply in replies]


def crisis_rows(assistant: LocalAssistant, sender: str) -> list[tuple[str, str]]:
    with sqlite3.connect(assistant.data_dir / "ipt.db") as db:
        return db.execute(
            "SELECT kind, category FROM crisis_events WHERE conversation_id = ? ORDER BY id",
            (sender,),
        ).fetchall()


@pytest.mark.server
def test_crisis_as_the_very_first_message(assistant: LocalAssistant) -> None:
    replies = texts(assistant.say("first", "I want to die"))
    # The lines lead, before the session's disclosure (bot/channels/turn_order.py),
    # which the crisis reply carries at its end instead of in a message of its own.
    crisis = replies[0]
    assert crisis.splitlines()[1].startswith(f"• {LIFELINE}")
    assert "not a therapist" in crisis.splitlines()[-1]
    assert not any("Before we start" in reply for reply in replies)
    assert replies[-1] == "Are you safe right now?"
    assert crisis_rows(assistant, "first") == [("detected", "suicide")]


@pytest.mark.server
def test_any_other_first_message_still_opens_with_the_disclosure(
    assistant: LocalAssistant,
) -> None:
    replies = texts(assistant.say("first-hello", "hello"))
    assert replies[0].startswith("Before we start: I'm an automated assistant, not a therapist")
    assert len(replies) > 1


@pytest.mark.server
def test_one_denial_does_not_close_it_and_a_retraction_is_recorded(
    assistant: LocalAssistant,
) -> None:
    assistant.say("deny", "hello")
    assistant.say("deny", "i've been cutting again")
    replies = texts(assistant.say("deny", "no"))
    # The emergency number leads, the safety plan is offered, and nothing asks
    # "Are you safe right now?" a second time.
    assert replies[0].startswith("Please call 911 now.")
    assert "safety plan" in replies[0]
    assert not any("Are you safe" in reply for reply in replies)
    replies = texts(assistant.say("deny", "you misunderstood me, I'm fine"))
    assert "I'll keep a note" in replies[0]
    assert crisis_rows(assistant, "deny") == [
        ("detected", "self_harm"),
        ("not_safe", "immediate_danger"),
        ("retraction", "retraction"),
    ]


@pytest.mark.server
def test_a_crisis_message_inside_the_form_stops_it_unsaved(assistant: LocalAssistant) -> None:
    assistant.say("form", "hi")
    replies = texts(assistant.say("form", "can we make my safety plan"))
    assert replies[-1].startswith("1 of 6.")
    assistant.say("form", "when I stop answering my phone")
    replies = texts(assistant.say("form", "honestly i just want to kms"))
    assert replies[0].splitlines()[1].startswith(f"• {LIFELINE}")
    assert not any(reply.startswith(("2 of 6", "3 of 6")) for reply in replies)
    assert replies[-1] == "Are you safe right now?"
    tracker = assistant.tracker("form")
    assert tracker["active_loop"] in ({}, None) or not tracker["active_loop"].get("name")
    # The crisis message did not become an answer, and nothing half-done was saved.
    assert tracker["slots"]["sp_coping"] is None
    with sqlite3.connect(assistant.data_dir / "ipt.db") as db:
        saved = "SELECT COUNT(*) FROM safety_plans WHERE conversation_id = ?"
        assert db.execute(saved, ("form",)).fetchone() == (0,)
    replies = texts(assistant.say("form", "yes i'm safe"))
    assert "safety plan" in replies[0]  # offered again, never pushed


@pytest.mark.server
def test_repeated_crisis_messages_each_get_the_lines(assistant: LocalAssistant) -> None:
    for message in ["he hits me", "he hits me again", "I'm scared to go home"]:
        replies = texts(assistant.say("repeat", message))
        assert any("1-800-799-7233" in reply for reply in replies), message


@pytest.mark.server
def test_help_words_give_the_lines_from_anywhere(assistant: LocalAssistant) -> None:
    assistant.say("sos", "hello")
    for word in ["help", "SOS", "hotline", "/crisis_help"]:
        replies = texts(assistant.say("sos", word))
        assert any(LIFELINE in reply for reply in replies), word


@pytest.mark.server
def test_the_lines_still_go_out_with_no_action_server_and_no_database(
    tmp_path: Path, model_path: Path
) -> None:
    # The Rasa server alone, pointed at an action server that is not there; the
    # entries database is never created. The crisis reply must not need either.
    settings = load_settings(
        environ={
            "RASA_PORT": str(free_port()),
            "ACTION_SERVER_PORT": str(free_port()),
            "DATA_DIR": str(tmp_path),
            "RASA_MODEL": str(model_path),
        },
        dotenv_path=tmp_path / "none",
    )
    with running([rasa_server(settings)], settings.project_root):
        replies = texts(post(settings.rest_webhook_url, "alone", "I took all my pills"))
        assert replies[0].startswith("If you are in danger right now, call 911 now.")
        assert any("Poison Control: call 1-800-222-1222" in reply for reply in replies)
        assert replies[-1] == "Are you safe right now?"
        replies = texts(post(settings.rest_webhook_url, "alone", "sos"))
        assert replies[0].splitlines()[1].startswith(f"• {LIFELINE}")
    assert not (tmp_path / "ipt.db").exists()


def post(url: str, sender: str, message: str) -> list[dict]:
    body = json.dumps({"sender": sender, "message": message}).encode()
    request = urllib.request.Request(url, body, {"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=60) as response:
        return json.loads(response.read())


def test_the_default_locale_is_the_us() -> None:
    assert load_locale("US").emergency == "911"


# Messages that the trained layers read as possible, not clear, risk: one by a
# lexicon match the classifier dismisses, one by the intent model alone. Checked
# by test_the_graded_messages_are_read_as_meant, so a retrained model that reads
# them otherwise fails there, plainly, rather than inside a conversation.
UNSURE_BY_LEXICON = "i feel like such a burden to everyone lately"
UNSURE_BY_INTENT = "sometimes i wish i could just disappear"
SUICIDE_QUESTION = "Are you having thoughts of ending your life?"
# Another person's risk, and a question about a crisis topic (the examples).
THIRD_PERSON = "my friend says she wants to die"
TOPIC_QUESTION = "Does IPT help with bulimia?"
HOW_TO_HELP = "It sounds like you're worried about someone."
ED_LINE = "If this is something you are going through now, you can also contact ANAD"


def test_the_graded_messages_are_read_as_meant(parse) -> None:
    for text, layer in ((UNSURE_BY_LEXICON, "lexicon"), (UNSURE_BY_INTENT, "intent model")):
        result = parse(text)
        assert result["intent"]["name"] == "risk_check", text
        assert (result["crisis"]["category"], result["crisis"]["layer"]) == ("suicide", layer)
    result = parse(THIRD_PERSON)
    assert result["intent"]["name"] == "risk_someone_else"
    assert result["crisis"]["category"] == "suicide"
    result = parse(TOPIC_QUESTION)
    assert result["intent"]["name"] == "faq"
    assert (result["crisis"]["level"], result["crisis"]["category"]) == (
        "topic",
        "eating_disorder",
    )


def question_in(replies: list[str]) -> str:
    [question] = [reply for reply in replies if SUICIDE_QUESTION in reply]
    return question


@pytest.mark.server
def test_not_sure_asks_and_yes_gets_the_full_crisis_turn(assistant: LocalAssistant) -> None:
    assistant.say("graded-yes", "hi")
    replies = texts(assistant.say("graded-yes", UNSURE_BY_LEXICON))
    assert f"• {LIFELINE}" in question_in(replies)
    assert not any("Are you safe right now?" in reply for reply in replies)
    replies = texts(assistant.say("graded-yes", "yes"))
    assert replies[0].splitlines()[1].startswith(f"• {LIFELINE}")
    assert replies[-1] == "Are you safe right now?"
    assert crisis_rows(assistant, "graded-yes") == [
        ("uncertain", "suicide"),
        ("detected", "suicide"),
    ]


@pytest.mark.server
def test_not_sure_inside_a_form_and_no_carries_on_with_the_form(
    assistant: LocalAssistant,
) -> None:
    sender = "graded-form"
    assistant.say(sender, "hi")
    replies = texts(assistant.say(sender, "can we make my safety plan"))
    assert replies[-1].startswith("1 of 6.")
    assistant.say(sender, "when I stop answering my phone")
    question_in(texts(assistant.say(sender, UNSURE_BY_INTENT)))
    replies = texts(assistant.say(sender, "no"))
    assert replies[0].startswith("Thank you for telling me.")
    # The form asks its question again; neither the message nor the "no" is an answer.
    assert replies[-1].startswith("2 of 6.")
    tracker = assistant.tracker(sender)
    assert tracker["active_loop"]["name"] == "safety_plan_form"
    assert tracker["slots"]["sp_warning_signs"] == "when I stop answering my phone"
    assert tracker["slots"]["sp_coping"] is None
    assert crisis_rows(assistant, sender) == [("uncertain", "suicide")]
    replies = texts(assistant.say(sender, "I go for a walk"))
    assert replies[-1].startswith("3 of 6.")


@pytest.mark.server
def test_each_message_is_read_after_the_previous_ones_but_a_crisis_only_once(
    assistant: LocalAssistant,
) -> None:
    sender = "two-turn"
    assistant.say(sender, "my brother died in march")
    assistant.say(sender, "i miss him so much")
    risk = assistant.tracker(sender)["latest_message"]["risk"]
    # The earlier message reached the risk layer with this one.
    assert 0.0 <= risk["context"]["earlier_probability"] <= 1.0
    replies = texts(assistant.say(sender, "i want to die"))
    assert any(LIFELINE in reply for reply in replies)
    # The crisis message is not read again with the next one.
    assistant.say(sender, "yes i'm safe")
    assert "context" not in assistant.tracker(sender)["latest_message"]["risk"]
    assert crisis_rows(assistant, sender) == [("detected", "suicide")]


@pytest.mark.server
def test_someone_elses_risk_gets_how_to_help_with_the_lines_and_is_recorded_as_such(
    assistant: LocalAssistant,
) -> None:
    sender = "third-person"
    assistant.say(sender, "hi")
    replies = texts(assistant.say(sender, THIRD_PERSON))
    [reply] = [r for r in replies if HOW_TO_HELP in r]
    assert f"• {LIFELINE}" in reply and "ask them directly" in reply
    assert not any("Are you safe right now?" in r or SUICIDE_QUESTION in r for r in replies)
    # Not the client's crisis: recorded as another person's, for the therapist.
    assert crisis_rows(assistant, sender) == [("someone_else", "suicide")]


@pytest.mark.server
def test_someone_elses_risk_inside_a_form_is_answered_and_the_form_carries_on(
    assistant: LocalAssistant,
) -> None:
    sender = "third-person-form"
    assistant.say(sender, "hi")
    assistant.say(sender, "can we make my safety plan")
    assistant.say(sender, "when I stop answering my phone")
    replies = texts(assistant.say(sender, THIRD_PERSON))
    assert HOW_TO_HELP in replies[0]
    # The form asks its question again; the message is not an answer.
    assert replies[-1].startswith("2 of 6.")
    tracker = assistant.tracker(sender)
    assert tracker["active_loop"]["name"] == "safety_plan_form"
    assert tracker["slots"]["sp_coping"] is None
    replies = texts(assistant.say(sender, "I go for a walk"))
    assert replies[-1].startswith("3 of 6.")


@pytest.mark.server
def test_a_question_about_an_eating_disorder_gets_the_answer_and_one_line(
    assistant: LocalAssistant,
) -> None:
    sender = "topic-question"
    assistant.say(sender, "hi")
    replies = texts(assistant.say(sender, TOPIC_QUESTION))
    # The answer, not the crisis takeover or the graded question, then the one line.
    assert not any(LIFELINE in r or "worried about your eating" in r for r in replies)
    assert "IPT" in replies[-2]
    assert replies[-1].startswith(ED_LINE)
    assert crisis_rows(assistant, sender) == []
