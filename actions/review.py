"""A client looking back: their entries, their mood, and removing what they logged."""

from __future__ import annotations

import logging
import re
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.context import db, in_thread, journal_call
from actions.forms import answer
from actions.incident import FIELDS, LABELS, ValidateIncidentForm, stored, which_field
from bot.storage import entries
from bot.storage.entries import EntryError, MoodSummary, StoredEntry
from bot.storage.tracker_store import ERASED_SLOT

logger = logging.getLogger(__name__)
SHOWN = 5
_REFERENCE = re.compile(r"\bE-?([2-9A-HJKMNP-TV-Z]{6})\b", re.IGNORECASE)
ERASE_CONFIRM = "erase_confirm"
_NOTE = re.compile(r"\bnotes?\b", re.IGNORECASE)


def reference_in(text: str) -> str | None:
    found = _REFERENCE.search(text or "")
    return f"E-{found.group(1).upper()}" if found else None


def line(entry: StoredEntry) -> str:
    day = (entry.occurred_on or entry.created_at.date()).strftime("%a %d %b")
    if entry.kind == "mood":
        detail = f"mood check-in {entry.mood}/10" + (
            f", {entry.feelings}" if entry.feelings else ""
        )
    else:
        detail = f"with {entry.who}: {_short(entry.what_happened)} (mood {entry.mood}/10)"
    return f"{entry.reference} · {day} · {detail}"


def _short(text: str | None, limit: int = 60) -> str:
    text = text or ""
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def describe(summary: MoodSummary) -> str:
    if summary.count == 0:
        return (
            f"You haven't logged a mood in the last {summary.days} days. "
            'Say "mood check-in" to add one.'
        )
    trend = {
        "up": "It has been getting better over the week.",
        "down": "It has dipped over the week; that could be worth raising in your next session.",
        "steady": "It has been fairly steady.",
        None: "There aren't enough ratings yet to see a trend.",
    }[summary.trend]
    return (
        f"In the last {summary.days} days you logged {summary.count} mood rating"
        f"{'s' if summary.count != 1 else ''}: on average {summary.average}/10, "
        f"from {summary.lowest} to {summary.highest}. {trend}"
    )


class ActionShowEntries(Action):
    def name(self) -> str:
        return "action_show_entries"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        found = await journal_call(dispatcher, entries.entries_for, tracker.sender_id, None, SHOWN)
        if found is None:
            return []
        if not found:
            dispatcher.utter_message(response="utter_no_entries")
            return []
        dispatcher.utter_message(
            text="Your latest entries:\n" + "\n".join(line(entry) for entry in found)
        )
        dispatcher.utter_message(response="utter_entries_help")
        return []


class ActionMoodTrend(Action):
    def name(self) -> str:
        return "action_mood_trend"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        summary = await journal_call(dispatcher, entries.mood_summary, tracker.sender_id)
        if summary is not None:
            dispatcher.utter_message(text=describe(summary))
        return []


class ActionDeleteEntry(Action):
    def name(self) -> str:
        return "action_delete_entry"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        reference = reference_in(tracker.latest_message.get("text", ""))
        if reference is None:
            dispatcher.utter_message(response="utter_which_entry")
            return []
        deleted = await journal_call(dispatcher, entries.delete_entry, tracker.sender_id, reference)
        if deleted is True:
            dispatcher.utter_message(response="utter_entry_deleted", reference=reference)
        elif deleted is False:
            dispatcher.utter_message(response="utter_entry_not_found", reference=reference)
        return []


class ActionDeleteAllData(Action):
    """After the client confirmed: entries, plan, consent, pairing and the stored
    conversation go (the tracker store erases the conversation on `data_erased`)."""

    def name(self) -> str:
        return "action_delete_all_data"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        typed = " ".join((tracker.get_slot(ERASE_CONFIRM) or "").lower().split()).strip(" .!")
        confirmed = typed == "delete everything"
        if not confirmed:
            dispatcher.utter_message(response="utter_erase_cancelled")
            return [SlotSet(ERASE_CONFIRM, None)]
        removed = await journal_call(dispatcher, entries.delete_everything, tracker.sender_id)
        if removed is None:
            return [SlotSet(ERASE_CONFIRM, None)]
        dispatcher.utter_message(response="utter_everything_deleted", count=removed)
        return [SlotSet(ERASE_CONFIRM, None), SlotSet(ERASED_SLOT, True)]


class ActionEditEntry(Action):
    """'change the mood of E-7KQ2MD to 5': one field of a saved entry, checked as in the form."""

    def name(self) -> str:
        return "action_edit_entry"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        text = tracker.latest_message.get("text", "")
        reference = reference_in(text)
        rest = _REFERENCE.sub(" ", text)
        slot = which_field(rest)
        if slot is None and _NOTE.search(rest):
            slot = "note"
        parts = re.split(r"\bto\b|:|=", rest, maxsplit=1)
        if reference is None or slot is None or len(parts) < 2 or not parts[1].strip():
            dispatcher.utter_message(response="utter_how_to_edit")
            return []
        if slot == "note":
            # A check-in's note: free text, cleaned as the check-in form cleans it.
            note = ValidateIncidentForm.clean(slot, parts[1].strip(), dispatcher)
            if note is None:
                return []
            change = {"note": answer(note)}
        else:
            # The same check the form makes, which tells the client what is wrong.
            check = getattr(ValidateIncidentForm(), f"validate_{slot}")
            checked = check(parts[1].strip(), dispatcher, tracker, domain).get(slot)
            if checked is None:
                return []
            change = {FIELDS[slot]: stored(slot, checked)}
        try:
            changed = await in_thread(entries.update, db(), tracker.sender_id, reference, change)
        except EntryError as error:
            dispatcher.utter_message(text=f"I couldn't change that: {error}.")
            return []
        except Exception:
            logger.exception("could not edit an entry")
            dispatcher.utter_message(response="utter_journal_unavailable")
            return []
        if changed is None:
            dispatcher.utter_message(response="utter_entry_not_found", reference=reference)
            return []
        what = "note" if slot == "note" else LABELS[slot].lower()
        dispatcher.utter_message(response="utter_entry_edited", reference=reference, what=what)
        return []
