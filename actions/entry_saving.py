"""Saving a confirmed entry: once, with a reference, and never claimed when it failed."""

from __future__ import annotations

import logging
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, FollowupAction
from rasa_sdk.executor import CollectingDispatcher

from actions import context
from actions.context import db, in_thread
from actions.journal_forms import form_started_at
from bot.storage import entries
from bot.storage.entries import EntryData, EntryError

logger = logging.getLogger(__name__)
# A mood this low (0-10) is acknowledged when the entry is saved, not just filed.
LOW_MOOD = 3
PENDING_SLOT = "pending_save"


async def save_entry(
    dispatcher: CollectingDispatcher, tracker: Tracker, form: str, data: EntryData
) -> bool:
    """True when the entry is in the database; the client is told either way."""
    # The same form run always gives the same key, so a retried save (the client's
    # "try again", or Rasa resending the action) finds the entry instead of doubling it.
    key = f"{form}:{form_started_at(tracker, form)}"
    try:
        saved = await in_thread(
            entries.save,
            db(),
            tracker.sender_id,
            key,
            data,
            context.settings().max_entries_per_day,
        )
    except EntryError as error:
        dispatcher.utter_message(
            response="utter_entry_not_saved_reason", reason=str(error).rstrip(".")
        )
        return False
    except Exception:
        logger.exception("could not save an entry")
        dispatcher.utter_message(response="utter_entry_not_saved")
        return False
    where = (
        "Your therapist will see it."
        if saved.shared_with_therapist
        else "It's in your private journal (no therapist is linked yet)."
    )
    hard = data.mood is not None and data.mood <= LOW_MOOD
    dispatcher.utter_message(response="utter_entry_thanks_hard" if hard else "utter_entry_thanks")
    dispatcher.utter_message(response="utter_entry_saved", reference=saved.reference, where=where)
    return True


def interrupted_save(events: list[dict[str, Any]]) -> str | None:
    """The kind of entry whose last save never finished, else None.

    Every run of a save action returns events (the cleared answers, or the
    pending slot). One that returned nothing was cut off: the action server died
    under it. Its answers are still in the slots, and the database may or may not
    hold the entry; saving again with the same key finds it or stores it, once."""
    for index in range(len(events) - 1, -1, -1):
        event = events[index]
        if event.get("event") == "action" and event.get("name") in SAVED_BY:
            following = events[index + 1] if index + 1 < len(events) else None
            cut_off = following is None or following.get("event") in ("action", "user")
            return SAVED_BY[event["name"]] if cut_off else None
    return None


class ActionRetrySave(Action):
    """'Try again' after a failed or interrupted save: the answers are still in
    the slots."""

    def name(self) -> str:
        return "action_retry_save"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        pending = tracker.get_slot(PENDING_SLOT) or interrupted_save(tracker.events)
        if pending not in RETRY_ACTIONS:
            dispatcher.utter_message(response="utter_nothing_to_retry")
            return []
        return [FollowupAction(RETRY_ACTIONS[pending])]


RETRY_ACTIONS = {"incident": "action_save_incident", "checkin": "action_save_checkin"}
SAVED_BY = {action: kind for kind, action in RETRY_ACTIONS.items()}
