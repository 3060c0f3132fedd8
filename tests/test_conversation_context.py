"""Which earlier messages the NLU reads with the current one (bot/nlp/conversation_context.py)."""

from __future__ import annotations

from rasa.core.channels.channel import UserMessage
from rasa.shared.core.constants import ACTION_LISTEN_NAME
from rasa.shared.core.events import ActionExecuted, SessionStarted, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.nlu.training_data.message import Message

from bot.nlp.conversation_context import CONTEXT_KEY, context_of, recent_messages, with_context


def said(text: str, intent: str = "share_feelings") -> UserUttered:
    return UserUttered(text, {"name": intent, "confidence": 0.9})


def tracker(*events: object) -> DialogueStateTracker:
    return DialogueStateTracker.from_events("c", [ActionExecuted(ACTION_LISTEN_NAME), *events])


def test_the_last_two_typed_messages_of_the_session_oldest_first() -> None:
    t = tracker(
        said("from an old session"),
        SessionStarted(),
        said("one"),
        said("/show_menu", "show_menu"),
        said("two"),
        said("three"),
    )
    assert recent_messages(t) == ["two", "three"]


def test_the_session_start_bounds_the_context() -> None:
    assert recent_messages(tracker(said("before"), SessionStarted(), said("after"))) == ["after"]


def test_a_message_that_had_its_crisis_reply_and_all_before_it_are_left_out() -> None:
    t = tracker(said("old"), said("i want to die", "crisis_suicide"), said("ok"))
    assert recent_messages(t) == ["ok"]
    t = tracker(said("old"), said("maybe", "risk_check"))
    assert recent_messages(t) == []


def test_the_parsed_copy_carries_the_context_and_the_stored_message_does_not() -> None:
    original = UserMessage("i still have her tablets", sender_id="c", metadata={"a": 1})
    parsed = with_context(original, tracker(said("my gran died")))
    assert parsed.metadata == {"a": 1, CONTEXT_KEY: ["my gran died"]}
    assert original.metadata == {"a": 1}
    assert context_of(Message(data={"metadata": parsed.metadata})) == ["my gran died"]
    assert with_context(UserMessage("/risk_denied"), tracker(said("x"))).metadata is None


def test_bad_metadata_gives_no_context() -> None:
    assert context_of(Message(data={"metadata": {CONTEXT_KEY: "not a list"}})) == []
    assert context_of(Message(data={"metadata": None})) == []
