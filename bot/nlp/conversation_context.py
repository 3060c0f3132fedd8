"""The client's previous messages, handed to the NLU so risk is judged in context.

Intent that shows only across turns ("my gran died last month", then "I just want
to be with her again, I still have her tablets") is missed when each message is
read alone. Rasa's default recipe gives NLU components the message only, never
the conversation; the processor does have the tracker when it parses. So
`install()` wraps `MessageProcessor.parse_message`: the message the NLU graph sees
carries, in its metadata under CONTEXT_KEY, the client's last two messages of this
session. The wrapper parses a copy, so nothing is added to the stored event.

Left out of the context: button payloads, and messages that already got a crisis
reply or the graded question, so an earlier message never fires the crisis turn
twice (bot/nlp/crisis_component.py also requires the earlier messages alone to
stay below the threshold).
"""

from __future__ import annotations

import copy
import functools
from typing import Any

from rasa.core.channels.channel import UserMessage
from rasa.core.processor import MessageProcessor
from rasa.shared.core.events import SessionStarted, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.nlu.training_data.message import Message

from bot.crisis import category_of
from bot.crisis.graded import CHECK_INTENT

CONTEXT_KEY = "ipt_recent_messages"
CONTEXT_TURNS = 2


def recent_messages(tracker: DialogueStateTracker, limit: int = CONTEXT_TURNS) -> list[str]:
    """The client's last `limit` typed messages in this session, oldest first."""
    found: list[str] = []
    for event in reversed(tracker.events):
        if isinstance(event, SessionStarted) or len(found) == limit:
            break
        if not isinstance(event, UserUttered):
            continue
        text = (event.text or "").strip()
        intent = event.intent_name
        if not text or text.startswith("/"):
            continue
        if category_of(intent) or intent == CHECK_INTENT:
            # It had its crisis reply or question; it must not count twice. The
            # messages before it are older than that reply: stop here.
            break
        found.append(text)
    return list(reversed(found))


def context_of(message: Message) -> list[str]:
    """The earlier messages the processor attached to `message`, if any."""
    metadata = message.get("metadata") or {}
    recent = metadata.get(CONTEXT_KEY) if isinstance(metadata, dict) else None
    if not isinstance(recent, list):
        return []
    return [text for text in recent if isinstance(text, str) and text.strip()]


def with_context(message: UserMessage, tracker: DialogueStateTracker | None) -> UserMessage:
    """A copy of `message` whose metadata carries the recent messages, for parsing."""
    if tracker is None or not message.text or message.text.startswith("/"):
        return message
    recent = recent_messages(tracker)
    if not recent:
        return message
    parsed = copy.copy(message)
    metadata = message.metadata if isinstance(message.metadata, dict) else {}
    parsed.metadata = {**metadata, CONTEXT_KEY: recent}
    return parsed


@functools.cache
def install() -> None:
    """Wraps MessageProcessor.parse_message once per process (idempotent)."""
    original = MessageProcessor.parse_message

    @functools.wraps(original)
    async def parse_message(
        self: MessageProcessor,
        message: UserMessage,
        tracker: DialogueStateTracker | None = None,
        only_output_properties: bool = True,
    ) -> dict[str, Any]:
        return await original(self, with_context(message, tracker), tracker, only_output_properties)

    MessageProcessor.parse_message = parse_message  # type: ignore[method-assign]
