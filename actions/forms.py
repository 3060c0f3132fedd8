"""The one base class for validating forms."""

from __future__ import annotations

from abc import abstractmethod
from collections.abc import Callable
from typing import Any, ClassVar

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.forms import FormValidationAction

from bot.nlp.questions import is_question

# What a client types to leave an optional question out. "No" and "nothing" are
# not here: "what did you say?" - "nothing" is an answer worth keeping.
SKIP_WORDS = frozenset(
    {
        "skip",
        "skip it",
        "skip the rest",
        "skip rest",
        "pass",
        "next",
        "not sure",
        "im not sure",
        "i'm not sure",
        "no idea",
        "don't know",
        "dont know",
        "i don't know",
        "i dont know",
        "idk",
        "n/a",
        "na",
        "-",
        "rather not say",
        "i'd rather not say",
    }
)
SKIPPED = "(skipped)"
# Stopping a form is decided here, on the exact words, not by the intent
# classifier: "calm enough" must stay an answer, "enough for now" must stop.
STOP_PHRASES = frozenset(
    {
        "stop",
        "stop it",
        "stop this",
        "stop please",
        "please stop",
        "cancel",
        "cancel that",
        "cancel this",
        "quit",
        "exit",
        "end this",
        "never mind",
        "nevermind",
        "forget it",
        "i want to stop",
        "let's stop",
        "lets stop",
        "let's stop here",
        "can we stop",
        "not now",
        "maybe later",
        "enough for now",
        "i'll finish it later",
        "ill finish it later",
        "stop asking me questions",
    }
)
STOPPED_SLOT = "form_stopped"
MAX_TEXT = 2000

Validator = Callable[..., dict[str, Any]]


class FreeTextFormValidation(FormValidationAction):
    """Cleans every free-text answer the same way; subclasses list their slots.

    Each slot in `free_text_slots` gets a `validate_<slot>` method (the hook the
    SDK calls) unless the subclass writes its own. A skip word becomes SKIPPED
    (the form moves on and the save stores nothing for that step); an over-long
    answer is refused with a clear message and the question is asked again, so
    nothing typed is silently cut.
    """

    free_text_slots: ClassVar[tuple[str, ...]] = ()

    # Abstract, so the SDK's action server does not register the base classes.
    @abstractmethod
    def name(self) -> str:
        """The form's validation action, `validate_<form name>`."""

    async def required_slots(
        self,
        domain_slots: list[str],
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: dict[str, Any],
    ) -> list[str]:
        # An empty list ends the form; its closing action sees STOPPED_SLOT and discards.
        return [] if tracker.get_slot(STOPPED_SLOT) else domain_slots

    async def get_extraction_events(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        events = await super().get_extraction_events(dispatcher, tracker, domain)
        text = latest_text(tracker)
        requested = tracker.get_slot("requested_slot")
        if requested and is_stop(text):
            events.append(SlotSet(STOPPED_SLOT, True))
        elif requested and _intent(tracker) == "faq" and not is_question(text):
            # domain.yml keeps `faq` out of every answer; a remark the classifier took
            # for an IPT question ("that she would listen") is still the answer.
            events.append(SlotSet(requested, text))
        if requested is None:
            # The form is starting: take what the opening message already says.
            events += [
                SlotSet(slot, value)
                for slot, value in self.read_opening(tracker).items()
                if tracker.get_slot(slot) is None
            ]
        return events

    def read_opening(self, tracker: Tracker) -> dict[str, Any]:
        """Answers the message that opened the form already gives ("log my mood, 6/10")."""
        return {}

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        events = await super().run(dispatcher, tracker, domain)
        # The SDK returns only validated slots, and a stopped form validates none.
        if tracker.get_slot(STOPPED_SLOT) and not any(
            event.get("name") == STOPPED_SLOT for event in events
        ):
            events.insert(0, SlotSet(STOPPED_SLOT, True))
        return events

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        for slot in cls.free_text_slots:
            if not hasattr(cls, f"validate_{slot}"):
                setattr(cls, f"validate_{slot}", _free_text_validator(slot))

    @staticmethod
    def clean(slot: str, value: Any, dispatcher: CollectingDispatcher) -> str | None:
        text = " ".join(str(value or "").split())
        if not text:
            return None
        if is_skip(text):
            return SKIPPED
        if len(text) > MAX_TEXT:
            dispatcher.utter_message(
                text=f"That is longer than I can keep ({len(text)} characters; the limit is "
                f"{MAX_TEXT}). Could you shorten it?"
            )
            return None
        return text


def latest_text(tracker: Tracker) -> str:
    """What the client just typed ("" when there is no message)."""
    return (tracker.latest_message or {}).get("text") or ""


def _intent(tracker: Tracker) -> str | None:
    return ((tracker.latest_message or {}).get("intent") or {}).get("name")


def _phrase(text: str) -> str:
    """A short answer as the phrase lists spell it: lower case, straight
    apostrophes, single spaces, no closing punctuation."""
    return " ".join(text.lower().replace("\u2019", "'").split()).strip(" .!")


def is_stop(text: str) -> bool:
    return _phrase(text) in STOP_PHRASES


def is_skip(text: str) -> bool:
    return _phrase(text) in SKIP_WORDS


def _free_text_validator(slot: str) -> Validator:
    def validate(
        self: FreeTextFormValidation,
        value: Any,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: dict[str, Any],
    ) -> dict[str, Any]:
        return {slot: self.clean(slot, value, dispatcher)}

    validate.__name__ = f"validate_{slot}"
    return validate


def answer(value: Any) -> str | None:
    """A slot's value as it should be stored: None for skipped or empty."""
    return None if value in (None, "", SKIPPED) else str(value)
