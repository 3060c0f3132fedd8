"""Building, saving and showing a client's safety plan (Stanley-Brown steps)."""

from __future__ import annotations

import logging
from dataclasses import asdict
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.context import db, in_thread, settings
from actions.form_exit import FormClosingAction
from actions.forms import STOPPED_SLOT, FreeTextFormValidation, answer
from bot.crisis.lines import load_locale
from bot.storage import safety_plans
from bot.storage.safety_plans import PlanSteps

logger = logging.getLogger(__name__)
FORM = "safety_plan_form"
SLOTS = {f"sp_{name}": name for name in PlanSteps.names()}
TITLES = {
    "warning_signs": "My warning signs",
    "coping": "Things I can do on my own",
    "distractions": "People and places that distract me",
    "people": "People I can ask for help",
    "professionals": "Professionals I can contact",
    "environment": "Making my surroundings safer",
}


# The plan as saved when an update began: each step's answer, kept unless changed.
SAVED_SLOT = "sp_saved"


class ValidateSafetyPlanForm(FreeTextFormValidation):
    """Building the plan, or updating it: then each step shows its current answer,
    and "keep" or "skip" keeps it."""

    free_text_slots = tuple(SLOTS)
    task = "safety_plan"
    own_slots = (SAVED_SLOT,)

    def name(self) -> str:
        return "validate_safety_plan_form"

    def earlier_answer(self, tracker: Tracker, slot: str) -> str | None:
        saved = tracker.get_slot(SAVED_SLOT) or {}
        return saved.get(SLOTS.get(slot, "")) or None

    async def get_extraction_events(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        events = await super().get_extraction_events(dispatcher, tracker, domain)
        if tracker.get_slot("requested_slot") is None:
            saved = await _saved_plan(tracker)
            events.append(SlotSet(SAVED_SLOT, saved))
            tracker.slots[SAVED_SLOT] = saved
        return events

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        events = await super().run(dispatcher, tracker, domain)
        coming = next((slot for slot in SLOTS if tracker.slots.get(slot) is None), None)
        earlier = self.earlier_answer(tracker, coming) if coming else None
        if earlier and not tracker.slots.get(STOPPED_SLOT):
            # Said before the step's question, which the form asks next.
            dispatcher.utter_message(
                response="utter_plan_step_now",
                current=earlier,
                buttons=[{"title": "Keep it", "payload": "keep"}],
            )
        return events


async def _saved_plan(tracker: Tracker) -> dict[str, str] | None:
    try:
        plan = await in_thread(safety_plans.load, db(), tracker.sender_id)
    except Exception:
        # Without the old plan every step is simply asked; nothing is lost by that.
        logger.exception("could not read the safety plan to update")
        return None
    if plan is None:
        return None
    return {name: value for name, value in asdict(plan).items() if value}


def render(plan: PlanSteps, lines: list[str]) -> str:
    rows = []
    for name in PlanSteps.names():
        value = getattr(plan, name)
        if name == "professionals":
            value = "; ".join(filter(None, [value, *lines]))
        rows.append(f"{TITLES[name]}: {value or '(not filled in)'}")
    return "Your safety plan\n" + "\n".join(rows)


def crisis_lines() -> list[str]:
    locale = load_locale(settings().crisis_locale)
    return [service.line() for service in locale.services_for("suicide")]


class ActionSaveSafetyPlan(FormClosingAction):
    def name(self) -> str:
        return "action_save_safety_plan"

    async def close(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        plan = PlanSteps(**{name: answer(tracker.get_slot(slot)) for slot, name in SLOTS.items()})
        try:
            await in_thread(safety_plans.save, db(), tracker.sender_id, plan)
        except Exception:
            logger.exception("could not save a safety plan")
            # The answers stay in the slots, so nothing is lost; say so plainly.
            dispatcher.utter_message(
                text="I'm sorry, I couldn't save your safety plan just now, so it is not "
                "saved yet. Your answers are kept here: ask me to show your safety plan "
                "in a little while and I'll try again."
            )
            return []
        lines = await in_thread(crisis_lines)
        dispatcher.utter_message(text=render(plan, lines))
        dispatcher.utter_message(
            text='Saved. Your therapist can see it too. Ask me "show my safety plan" any time.'
        )
        return [*(SlotSet(slot, None) for slot in SLOTS), SlotSet(SAVED_SLOT, None)]


class ActionShowSafetyPlan(Action):
    """Shows the saved plan, saves one still waiting in the slots, or starts a new one."""

    def name(self) -> str:
        return "action_show_safety_plan"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        if all(tracker.get_slot(slot) for slot in SLOTS):
            # A completed plan that failed to save earlier: try again first.
            return [FollowupAction("action_save_safety_plan")]
        try:
            plan = await in_thread(safety_plans.load, db(), tracker.sender_id)
        except Exception:
            logger.exception("could not read a safety plan")
            dispatcher.utter_message(
                text="I can't open your safety plan just now. Please try again in a while; "
                'if you need help now, type "help".'
            )
            return []
        if plan is None:
            dispatcher.utter_message(response="utter_safety_plan_intro")
            return [FollowupAction(FORM)]
        lines = await in_thread(crisis_lines)
        dispatcher.utter_message(
            text=render(plan, lines),
            buttons=[{"title": "Update my plan", "payload": "/update_safety_plan"}],
        )
        return []
