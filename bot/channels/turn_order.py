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

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from rasa.core.channels.channel import OutputChannel, UserMessage

from bot.crisis import REPLY_PREFIX
from bot.crisis.graded import CHECK_PREFIX, SOMEONE_ELSE_PREFIX

logger = logging.getLogger(__name__)

DISCLOSURES = frozenset({"utter_disclosure", "utter_disclosure_faq"})
# Replies with the lines that end with the disclosure's words themselves: the
# crisis replies and "how to help someone else".
_LINES_WITH_DISCLOSURE = (REPLY_PREFIX, SOMEONE_ELSE_PREFIX)


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
        # Whether this turn has sent a crisis reply (a failed turn owes one otherwise).
        self.crisis_sent = False
        # Whether it said what the assistant is (a disclosure, or a crisis reply,
        # which ends with the same words).
        self.disclosed = False
        # Whether it said anything at all.
        self.replied = False

    def name(self) -> str:  # type: ignore[override]
        # Channel-specific response variants are chosen by this name.
        return self.inner.name()

    async def send_response(self, recipient_id: str, message: dict[str, Any]) -> None:
        name = _response_name(message)
        self.disclosed = (
            self.disclosed or name in DISCLOSURES or name.startswith(_LINES_WITH_DISCLOSURE)
        )
        self.replied = True
        if self._turn_open and self._held is None and name in DISCLOSURES:
            self._held = (recipient_id, message)
            return
        held, self._held = self._held, None
        is_crisis = name.startswith(_LINES_WITH_DISCLOSURE)
        # The graded question (bot/crisis/graded.py) carries the lines but not the
        # disclosure: it goes first, and the disclosure after it.
        is_check = name.startswith(CHECK_PREFIX)
        if held is not None and not (is_crisis or is_check):
            await self.inner.send_response(*held)
        await self.inner.send_response(recipient_id, message)
        if held is not None and is_check:
            await self.inner.send_response(*held)
        self.crisis_sent = self.crisis_sent or is_crisis or is_check

    async def end_turn(self) -> None:
        """Sends a disclosure nothing followed, then stops holding anything."""
        self._turn_open = False
        held, self._held = self._held, None
        if held is not None:
            await self.inner.send_response(*held)


TurnHook = Callable[[CrisisFirst, UserMessage], Awaitable[None]]


def crisis_first(
    on_new_message: Callable[[UserMessage], Awaitable[Any]],
    on_failure: TurnHook | None = None,
    after: TurnHook | None = None,
) -> Callable[[UserMessage], Awaitable[Any]]:
    """`on_new_message` with each message's replies in crisis-first order. When the
    turn raises and `on_failure` is given, it answers the turn instead (channels
    pass bot.channels.gate's), and the error goes no further than the log.
    `after` runs once the turn's replies are out, whatever happened."""

    async def handle(message: UserMessage) -> Any:
        ordered = CrisisFirst(message.output_channel)
        message.output_channel = ordered
        try:
            return await on_new_message(message)
        except Exception:
            if on_failure is None:
                raise
            # Logged without the message text: it may be what a person in distress wrote.
            logger.exception("A turn failed in the %s channel", message.input_channel)
            try:
                await on_failure(ordered, message)
            except Exception:
                # The channel itself is failing (its provider is down): nothing more to do.
                logger.exception("Could not tell the client that their turn failed")
            return None
        finally:
            await ordered.end_turn()
            if after is not None:
                try:
                    await after(ordered, message)
                except Exception:
                    logger.exception("The end of a turn failed")

    return handle
