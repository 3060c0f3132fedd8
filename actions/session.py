"""Starts each conversation session with the disclosure (what this assistant is).

In FAQ-only mode (FAQ_ONLY=true) the session is marked with the `faq_only` slot,
which the rules use to answer journal and safety-plan requests with an
explanation instead of starting anything that would store data."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActionExecuted, EventType, SessionStarted, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import context
from actions.reminders import rearm


class ActionSessionStart(Action):
    def name(self) -> str:
        return "action_session_start"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        # Carry slots over (session_config says so), then disclose before anything else.
        carried = [
            SlotSet(name, value)
            for name, value in tracker.current_slot_values().items()
            if value is not None and name not in ("requested_slot", "faq_only")
        ]
        faq_only = context.settings().faq_only
        dispatcher.utter_message(
            response="utter_disclosure_faq" if faq_only else "utter_disclosure"
        )
        mode = [SlotSet("faq_only", True)] if faq_only else []
        # After SessionStarted: Rasa drops a reminder not set in the current session.
        return [SessionStarted(), *carried, *mode, *rearm(tracker), ActionExecuted("action_listen")]
