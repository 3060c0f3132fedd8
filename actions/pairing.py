"""Linking a client with their therapist by the code the therapist gave them."""

from __future__ import annotations

from itertools import pairwise
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher

from actions.context import journal_call
from bot.storage import clients

REPLIES = {
    "invalid": "utter_code_invalid",
    "expired": "utter_code_expired",
    "used": "utter_code_used",
    "malformed": "utter_code_malformed",
}


def code_in(text: str) -> str | None:
    """The code inside "my code is 7KQ-2MD", tried word by word and in pairs."""
    words = text.replace(",", " ").split()
    candidates = [*words, *(a + b for a, b in pairwise(words))]
    for candidate in candidates:
        code = clients.normalise_code(candidate.strip(".!?\"'"))
        if code is not None:
            return code
    return None


class ActionPairTherapist(Action):
    def name(self) -> str:
        return "action_pair_therapist"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        code = code_in(tracker.latest_message.get("text", ""))
        if code is None:
            dispatcher.utter_message(response="utter_code_malformed")
            return []
        result = await journal_call(dispatcher, clients.pair, tracker.sender_id, code)
        if result is None:
            return []
        if result.outcome == "paired":
            dispatcher.utter_message(response="utter_paired", therapist=result.therapist)
        elif result.outcome == "slow_down":
            dispatcher.utter_message(
                response="utter_code_slow_down", minutes=result.retry_after_minutes
            )
        else:
            dispatcher.utter_message(response=REPLIES[result.outcome])
        return []
