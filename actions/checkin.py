"""A quick mood check-in: a number, then optional feelings and a note."""

from __future__ import annotations

import re
from typing import Any, ClassVar

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.entry_saving import PENDING_SLOT, save_entry
from actions.form_exit import FormClosingAction
from actions.forms import answer, latest_text
from actions.journal_forms import CONSENT_SLOT, DECLINED, JournalFormValidation
from bot.journal.quick_entry import read_checkin
from bot.storage.entries import EntryData

FORM = "checkin_form"
SLOTS = ("ci_mood", "ci_feelings", "ci_note")
# "4, tired and flat": the words after the number, at the mood question, are how
# the client feels (a few words only: a longer message is a note, not a feeling).
_AFTER_RATING = re.compile(
    r"^\W*(?:about|around|like|maybe|prob(?:ably)?|a|an)?\s*\d{1,2}(?:\s*/\s*10)?\s*[,.;:\-]+\s*"
    r"(?:(?:and|but|feeling|i feel|i'?m|im)\s+)?([a-z][^0-9]*)$",
    re.IGNORECASE,
)
FEELING_WORDS = 6


class ValidateCheckinForm(JournalFormValidation):
    free_text_slots = ("ci_feelings", "ci_note")
    mood_slot = "ci_mood"
    task = "checkin"
    why_needed: ClassVar[dict[str, str]] = {
        "ci_mood": "The number is the one thing a check-in needs. From 0 (worst) to 10 "
        "(best), how is your mood?",
    }

    def name(self) -> str:
        return "validate_checkin_form"

    def read_opening(self, tracker: Tracker) -> dict[str, Any]:
        found = read_checkin(latest_text(tracker))
        slots = {}
        if "mood" in found:
            slots["ci_mood"] = str(found["mood"])
        if "feelings" in found:
            slots["ci_feelings"] = found["feelings"]
        return slots

    def read_more(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, requested: str
    ) -> dict[str, Any]:
        # "6/10, tired but ok" at any question fills the mood and the feelings too.
        found = {slot: v for slot, v in self.read_opening(tracker).items() if slot != requested}
        after = _AFTER_RATING.match(latest_text(tracker))
        if requested == "ci_mood" and after and len(after.group(1).split()) <= FEELING_WORDS:
            found.setdefault("ci_feelings", after.group(1).strip(" .!"))
        return found

    def validate_ci_mood(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict
    ) -> dict[str, Any]:
        return self.mood(value, dispatcher)


class ActionSaveCheckin(FormClosingAction):
    def name(self) -> str:
        return "action_save_checkin"

    async def close(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        clear = [SlotSet(slot, None) for slot in (*SLOTS, PENDING_SLOT)]
        if tracker.get_slot(CONSENT_SLOT) == DECLINED:
            dispatcher.utter_message(response="utter_consent_declined")
            return [*clear, SlotSet(CONSENT_SLOT, None)]
        data = EntryData(
            kind="mood",
            mood=int(tracker.get_slot("ci_mood")),
            feelings=answer(tracker.get_slot("ci_feelings")),
            note=answer(tracker.get_slot("ci_note")),
        )
        if await save_entry(dispatcher, tracker, FORM, data):
            return clear
        return [SlotSet(PENDING_SLOT, "checkin")]
