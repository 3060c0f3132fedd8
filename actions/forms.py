"""The one base class for validating forms."""

from __future__ import annotations

from abc import abstractmethod
from typing import Any, ClassVar

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.forms import FormValidationAction

# What a client types to leave an optional question out.
SKIP_WORDS = frozenset(
    {
        "skip",
        "pass",
        "next",
        "not sure",
        "no idea",
        "don't know",
        "dont know",
        "idk",
        "none",
        "nothing",
        "n/a",
        "na",
        "-",
    }
)
SKIPPED = "(skipped)"
MAX_TEXT = 2000


class FreeTextFormValidation(FormValidationAction):
    """Cleans every free-text answer the same way; subclasses list their slots.

    A skip word becomes SKIPPED (so the form moves on and the save stores nothing
    for that step); an over-long answer is refused with a clear message and the
    question is asked again, so nothing typed is silently cut.
    """

    free_text_slots: ClassVar[tuple[str, ...]] = ()

    @abstractmethod
    def name(self) -> str:
        """The form's validation action, `validate_<form name>`."""

    async def validate(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        events: list[EventType] = []
        for slot, value in tracker.slots_to_validate().items():
            if slot not in self.free_text_slots:
                continue
            events.append(SlotSet(slot, self.clean(slot, value, dispatcher)))
        return events

    @staticmethod
    def clean(slot: str, value: Any, dispatcher: CollectingDispatcher) -> str | None:
        text = " ".join(str(value or "").split())
        if not text:
            return None
        if text.lower().strip(".!") in SKIP_WORDS:
            return SKIPPED
        if len(text) > MAX_TEXT:
            dispatcher.utter_message(
                text=f"That is longer than I can keep ({len(text)} characters; the limit is "
                f"{MAX_TEXT}). Could you shorten it?"
            )
            return None
        return text


def answer(value: Any) -> str | None:
    """A slot's value as it should be stored: None for skipped or empty."""
    return None if value in (None, "", SKIPPED) else str(value)
