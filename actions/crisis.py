"""Recording crisis events for the therapist, and telling the clinic if it asked.

These run after the crisis reply has gone out (bot/policies/crisis_policy.py),
so a failure here can never hold back the crisis lines.
"""

from __future__ import annotations

import hashlib
import logging
from datetime import datetime, timezone
from typing import Any

import aiohttp
from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher

from actions import context
from actions.context import db, in_thread
from bot.crisis import category_of, category_of_reply
from bot.crisis.graded import NOT_SAFE_RESPONSE, category_of_check, category_of_someone_else
from bot.storage import crisis_events
from bot.storage.crisis_events import NewCrisisEvent

logger = logging.getLogger(__name__)
WEBHOOK_TIMEOUT_S = 5


def event_from(tracker: Tracker, kind: str, category: str) -> NewCrisisEvent:
    message = tracker.latest_message or {}
    decision = message.get("crisis") or {}
    return NewCrisisEvent(
        conversation_id=tracker.sender_id,
        # Rasa gives every user message an id; a retried action reuses it.
        message_id=str(message.get("message_id") or f"at-{tracker.events[-1].get('timestamp')}"),
        kind=kind,
        category=category,
        message_text=str(message.get("text") or ""),
        layer=decision.get("layer"),
        phrase=decision.get("phrase"),
        confidence=decision.get("confidence"),
    )


async def notify_clinic(new: NewCrisisEvent) -> None:
    """POSTs the bare fact of a crisis event: category and time, no message text."""
    url = context.settings().crisis_webhook_url
    if not url:
        return
    payload = {
        "event": "crisis",
        "kind": new.kind,
        "category": new.category,
        "at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        # Enough to find the client in the review tools, useless to anyone else.
        "conversation": hashlib.sha256(new.conversation_id.encode()).hexdigest()[:16],
    }
    try:
        timeout = aiohttp.ClientTimeout(total=WEBHOOK_TIMEOUT_S)
        async with (
            aiohttp.ClientSession(timeout=timeout) as session,
            session.post(url, json=payload) as response,
        ):
            if response.status >= 400:
                logger.error("crisis webhook answered HTTP %s", response.status)
    except (aiohttp.ClientError, TimeoutError) as error:
        logger.error("crisis webhook failed: %s", error)


async def store(new: NewCrisisEvent) -> None:
    if context.settings().faq_only:
        # FAQ-only mode promises to keep nothing about the person; the lines went out.
        return
    try:
        stored = await in_thread(crisis_events.record, db(), new)
    except Exception:
        # The client already has the lines; the log is what is left to fix this.
        logger.exception("could not record a crisis event (%s)", new.category)
        return
    # Another person's risk is the therapist's to read at the next review, not an
    # alert about this client.
    if stored and new.kind != "someone_else":
        await notify_clinic(new)


def what_was_said(tracker: Tracker) -> tuple[str, str]:
    """(kind, category) of the crisis reply this turn sent, read from the reply
    itself: after "yes" to a check question the category is the question's, not
    the message's (bot/policies/crisis_policy.py)."""
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            break
        name = event.get("name") if event.get("event") == "action" else None
        if name == NOT_SAFE_RESPONSE:
            return "not_safe", "immediate_danger"
        if asked := category_of_check(name):
            return "uncertain", asked
        if theirs := category_of_someone_else(name):
            return "someone_else", theirs
        if answered := category_of_reply(name):
            return "detected", answered
    intent = (tracker.latest_message.get("intent") or {}).get("name")
    if intent == "not_safe":
        return "not_safe", "immediate_danger"
    return "detected", category_of(intent) or "help"


class ActionRecordCrisis(Action):
    def name(self) -> str:
        return "action_record_crisis"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        await store(event_from(tracker, *what_was_said(tracker)))
        return []


class ActionRecordRetraction(Action):
    """ "You misunderstood me": kept beside the event it answers, which stays."""

    def name(self) -> str:
        return "action_record_retraction"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        await store(event_from(tracker, "retraction", "retraction"))
        return []
