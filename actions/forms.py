"""The one base class for validating forms."""

from __future__ import annotations

from abc import abstractmethod
from collections.abc import Callable
from typing import Any, ClassVar

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.forms import FormValidationAction

from bot.journal.answer_gate import Kind, Reply, Verdict, is_skip, is_stop, judge, without_command
from bot.journal.questions import AGAIN, ATTEMPT_SLOT, STUCK, question
from bot.nlp.questions import is_question

SKIPPED = "(skipped)"
STOPPED_SLOT = "form_stopped"
# Set when a form ends without "stop": a task to do instead (a key of
# answer_gate.SWITCH_TARGETS), or PAUSED after a required question got no answer
# in three tries. Either way the answers so far stay, for when the form comes back.
EXIT_SLOT = "form_exit"
PAUSED = "paused"
MAX_TEXT = 2000
# Intents the slot mappings leave out (domain.yml) because they are questions to
# the assistant, not answers; put as a statement, the message is the answer after all.
_ASKED_INTENTS = frozenset({"faq", "about_assistant", "bot_challenge", "ipt_topics", "ask_source"})

Validator = Callable[..., dict[str, Any]]


class FreeTextFormValidation(FormValidationAction):
    """The one base of every form: the answer gate, then each question's own check.

    Before a reply becomes a slot's value, `answer_gate.judge` decides what it is.
    An answer goes on to `validate_<slot>`; a question or "why?" is answered and
    the question asked again; "skip" leaves an optional question out; "stop" ends
    the form keeping nothing; another task ends it keeping the answers so far;
    "so many questions" is offered "skip the rest". Nothing that is not an answer
    is stored as one. A question that gets no usable answer is asked a second
    time, then a third time in other words with buttons and how to skip or stop
    (the "stuck" wording, bot/journal/questions.py); after that an optional one is
    left out and a required one pauses the form, the answers kept.

    Each slot in `free_text_slots` gets a `validate_<slot>` method (the hook the
    SDK calls) unless the subclass writes its own: a skip word becomes SKIPPED,
    and an over-long answer is refused with a clear message, so nothing typed is
    silently cut.
    """

    free_text_slots: ClassVar[tuple[str, ...]] = ()
    # The form's own task (a key of answer_gate.SWITCH_TARGETS): never a switch.
    task: ClassVar[str | None] = None
    # Shown when the client skips a required question.
    why_needed: ClassVar[dict[str, str]] = {}
    # Slots the form sets for itself that are not questions (returned with the answers).
    own_slots: ClassVar[tuple[str, ...]] = ()

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
        # An empty list ends the form; its closing action (form_exit.leave) says what happened.
        if tracker.get_slot(STOPPED_SLOT) or tracker.get_slot(EXIT_SLOT):
            return []
        return domain_slots

    async def get_extraction_events(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        events = await super().get_extraction_events(dispatcher, tracker, domain)
        text = latest_text(tracker)
        requested = tracker.get_slot("requested_slot")
        if requested and is_stop(text):
            events.append(SlotSet(STOPPED_SLOT, True))
        elif requested and intent_of(tracker) in _ASKED_INTENTS and not is_question(text):
            # domain.yml keeps these out of every answer, so that a question about IPT or
            # the assistant is answered; a remark the classifier took for one ("that she
            # would listen", "my therapist and my GP") is still the answer.
            events.append(SlotSet(requested, text))
        elif requested and self._replied_to(tracker, requested):
            verdict = self._verdict(tracker, requested)
            if verdict.reply is Reply.ANSWER:
                cleaned = without_command(text)
                if cleaned != text:
                    # "log an incident: he shouted" answers with "he shouted".
                    events.append(SlotSet(requested, cleaned))
                events += [
                    SlotSet(slot, value)
                    for slot, value in self.read_more(dispatcher, tracker, requested).items()
                    if slot == requested or tracker.get_slot(slot) is None
                ]
        if requested is None:
            # The form is starting: take what the opening message already says.
            events.append(SlotSet(ATTEMPT_SLOT, None))
            if any(
                tracker.get_slot(slot) is not None and question(slot).kind is not Kind.YES_NO
                for slot in self.domain_slots(domain)
            ):
                # Set aside earlier (another task, or a pause): say it goes on from there.
                dispatcher.utter_message(response="utter_form_resumed")
            events += [
                SlotSet(slot, value)
                for slot, value in self.read_opening(tracker).items()
                if tracker.get_slot(slot) is None
            ]
        return events

    def read_opening(self, tracker: Tracker) -> dict[str, Any]:
        """Answers the message that opened the form already gives ("log my mood, 6/10")."""
        return {}

    def read_more(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, requested: str
    ) -> dict[str, Any]:
        """Other questions an answer to `requested` also answers (only empty ones are
        filled), or a better value for `requested` itself."""
        return {}

    async def get_validation_events(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        requested = tracker.get_slot("requested_slot")
        if (
            not requested
            or tracker.get_slot(STOPPED_SLOT)
            or not self._replied_to(tracker, requested)
        ):
            return await super().get_validation_events(dispatcher, tracker, domain)
        verdict = self._verdict(tracker, requested)
        if verdict.reply is not Reply.ANSWER:
            return await self.not_an_answer(verdict, requested, dispatcher, tracker, domain)
        events = await super().get_validation_events(dispatcher, tracker, domain)
        changed = any(
            e.get("name") != requested and e.get("value") is not None
            for e in events
            if e.get("event") == "slot"
        )
        if tracker.slots.get(requested) is None and not changed:
            return [*events, *self.failed_try(requested, dispatcher, tracker)]
        # Something was kept (an answer, or another field it gave): not a failed try.
        return [*events, SlotSet(ATTEMPT_SLOT, None)]

    async def not_an_answer(
        self,
        verdict: Verdict,
        requested: str,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: dict[str, Any],
    ) -> list[EventType]:
        """What is done with a reply that is not an answer; the question's slot stays
        empty unless it is skipped."""
        keep_empty: list[EventType] = [SlotSet(requested, None)]
        reply = verdict.reply
        if reply is Reply.STOP:
            return [*keep_empty, SlotSet(STOPPED_SLOT, True)]
        if reply is Reply.SWITCH:
            return [*keep_empty, SlotSet(EXIT_SLOT, verdict.target)]
        if reply is Reply.QUESTION:
            # Imported here: the answers about IPT live beside their own actions.
            from actions.psychoeducation import answer_question

            return [*keep_empty, *await answer_question(dispatcher, tracker)]
        if reply is Reply.WHY:
            dispatcher.utter_message(response=f"utter_why_{requested}")
            return keep_empty
        if reply is Reply.CONTINUE:
            return keep_empty
        earlier = self.earlier_answer(tracker, requested)
        if earlier and reply in (Reply.KEEP, Reply.SKIP, Reply.SKIP_REST):
            # Updating: "keep" and "skip" both keep what was there, never blank it.
            return [SlotSet(requested, earlier), SlotSet(ATTEMPT_SLOT, None)]
        if reply is Reply.COMPLAINT:
            dispatcher.utter_message(response="utter_form_complaint")
            return keep_empty
        optional = [
            slot
            for slot in await self.required_slots(
                self.domain_slots(domain), dispatcher, tracker, domain
            )
            if not question(slot).required and (slot == requested or tracker.get_slot(slot) is None)
        ]
        if reply is Reply.SKIP_REST and optional:
            # Every optional question still open is left out; a required one is still asked.
            skipped = [SlotSet(slot, SKIPPED) for slot in optional]
            if requested in optional:
                return [*skipped, SlotSet(ATTEMPT_SLOT, None)]
            return [*skipped, *keep_empty]
        if reply in (Reply.SKIP, Reply.SKIP_REST) and not question(requested).required:
            return [SlotSet(requested, SKIPPED), SlotSet(ATTEMPT_SLOT, None)]
        if reply in (Reply.SKIP, Reply.SKIP_REST):
            dispatcher.utter_message(
                text=self.why_needed.get(requested, "I need this one to go on.")
            )
        return [*keep_empty, *self.failed_try(requested, dispatcher, tracker)]

    def failed_try(
        self, requested: str, dispatcher: CollectingDispatcher, tracker: Tracker
    ) -> list[EventType]:
        """One more try at `requested` that gave no answer: ask again, then with
        buttons and how to skip or stop, then stop asking."""
        tries = {None: 0, AGAIN: 1, STUCK: 2}.get(tracker.get_slot(ATTEMPT_SLOT), 2) + 1
        if tries == 1:
            return [SlotSet(ATTEMPT_SLOT, AGAIN)]
        if tries == 2:
            return [SlotSet(ATTEMPT_SLOT, STUCK)]
        if not question(requested).required:
            dispatcher.utter_message(response="utter_question_left_out")
            return [SlotSet(requested, SKIPPED), SlotSet(ATTEMPT_SLOT, None)]
        return [SlotSet(ATTEMPT_SLOT, None), SlotSet(EXIT_SLOT, PAUSED)]

    def earlier_answer(self, tracker: Tracker, slot: str) -> str | None:
        """The answer this question had before, where the form updates a saved record."""
        return None

    def _verdict(self, tracker: Tracker, requested: str) -> Verdict:
        return judge(latest_text(tracker), question(requested).kind, current=self.task)

    @staticmethod
    def _replied_to(tracker: Tracker, requested: str) -> bool:
        """The client's message of this turn was taken as the reply to `requested`
        (its slot mapping filled it from the text), not an interruption."""
        return requested in tracker.slots_to_validate() and bool(latest_text(tracker))

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        asked = tracker.get_slot("requested_slot")
        events = await super().run(dispatcher, tracker, domain)
        if any(e.get("name") == "requested_slot" and e.get("value") != asked for e in events):
            # The next question starts with no failed tries.
            events.append(SlotSet(ATTEMPT_SLOT, None))
        # The SDK returns only the form's validated slots, and a stopped form validates none.
        for slot in (STOPPED_SLOT, EXIT_SLOT, *self.own_slots):
            if tracker.get_slot(slot) and not any(e.get("name") == slot for e in events):
                events.insert(0, SlotSet(slot, tracker.get_slot(slot)))
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
        if is_skip(text) or text == SKIPPED:
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


def previous_text(tracker: Tracker) -> str:
    """What the client typed before the latest message ("" when nothing)."""
    said = [e.get("text") or "" for e in tracker.events if e.get("event") == "user"]
    return said[-2] if len(said) > 1 else ""


def intent_of(tracker: Tracker) -> str | None:
    """The intent the latest message was read as."""
    return ((tracker.latest_message or {}).get("intent") or {}).get("name")


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
