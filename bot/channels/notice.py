"""The "I'm an automated assistant" notice, repeated during a long conversation.

Every conversation session opens with the disclosure (actions/session.py), every
crisis reply ends with it, and a conversation idle for an hour starts a new
session. What that leaves is a conversation that goes on and on: New York's
General Business Law Article 47 asks for the notice again at least every three
hours of continuing use (docs/compliance.md). The channel gate
(bot/channels/gate.py) asks this clock after each turn whether the notice is due
and, if so, adds it after the turn's replies (wording and interval in
content/compliance/notices.yml).

The clock is kept per server process: what it has not seen itself it reads once
from the conversation (when its session started). With several servers, one that
did not see the last notice may repeat it early, never late.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable

from rasa.shared.core.events import SessionStarted

# Conversations remembered per process; the oldest are forgotten (and read again).
REMEMBERED = 10_000

SessionStart = Callable[[str], Awaitable[float | None]]


class NoticeClock:
    """When each conversation last heard what the assistant is."""

    def __init__(
        self,
        every_seconds: float,
        session_start: SessionStart,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.every_seconds = every_seconds
        self._session_start = session_start
        self._clock = clock
        self._heard: OrderedDict[str, float] = OrderedDict()

    def heard(self, sender: str) -> None:
        """The conversation was just told (a disclosure, a crisis reply, the notice)."""
        self._heard[sender] = self._clock()
        self._heard.move_to_end(sender)
        while len(self._heard) > REMEMBERED:
            self._heard.popitem(last=False)

    async def due(self, sender: str) -> bool:
        last = self._heard.get(sender)
        if last is None:
            last = await self._session_start(sender)
            if last is None:
                return False  # a conversation this turn began: it was just told
            self._heard[sender] = last
        return self._clock() - last >= self.every_seconds


async def agent_session_start(sender: str) -> float | None:
    """When the conversation's current session began (it opened with the
    disclosure), from the running Rasa agent's tracker store; for a session
    longer than the window the store loads, the oldest event it loaded."""
    from sanic import Sanic

    tracker = await Sanic.get_app().ctx.agent.tracker_store.retrieve(sender)
    if tracker is None or not tracker.events:
        return None
    for event in reversed(tracker.events):
        if isinstance(event, SessionStarted):
            return event.timestamp
    return tracker.events[0].timestamp
