"""'Stop' in the middle of a form: forget the half-given answers, store nothing."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

# Slots that hold a form's unsaved answers, by prefix (domain.yml).
FORM_SLOT_PREFIXES = ("inc_", "ci_", "sp_")


class ActionDiscardForm(Action):
    def name(self) -> str:
        return "action_discard_form"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        dispatcher.utter_message(response="utter_form_stopped")
        # Cleared, so the next time the form starts with fresh questions.
        return [
            SlotSet(name, None)
            for name, value in tracker.current_slot_values().items()
            if name.startswith(FORM_SLOT_PREFIXES) and value is not None
        ]
