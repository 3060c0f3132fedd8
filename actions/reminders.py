"""Daily check-in reminders: set one, stop it, and the message when one is due."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, ReminderCancelled, ReminderScheduled, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import context
from actions.form_exit import FormClosingAction
from actions.forms import FreeTextFormValidation, latest_text, previous_text
from bot.journal.reminders import (
    REMINDER_INTENT,
    can_deliver,
    from_stored,
    next_occurrence,
    read_time_of_day,
    reminder_name,
    spoken,
    stored,
)

TIME_SLOT = "rem_time"
# The reminder in force ("20:00"), kept across sessions so each session re-arms it.
ACTIVE_SLOT = "reminder_at"


class ValidateReminderForm(FreeTextFormValidation):
    task = "reminder"

    def name(self) -> str:
        return "validate_reminder_form"

    async def required_slots(
        self,
        domain_slots: list[str],
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: dict[str, Any],
    ) -> list[str]:
        # Where no reminder could arrive, the closing action explains instead of asking.
        if not can_deliver(tracker.get_latest_input_channel()):
            return []
        return await super().required_slots(domain_slots, dispatcher, tracker, domain)

    def read_opening(self, tracker: Tracker) -> dict[str, Any]:
        reading = read_time_of_day(latest_text(tracker))
        return {TIME_SLOT: stored(reading.value)} if reading.value else {}

    def validate_rem_time(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict
    ) -> dict[str, Any]:
        text = str(value or "")
        if _is_stored(text):
            return {TIME_SLOT: text}
        reading = read_time_of_day(text)
        if reading.value is None:
            # "8" - "morning or evening?" - "evening": the two replies make one time.
            together = read_time_of_day(f"{previous_text(tracker)} {text}")
            if together.value is not None:
                return {TIME_SLOT: stored(together.value)}
            dispatcher.utter_message(text=reading.problem)
            return {TIME_SLOT: None}
        return {TIME_SLOT: stored(reading.value)}


def _is_stored(text: str) -> bool:
    try:
        from_stored(text)
    except ValueError:
        return False
    return True


def schedule(tracker: Tracker, at: str) -> ReminderScheduled:
    """The client's next reminder for the time of day `at` ("20:00")."""
    due = next_occurrence(
        from_stored(at), datetime.now(timezone.utc), context.settings().reminder_timezone
    )
    return ReminderScheduled(
        REMINDER_INTENT,
        trigger_date_time=due,
        name=reminder_name(tracker.sender_id),
        kill_on_user_message=False,
    )


def rearm(tracker: Tracker) -> list[EventType]:
    """At the start of a session: the client's reminder again, for its next time.

    Rasa forgets a reminder when the session it was set in ends, and the server
    keeps reminders in memory only, so each new session schedules it anew."""
    at = tracker.get_slot(ACTIVE_SLOT)
    if at and _is_stored(str(at)) and can_deliver(tracker.get_latest_input_channel()):
        return [schedule(tracker, str(at))]
    return []


class ActionSetReminder(FormClosingAction):
    def name(self) -> str:
        return "action_set_reminder"

    async def close(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        at = tracker.get_slot(TIME_SLOT)
        if not can_deliver(tracker.get_latest_input_channel()) or not at:
            dispatcher.utter_message(response="utter_reminder_not_here")
            return [SlotSet(TIME_SLOT, None)]
        zone = context.settings().reminder_timezone
        dispatcher.utter_message(
            response="utter_reminder_set", time=spoken(from_stored(at)), zone=zone
        )
        return [schedule(tracker, at), SlotSet(ACTIVE_SLOT, at), SlotSet(TIME_SLOT, None)]


class ActionCancelReminder(Action):
    def name(self) -> str:
        return "action_cancel_reminder"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        if not tracker.get_slot(ACTIVE_SLOT):
            dispatcher.utter_message(response="utter_no_reminder")
            return []
        dispatcher.utter_message(response="utter_reminder_cancelled")
        return [
            ReminderCancelled(name=reminder_name(tracker.sender_id)),
            SlotSet(ACTIVE_SLOT, None),
        ]


class ActionCheckinReminder(Action):
    """Runs when a reminder is due: the nudge, and the next day's reminder."""

    def name(self) -> str:
        return "action_checkin_reminder"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        at = tracker.get_slot(ACTIVE_SLOT)
        if not at:
            # Stopped since it was scheduled: say nothing.
            return []
        dispatcher.utter_message(response="utter_checkin_reminder")
        return [schedule(tracker, str(at))]
