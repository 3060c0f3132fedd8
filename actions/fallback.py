"""What the assistant says after a message it is not confident about (nlu_fallback).

It never guesses. When the runner-up reading was a question about IPT, the
closest topics are offered as buttons, so a question phrased in an unexpected
way is one tap from its answer; otherwise the menu (the short one in FAQ-only
mode).
"""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher

from actions.context import in_thread
from actions.psychoeducation import offer_closest, ranked_topics
from bot.content.psychoeducation import RETRIEVAL_INTENT, psychoeducation

FALLBACK_INTENT = "nlu_fallback"


def likely_intent(tracker: Tracker) -> str | None:
    """The best reading of the message other than the fallback itself."""
    for candidate in tracker.latest_message.get("intent_ranking") or []:
        if candidate.get("name") != FALLBACK_INTENT:
            return candidate.get("name")
    return None


class ActionNotUnderstood(Action):
    def name(self) -> str:
        return "action_not_understood"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        if likely_intent(tracker) == RETRIEVAL_INTENT:
            content = await in_thread(psychoeducation)
            ranked = ranked_topics(tracker, content.topics)
            if ranked:
                return offer_closest(dispatcher, tracker, content, ranked)
        faq_only = bool(tracker.get_slot("faq_only"))
        dispatcher.utter_message(response="utter_default_faq" if faq_only else "utter_default")
        return []
