"""The crisis lines are the first thing a person in crisis reads.

Rasa starts a conversation session (action_session_start, which says what this
assistant is) before it reads the message that opened the session, so a first
message that is a crisis would get "Before we start: I'm an automated
assistant..." ahead of the lines. Every channel hands its messages to Rasa through
`crisis_first`: for the length of that one turn the session's disclosure is held
until the next reply shows what kind of turn it is. A crisis reply goes out at
once and the held disclosure is dropped, because every crisis reply already ends
with the same disclosure (content/crisis/replies.yml) and a person in distress
should get one short message, not two; any other reply goes out after it, so
ordinary conversations open as before.

The conversation's record still holds the dropped disclosure: Rasa logs events
before a channel sends them, and nothing here rewrites the record.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from rasa.core.channels.channel import OutputChannel, UserMessage

DISCLOSURES = frozenset({"utter_disclosure", "utter_disclosure_faq"})
CRISIS_REPLY_PREFIX = "utter_crisis_"


def _response_name(message: dict[str, Any]) -> str:
    # Rasa puts the name of the domain response a message came from here.
    return str(message.get("utter_action") or "")


class CrisisFirst(OutputChannel):
    """Wraps a turn's output channel; passes everything through once the turn ends
    (reminders the turn schedules keep this channel and must not be held)."""

    def __init__(self, inner: OutputChannel) -> None:
        self.inner = inner
        self._held: tuple[str, dict[str, Any]] | None = None
        self._turn_open = True

    def name(self) -> str:  # type: ignore[override]
        # Channel-specific response variants are chosen by this name.
        return self.inner.name()

    async def send_response(self, recipient_id: str, message: dict[str, Any]) -> None:
        name = _response_name(message)
        if self._turn_open and self._held is None and name in DISCLOSURES:
            self._held = (recipient_id, message)
            return
        held, self._held = self._held, None
        if held is not None and not name.startswith(CRISIS_REPLY_PREFIX):
            await self.inner.send_response(*held)
        await self.inner.send_response(recipient_id, message)

    async def end_turn(self) -> None:
        """Sends a disclosure nothing followed, then stops holding anything."""
        self._turn_open = False
        held, self._held = self._held, None
        if held is not None:
            await self.inner.send_response(*held)


def crisis_first(
    on_new_message: Callable[[UserMessage], Awaitable[Any]],
) -> Callable[[UserMessage], Awaitable[Any]]:
    """`on_new_message` with each message's replies in crisis-first order."""

    async def handle(message: UserMessage) -> Any:
        ordered = CrisisFirst(message.output_channel)
        message.output_channel = ordered
        try:
            return await on_new_message(message)
        finally:
            await ordered.end_turn()

    return handle
