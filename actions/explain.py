"""'Why do you ask?' in the middle of a form: the reason for the question just asked."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher


class ActionExplainQuestion(Action):
    def name(self) -> str:
        return "action_explain_question"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        asked = tracker.get_slot("requested_slot")
        reason = f"utter_why_{asked}"
        if asked and reason in (domain.get("responses") or {}):
            dispatcher.utter_message(response=reason)
        else:
            dispatcher.utter_message(
                text="I ask only what helps you and your therapist look at your week together."
            )
        return []
