"""'Stop' in the middle of a form: forget the half-given answers, store nothing."""

from __future__ import annotations

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.forms import STOPPED_SLOT

# Slots that hold a form's unsaved answers, by prefix (domain.yml).
FORM_SLOT_PREFIXES = ("inc_", "ci_", "sp_", "rem_")


def discard(dispatcher: CollectingDispatcher, tracker: Tracker) -> list[EventType]:
    """Says nothing was saved and clears the answers, so the form starts afresh next time."""
    dispatcher.utter_message(response="utter_form_stopped")
    return [
        *(
            SlotSet(name, None)
            for name, value in tracker.current_slot_values().items()
            if name.startswith(FORM_SLOT_PREFIXES) and value is not None
        ),
        SlotSet(STOPPED_SLOT, None),
        SlotSet("requested_slot", None),
    ]
