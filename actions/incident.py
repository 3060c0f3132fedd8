"""Logging an interpersonal incident: the form's checks, its summary, and the save."""

from __future__ import annotations

import re
from datetime import date
from typing import Any, ClassVar

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.entry_saving import PENDING_SLOT, save_entry
from actions.form_exit import FormClosingAction
from actions.forms import SKIPPED, answer, intent_of, latest_text
from actions.journal_forms import CONSENT_SLOT, DECLINED, JournalFormValidation, yes_or_no
from bot.journal.answer_gate import is_skip
from bot.journal.problem_area import AREA_NAMES, read_problem_area
from bot.journal.quick_entry import looks_like_place, place_in, read_incident, who_from
from bot.journal.when import read_when
from bot.storage.entries import EntryData

FORM = "incident_form"
CONFIRM = "inc_confirm"
# The confirmation's outcomes; bracketed like SKIPPED so no typed answer equals them.
CONFIRMED, CANCELLED = "(confirmed)", "(cancelled)"
# Slot -> entry field, in the order the questions are asked.
FIELDS = {
    "inc_who": "who",
    "inc_when": "occurred_on",
    "inc_where": "place",
    "inc_what": "what_happened",
    "inc_said": "client_said",
    "inc_they_said": "other_said",
    "inc_wanted": "wanted",
    "inc_afterwards": "afterwards",
    "inc_feelings": "feelings",
    "inc_area": "problem_area",
    "inc_mood": "mood",
}
LABELS = {
    "inc_who": "Who",
    "inc_when": "When",
    "inc_where": "Where",
    "inc_what": "What happened",
    "inc_said": "What you said",
    "inc_they_said": "What they said or did",
    "inc_wanted": "What you hoped for",
    "inc_afterwards": "What you did afterwards",
    "inc_feelings": "How you felt",
    "inc_area": "Problem area",
    "inc_mood": "Mood",
}
REQUIRED = ("inc_who", "inc_what", "inc_mood")
# Words a client uses for each question when correcting the summary.
_FIELD_WORDS = {
    "inc_who": r"who|person|people|name",
    "inc_when": r"when|date|day|time",
    "inc_where": r"where|place|location",
    "inc_what": r"what happened|happened|story|description",
    "inc_said": r"what i said|i said|my words",
    "inc_they_said": r"what they said|they said|(?:he|she) said|their reply|response",
    "inc_wanted": r"hoped|wanted|hope|wish",
    "inc_afterwards": r"afterwards|after|did next",
    "inc_feelings": r"feelings?|felt|emotions?",
    "inc_area": r"problem area|area|topic",
    "inc_mood": r"mood|rating|score|number",
}
# An answer to "who?" this long is an account, not a name; one longer than
# PERSON_WORDS keeps only the person named in it as Who.
ACCOUNT_WORDS = 9
PERSON_WORDS = 3
_NOT_THE_OLD = re.compile(r"[\s,]+(?:not|instead of|rather than)\b.*$", re.IGNORECASE)
_CHANGE = re.compile(r"\b(?:change|edit|fix|correct|update|wrong)\b", re.IGNORECASE)


def today() -> date:
    return date.today()


class ValidateIncidentForm(JournalFormValidation):
    free_text_slots = (
        "inc_where",
        "inc_said",
        "inc_they_said",
        "inc_wanted",
        "inc_afterwards",
        "inc_feelings",
    )
    mood_slot = "inc_mood"
    task = "incident"
    why_needed: ClassVar[dict[str, str]] = {
        "inc_who": "I need at least who it was with: a name or a relationship like "
        '"my sister" is enough.',
        "inc_what": "I need a line or two about what happened; it's the heart of the entry.",
        "inc_mood": "A mood number helps your therapist see the week at a glance. "
        "From 0 (worst) to 10 (best), what would you give it?",
    }

    def name(self) -> str:
        return "validate_incident_form"

    def finished_early(self, tracker: Tracker) -> bool:
        return tracker.get_slot(CONFIRM) in (CONFIRMED, CANCELLED)

    def read_opening(self, tracker: Tracker) -> dict[str, Any]:
        message = tracker.latest_message or {}
        found = read_incident(message.get("text") or "", message.get("entities") or [], today())
        slots = {slot: found[field] for slot, field in FIELDS.items() if field in found}
        if "inc_when" in slots:
            slots["inc_when"] = slots["inc_when"].isoformat()
        if "inc_mood" in slots:
            slots["inc_mood"] = str(slots["inc_mood"])
        return slots

    async def get_extraction_events(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        events = await super().get_extraction_events(dispatcher, tracker, domain)
        text = latest_text(tracker)
        intent = intent_of(tracker) or ""
        if (
            tracker.get_slot("requested_slot") == CONFIRM
            and CONFIRM not in tracker.slots_to_validate()
            and not intent.startswith(("crisis_", "risk_"))
            and (_CHANGE.search(text) or which_field(text))
        ):
            # "what they said" at the summary names a field to change; the classifier
            # may read it as a question about IPT, which the slot mapping leaves out.
            events.append(SlotSet(CONFIRM, text))
        return events

    def read_more(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, requested: str
    ) -> dict[str, Any]:
        """What else an answer tells, so that nothing written is lost: the account
        told at "who?", the place given at "when?", the mood in a long answer."""
        if requested == CONFIRM:
            return {}
        message = tracker.latest_message or {}
        text = latest_text(tracker)
        words = len(text.split())
        found = {
            slot: value
            for slot, value in self.read_opening(tracker).items()
            if slot != requested and (slot != "inc_what" or words >= ACCOUNT_WORDS)
        }
        if requested == "inc_who" and words > PERSON_WORDS:
            person = who_from(text, message.get("entities") or [])
            if person is not None:
                # "my mum, she was yelling again": the person, and the rest kept.
                found["inc_who"] = person
            if words >= ACCOUNT_WORDS or (person and words >= 6):
                found["inc_what"] = text
                if person is None:
                    found["inc_who"] = None
                    dispatcher.utter_message(response="utter_kept_as_what_happened")
        elif requested == "inc_when":
            day = read_when(text, today()).day
            place = place_in(text, today()) if day is not None else None
            if place and tracker.get_slot("inc_where") is None:
                found["inc_where"] = place  # "last night at hers"
            elif day is None and looks_like_place(text) and tracker.get_slot("inc_where") is None:
                found["inc_where"] = text
                dispatcher.utter_message(response="utter_kept_as_where")
            elif day is None and words >= 5 and tracker.get_slot("inc_what") is None:
                found["inc_what"] = text
                dispatcher.utter_message(response="utter_kept_as_what_happened")
        return found

    def validate_inc_who(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict
    ) -> dict[str, Any]:
        return self.required_text("inc_who", value, dispatcher)

    def validate_inc_what(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict
    ) -> dict[str, Any]:
        return self.required_text("inc_what", value, dispatcher)

    def validate_inc_mood(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict
    ) -> dict[str, Any]:
        return self.mood(value, dispatcher)

    def validate_inc_when(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict
    ) -> dict[str, Any]:
        text = str(value or "")
        if is_skip(text) or text == SKIPPED:
            return {"inc_when": SKIPPED}
        reading = read_when(text, today())
        if reading.day is None:
            dispatcher.utter_message(text=reading.problem)
            return {"inc_when": None}
        return {"inc_when": reading.day.isoformat()}

    def validate_inc_area(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict
    ) -> dict[str, Any]:
        text = str(value or "")
        if text == SKIPPED:
            return {"inc_area": SKIPPED}
        area = read_problem_area(text)
        if area is None and is_skip(text):
            return {"inc_area": SKIPPED}
        if area is None:
            dispatcher.utter_message(response="utter_area_unclear")
            return {"inc_area": None}
        return {"inc_area": area}

    def validate_inc_confirm(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict
    ) -> dict[str, Any]:
        text = str(value or "")
        if _CHANGE.search(text) or which_field(text):
            return self.correction(text, dispatcher, tracker)
        answer_ = yes_or_no(text)
        if answer_ == "yes":
            return {CONFIRM: CONFIRMED}
        if answer_ == "no":
            return {CONFIRM: CANCELLED}
        dispatcher.utter_message(response="utter_confirm_unclear")
        return {CONFIRM: None}

    def correction(
        self, text: str, dispatcher: CollectingDispatcher, tracker: Tracker
    ) -> dict[str, Any]:
        slot = which_field(text)
        if slot is None:
            dispatcher.utter_message(response="utter_which_field")
            return {CONFIRM: None}
        validator = getattr(self, f"validate_{slot}")
        new_value = re.split(r"\bto\b|:|=|\bis\b|\bwas\b|\bshould be\b", text, maxsplit=1)
        if len(new_value) == 2 and new_value[1].strip():
            # "5 not 3", "Tuesday instead of Monday": the new value comes first.
            value = _NOT_THE_OLD.sub("", new_value[1]).strip() or new_value[1].strip()
            result = validator(value, dispatcher, tracker, {})
            if result.get(slot) is not None:
                # Changed in place; the summary is shown again for a final yes.
                return {**result, CONFIRM: None}
            return {CONFIRM: None}
        if slot in ("inc_when", "inc_mood", "inc_area"):
            # "the date was tuesday actually", "mood 5 not 3": the value is in the words.
            trial = CollectingDispatcher()
            result = validator(text, trial, tracker, {})
            if result.get(slot) not in (None, SKIPPED):
                return {**result, CONFIRM: None}
        # No new value given: clear the field so the form asks its question again.
        return {slot: None, CONFIRM: None}


def which_field(text: str) -> str | None:
    lowered = text.lower()
    for slot, words in _FIELD_WORDS.items():
        if re.search(rf"\b(?:{words})\b", lowered):
            return slot
    return None


def summary(tracker: Tracker) -> str:
    rows = []
    for slot, label in LABELS.items():
        value = answer(tracker.get_slot(slot))
        if value is None:
            continue
        if slot == "inc_when":
            value = date.fromisoformat(value).strftime("%A %d %B %Y")
        elif slot == "inc_area":
            value = AREA_NAMES[value]
        elif slot == "inc_mood":
            value = f"{value}/10"
        rows.append(f"{label}: {value}")
    return "\n".join(rows)


class ActionAskIncConfirm(Action):
    """Shows what will be saved and asks to save, change one thing, or cancel."""

    def name(self) -> str:
        return "action_ask_inc_confirm"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        dispatcher.utter_message(
            response="utter_incident_summary",
            summary=summary(tracker),
            buttons=[
                {"title": "Save it", "payload": "yes, save it"},
                {"title": "Change something", "payload": "change something"},
                {"title": "Cancel", "payload": "cancel"},
            ],
        )
        return []


class ActionSaveIncident(FormClosingAction):
    """After the form: saves a confirmed incident, or says why nothing was saved."""

    def name(self) -> str:
        return "action_save_incident"

    async def close(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        clear = [SlotSet(slot, None) for slot in (*FIELDS, CONFIRM, PENDING_SLOT)]
        if tracker.get_slot(CONSENT_SLOT) == DECLINED:
            dispatcher.utter_message(response="utter_consent_declined")
            return [*clear, SlotSet(CONSENT_SLOT, None)]
        if tracker.get_slot(CONFIRM) != CONFIRMED:
            dispatcher.utter_message(response="utter_entry_cancelled")
            return clear
        if await save_entry(dispatcher, tracker, FORM, entry_from(tracker)):
            return clear
        # Not saved: every answer stays, so "try again" can save the same entry.
        return [SlotSet(PENDING_SLOT, "incident")]


def stored(slot: str, value: Any) -> Any:
    """A checked slot value as the entry keeps it (skipped -> None, dates, numbers)."""
    value = answer(value)
    if value is None:
        return None
    if FIELDS[slot] == "occurred_on":
        return date.fromisoformat(value)
    if FIELDS[slot] == "mood":
        return int(value)
    return value


def entry_from(tracker: Tracker) -> EntryData:
    return EntryData(
        kind="incident",
        **{field: stored(slot, tracker.get_slot(slot)) for slot, field in FIELDS.items()},
    )
