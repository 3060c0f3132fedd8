"""What the chatbot laws ask the assistant to say (docs/compliance.md): the notice
again during a long conversation, and the public crisis protocol at /safety."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
from rasa.core.channels.channel import UserMessage

from bot.channels.gate import guarded
from bot.channels.notice import NoticeClock
from bot.content import compliance
from bot.crisis.lines import load_locale
from bot.settings import load_settings
from tests.test_turn_order import Recording

NOTICE = compliance.continuing_use_notice()
HOUR = 3600.0


class Conversation:
    """Turns of one conversation through the gate, on a clock the test moves."""

    def __init__(self, session_started: float | None) -> None:
        self.now = 0.0

        async def session_start(_: str) -> float | None:
            return session_started

        self.clock = NoticeClock(NOTICE.every_hours * HOUR, session_start, lambda: self.now)

    def turn(self, at_hours: float, *replies: dict[str, Any]) -> list[str]:
        self.now = at_hours * HOUR
        recording = Recording()

        async def rasa(message: UserMessage) -> None:
            for reply in replies:
                await message.output_channel.send_response("c", dict(reply))

        async def no_crisis(_: str) -> None:
            return None

        handle = guarded(rasa, no_crisis, self.clock)
        asyncio.run(handle(UserMessage("hi", recording, "c")))
        return recording.sent


ANSWER = {"text": "Here is the answer.", "utter_action": "utter_answer"}
DISCLOSURE = {"text": "Before we start: ...", "utter_action": "utter_disclosure"}
CRISIS = {"text": "• 988 ...", "utter_action": "utter_crisis_suicide"}


def test_the_notice_comes_again_after_three_hours_of_continuing_conversation() -> None:
    assert NOTICE.every_hours == 3
    talk = Conversation(session_started=0.0)
    assert talk.turn(0.5, ANSWER) == [ANSWER["text"]]
    assert talk.turn(2.9, ANSWER) == [ANSWER["text"]]
    assert talk.turn(3.0, ANSWER) == [ANSWER["text"], NOTICE.text]
    assert talk.turn(3.1, ANSWER) == [ANSWER["text"]]
    assert talk.turn(6.0, ANSWER) == [ANSWER["text"], NOTICE.text]


def test_a_disclosure_or_crisis_reply_in_between_restarts_the_three_hours() -> None:
    talk = Conversation(session_started=0.0)
    assert talk.turn(2.0, CRISIS) == [CRISIS["text"]]
    assert talk.turn(4.5, ANSWER) == [ANSWER["text"]]
    assert talk.turn(5.0, ANSWER) == [ANSWER["text"], NOTICE.text]
    talk = Conversation(session_started=0.0)
    assert talk.turn(2.5, DISCLOSURE, ANSWER) == [DISCLOSURE["text"], ANSWER["text"]]
    assert talk.turn(5.0, ANSWER) == [ANSWER["text"]]


def test_a_conversation_this_server_never_saw_counts_from_its_session_start() -> None:
    # Another server (or this one before a restart) showed the disclosure at 0.
    assert Conversation(session_started=0.0).turn(3.5, ANSWER) == [ANSWER["text"], NOTICE.text]
    # A conversation that this very turn began has just been told.
    assert Conversation(session_started=None).turn(3.5, ANSWER) == [ANSWER["text"]]


def test_the_compliance_content_loads_and_bad_edits_are_refused(tmp_path: Path) -> None:
    compliance.check()
    bad = tmp_path / "notices.yml"
    for text, problem in (
        ("continuing_use: {hours: 0, text: hi}", "between 0 and 24"),
        ("continuing_use: {hours: 3}", "exactly 'hours' and 'text'"),
        ("continuing_use: {hours: 3, text: '  '}", "non-empty text"),
        ("continuing_use: {hours: 3, text: hi}\nextra: 1", "unknown field"),
        ("[1, 2]", "must be a mapping"),
    ):
        bad.write_text(text, encoding="utf-8")
        with pytest.raises(compliance.ComplianceContentError, match=problem):
            compliance.continuing_use_notice.__wrapped__(bad)
    page = tmp_path / "safety.yml"
    page.write_text(
        "title: T\nsections: [{heading: H, paragraphs: [p]}]\nlines_heading: L\nemergency: Call",
        encoding="utf-8",
    )
    with pytest.raises(compliance.ComplianceContentError, match="must contain"):
        compliance.safety_page.__wrapped__(page)


@pytest.mark.parametrize("locale", ["US", "UK", "CA", "AU"])
def test_the_safety_page_publishes_the_protocol_and_the_locales_lines(
    tmp_path: Path, locale: str
) -> None:
    from bot.web.chat import create_chat_app

    settings = load_settings(
        environ={"DATA_DIR": str(tmp_path), "CRISIS_LOCALE": locale},
        dotenv_path=tmp_path / "none",
    )
    client = create_chat_app(settings).test_client()
    answer = client.get("/safety")
    assert answer.status_code == 200
    page = answer.get_data(as_text=True)
    lines = load_locale(locale)
    assert f"In an emergency, call {lines.emergency}." in page
    for service in lines.services.values():
        assert service.name.replace("&", "&amp;") in page
    assert "not a person and not a therapist" in page
    assert "Are you safe right now?" in page
    # Public, static, no scripts: readable anywhere, also with scripts off.
    assert "<script" not in page
    assert "script-src 'self'" in answer.headers["Content-Security-Policy"]
