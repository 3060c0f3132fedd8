"""What the incident and mood check-in forms share: consent first, then the
questions, with answers read from the first message where the client gave them."""

from __future__ import annotations

import logging
import re
from typing import Any, ClassVar

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.context import db, in_thread
from actions.forms import SKIPPED, FreeTextFormValidation
from bot.journal.answer_gate import is_skip
from bot.journal.mood import read_mood
from bot.storage import clients

logger = logging.getLogger(__name__)
CONSENT_SLOT = "log_consent"
# The checked answer. Bracketed like SKIPPED: the raw "yes" a client types is not
# one of them, so it is still validated (and recorded) before it counts.
AGREED, DECLINED = "(agreed)", "(declined)"
_YES = re.compile(
    r"^\W*(y|ya|yah|yas|yes|yess|yeah|yea|yep|yup|sure|ok|okay|okey|oki|k|kk|fine|agree|i agree|"
    r"i do|go ahead|go for it|that'?s fine|that'?s ok(?:ay)?|that'?s right|thats? it|"
    r"sounds (?:good|fine|ok)|save(?: it| that| please)?|yes please|correct|right|looks "
    r"(?:good|right|fine|ok)|good|all good|perfect|of course|absolutely|definitely|"
    r"i guess(?: so)?|alright|aight|np|fine by me|totally|done)\b",
    re.IGNORECASE,
)
_NO = re.compile(
    r"^\W*(n|no|nope|nah|naw|don'?t|do not|dont|i don'?t agree|no thanks|cancel|never ?mind|stop|"
    r"discard|delete it|forget it|scrap it|rather not|i'?d rather not|i'?d prefer not|"
    r"not really|not okay|not ok)\b",
    re.IGNORECASE,
)


def yes_or_no(text: str) -> str | None:
    if _NO.match(text):
        return "no"
    if _YES.match(text):
        return "yes"
    return None


class JournalFormValidation(FreeTextFormValidation):
    """A form that stores what the client tells it, so consent comes first."""

    # The slot holding the mood rating.
    mood_slot: ClassVar[str] = ""

    async def required_slots(
        self,
        domain_slots: list[str],
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: dict[str, Any],
    ) -> list[str]:
        consent = tracker.get_slot(CONSENT_SLOT)
        if not await super().required_slots(domain_slots, dispatcher, tracker, domain):
            return []
        if consent == DECLINED or self.finished_early(tracker):
            # An empty list ends the form; the closing action says what happened.
            return []
        slots = [s for s in domain_slots if s != CONSENT_SLOT]
        if consent == AGREED:
            return slots
        return [CONSENT_SLOT, *slots]

    def finished_early(self, tracker: Tracker) -> bool:
        return False

    async def get_extraction_events(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        events = await super().get_extraction_events(dispatcher, tracker, domain)
        if tracker.get_slot(CONSENT_SLOT) is None and await self._consented_before(tracker):
            events.append(SlotSet(CONSENT_SLOT, AGREED))
        return events

    async def _consented_before(self, tracker: Tracker) -> bool:
        try:
            return await in_thread(clients.has_consented, db(), tracker.sender_id)
        except Exception:
            # Asking again is harmless; failing to ask is not.
            logger.exception("could not read consent")
            return False

    async def validate_log_consent(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict
    ) -> dict[str, Any]:
        if value in (AGREED, DECLINED):
            return {CONSENT_SLOT: value}
        answer = yes_or_no(str(value or ""))
        if answer is None:
            # Asked again in a short form (utter_ask_log_consent, the "again" wording).
            return {CONSENT_SLOT: None}
        if answer == "yes":
            try:
                await in_thread(clients.record_consent, db(), tracker.sender_id)
            except Exception:
                logger.exception("could not record consent")
                # Carry on: the save itself checks consent again and says if it fails.
            return {CONSENT_SLOT: AGREED}
        return {CONSENT_SLOT: DECLINED}

    def required_text(
        self, slot: str, value: Any, dispatcher: CollectingDispatcher
    ) -> dict[str, Any]:
        cleaned = self.clean(slot, value, dispatcher)
        if cleaned == SKIPPED:
            dispatcher.utter_message(text=self.why_needed.get(slot, "I need this one to save it."))
            return {slot: None}
        return {slot: cleaned}

    def mood(self, value: Any, dispatcher: CollectingDispatcher) -> dict[str, Any]:
        text = str(value or "")
        if is_skip(text):
            dispatcher.utter_message(text=self.why_needed.get(self.mood_slot, ""))
            return {self.mood_slot: None}
        reading = read_mood(text)
        if reading.value is None:
            dispatcher.utter_message(text=reading.problem)
            return {self.mood_slot: None}
        return {self.mood_slot: str(reading.value)}


def form_started_at(tracker: Tracker, form: str) -> float | None:
    """When the current run of `form` began: the save's idempotency key."""
    for event in reversed(tracker.events):
        if event.get("event") == "active_loop" and event.get("name") == form:
            return event.get("timestamp")
    return None
