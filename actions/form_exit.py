"""A form that ends before its last question: stopped, set aside for another
task, or paused after a question that got no answer. Every closing action asks
`leave` first."""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.forms import EXIT_SLOT, PAUSED, STOPPED_SLOT
from bot.journal.questions import ATTEMPT_SLOT

# Slots that hold a form's unsaved answers, by prefix (domain.yml).
FORM_SLOT_PREFIXES = ("inc_", "ci_", "sp_", "rem_")
# What each task named mid-form starts (answer_gate.SWITCH_TARGETS), and the
# response said first where the task has an introduction.
SWITCHES: dict[str, tuple[str | None, str]] = {
    "incident": ("utter_incident_intro", "incident_form"),
    "checkin": (None, "checkin_form"),
    "safety_plan": (None, "action_show_safety_plan"),
    "reminder": (None, "reminder_form"),
    "stop_reminders": (None, "action_cancel_reminder"),
    "entries": (None, "action_show_entries"),
}
_CLEAR_EXIT = [SlotSet(STOPPED_SLOT, None), SlotSet(EXIT_SLOT, None), SlotSet(ATTEMPT_SLOT, None)]


def leave(dispatcher: CollectingDispatcher, tracker: Tracker) -> list[EventType] | None:
    """The events that end a form left early, with what the client is told;
    None when the form ran to its end."""
    if tracker.get_slot(STOPPED_SLOT):
        return discard(dispatcher, tracker)
    exit_to = tracker.get_slot(EXIT_SLOT)
    if not exit_to:
        return None
    kept = bool(_answers(tracker))
    if exit_to == PAUSED:
        dispatcher.utter_message(response="utter_form_paused" if kept else "utter_form_left")
        return [*_CLEAR_EXIT, SlotSet("requested_slot", None)]
    intro, action = SWITCHES.get(str(exit_to), (None, "action_listen"))
    if kept:
        dispatcher.utter_message(response="utter_form_set_aside")
    if intro:
        dispatcher.utter_message(response=intro)
    return [*_CLEAR_EXIT, SlotSet("requested_slot", None), FollowupAction(action)]


class FormClosingAction(Action, ABC):
    """The action a form's rule runs when the form ends: a form left early is dealt
    with here (`leave`), one that ran to its end in `close`."""

    # Abstract, so the SDK's action server does not register the base class.
    @abstractmethod
    def name(self) -> str:
        """The closing action's name."""

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        ended = leave(dispatcher, tracker)
        if ended is not None:
            return ended
        return await self.close(dispatcher, tracker, domain)

    @abstractmethod
    async def close(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        """Saves what the form collected, or says why nothing was."""


def discard(dispatcher: CollectingDispatcher, tracker: Tracker) -> list[EventType]:
    """Says nothing was saved and clears the answers, so the form starts afresh next time."""
    dispatcher.utter_message(response="utter_form_stopped")
    return [
        *(SlotSet(name, None) for name in _answers(tracker)),
        *_CLEAR_EXIT,
        SlotSet("requested_slot", None),
    ]


def _answers(tracker: Tracker) -> list[str]:
    """The form slots holding an answer (not the summary's outcome, nor the saved
    plan an update started from)."""
    return [
        name
        for name, value in tracker.current_slot_values().items()
        if name.startswith(FORM_SLOT_PREFIXES)
        and value is not None
        and name not in ("inc_confirm", "sp_saved")
    ]
