"""A first message that is a crisis gets the crisis lines before anything else."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from rasa.core.channels.channel import OutputChannel, UserMessage

from bot.channels.turn_order import crisis_first

DISCLOSURE = {"text": "Before we start: ...", "utter_action": "utter_disclosure"}
FAQ_DISCLOSURE = {"text": "Hi, I answer questions ...", "utter_action": "utter_disclosure_faq"}
CRISIS = {"text": "• 988 Suicide & Crisis Lifeline", "utter_action": "utter_crisis_suicide"}
ARE_YOU_SAFE = {"text": "Are you safe right now?", "utter_action": "utter_ask_safe"}
GREETING = {"text": "Hi, I'm the IPT companion.", "utter_action": "utter_greet"}
FROM_AN_ACTION = {"text": "Saved."}


class Recording(OutputChannel):
    def __init__(self) -> None:
        self.sent: list[str] = []

    @classmethod
    def name(cls) -> str:
        return "recording"

    async def send_response(self, recipient_id: str, message: dict[str, Any]) -> None:
        self.sent.append(message["text"])


def run_turn(
    *replies: dict[str, Any], fails: bool = False, text: str = "hi"
) -> tuple[Recording, UserMessage]:
    """Plays a turn as Rasa does: each reply through the message's output channel."""
    recording = Recording()
    message = UserMessage(text, recording, "someone")

    async def on_new_message(received: UserMessage) -> None:
        for reply in replies:
            await received.output_channel.send_response(received.sender_id, dict(reply))
        if fails:
            raise RuntimeError("the model server went away")

    async def main() -> None:
        await crisis_first(on_new_message)(message)

    if fails:
        with pytest.raises(RuntimeError):
            asyncio.run(main())
    else:
        asyncio.run(main())
    return recording, message


@pytest.mark.parametrize("disclosure", [DISCLOSURE, FAQ_DISCLOSURE], ids=["full", "faq-only"])
def test_a_crisis_reply_goes_first_and_the_disclosure_it_repeats_is_dropped(
    disclosure: dict[str, Any],
) -> None:
    recording, _ = run_turn(disclosure, CRISIS, ARE_YOU_SAFE)
    assert recording.sent == [CRISIS["text"], ARE_YOU_SAFE["text"]]


def test_the_graded_question_goes_first_and_the_disclosure_follows_it() -> None:
    check = {
        "text": "Are you having thoughts...? • 988",
        "utter_action": "utter_risk_check_suicide",
    }
    recording, _ = run_turn(DISCLOSURE, check)
    assert recording.sent == [check["text"], DISCLOSURE["text"]]


def test_how_to_help_someone_else_goes_first_and_ends_with_the_disclosure_itself() -> None:
    helping = {
        "text": "It sounds like you're worried about someone. • 988 ... not a therapist",
        "utter_action": "utter_someone_else_suicide",
    }
    recording, _ = run_turn(DISCLOSURE, helping)
    assert recording.sent == [helping["text"]]


def test_any_other_first_turn_opens_with_the_disclosure() -> None:
    recording, _ = run_turn(DISCLOSURE, GREETING, FROM_AN_ACTION)
    assert recording.sent == [DISCLOSURE["text"], GREETING["text"], FROM_AN_ACTION["text"]]
    recording, _ = run_turn(DISCLOSURE, FROM_AN_ACTION)
    assert recording.sent == [DISCLOSURE["text"], FROM_AN_ACTION["text"]]


def test_a_disclosure_nothing_followed_is_still_sent_even_when_the_turn_fails() -> None:
    assert run_turn(DISCLOSURE)[0].sent == [DISCLOSURE["text"]]
    assert run_turn(DISCLOSURE, fails=True)[0].sent == [DISCLOSURE["text"]]


def test_turns_without_a_disclosure_pass_through_in_order() -> None:
    recording, _ = run_turn(GREETING, CRISIS, ARE_YOU_SAFE)
    assert recording.sent == [GREETING["text"], CRISIS["text"], ARE_YOU_SAFE["text"]]


def test_after_the_turn_the_channel_holds_nothing_back() -> None:
    # A reminder the turn scheduled keeps this output channel and may start a
    # new session (a disclosure) long after the turn: it must not wait.
    recording, message = run_turn(GREETING)
    asyncio.run(message.output_channel.send_response("someone", dict(DISCLOSURE)))
    assert recording.sent == [GREETING["text"], DISCLOSURE["text"]]
    assert message.output_channel.name() == "recording"


async def _crisis_by_words(text: str) -> dict[str, Any] | None:
    # Stands in for the agent's NLU in bot.channels.gate.agent_crisis_reply.
    return dict(CRISIS) if "die" in text else None


def guarded_turn(text: str, *replies: dict[str, Any]) -> list[str]:
    """A turn through gate.guarded whose Rasa side fails after sending `replies`."""
    from bot.channels.gate import guarded
    from bot.channels.notice import NoticeClock

    recording = Recording()

    async def failing(received: UserMessage) -> None:
        for reply in replies:
            await received.output_channel.send_response(received.sender_id, dict(reply))
        raise RuntimeError("the conversation store failed")

    async def new_conversation(_: str) -> float | None:
        return None

    clock = NoticeClock(3 * 3600, new_conversation)
    asyncio.run(guarded(failing, _crisis_by_words, clock)(UserMessage(text, recording, "someone")))
    return recording.sent


def test_a_failed_turn_is_answered_and_a_crisis_still_gets_its_lines() -> None:
    from bot.channels.gate import TURN_FAILED

    assert guarded_turn("hello") == [TURN_FAILED]
    assert guarded_turn("i want to die") == [CRISIS["text"], TURN_FAILED]
    # A crisis reply that already went out is not sent twice.
    assert guarded_turn("i want to die", DISCLOSURE, CRISIS) == [CRISIS["text"], TURN_FAILED]
    # A held disclosure still follows an ordinary failed turn.
    assert guarded_turn("hello", DISCLOSURE) == [DISCLOSURE["text"], TURN_FAILED]


def test_a_turn_that_ends_without_a_word_is_answered() -> None:
    from bot.channels.gate import TURN_SILENT, guarded
    from bot.channels.notice import NoticeClock

    async def silent(_: UserMessage) -> None:
        return None  # Rasa's turn when a custom action failed under it

    async def no_crisis(_: str) -> None:
        return None

    async def new_conversation(_: str) -> float | None:
        return None

    recording = Recording()
    handle = guarded(silent, no_crisis, NoticeClock(3 * 3600, new_conversation))
    asyncio.run(handle(UserMessage("yes, save it", recording, "someone")))
    assert recording.sent == [TURN_SILENT]
