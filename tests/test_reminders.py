"""Daily check-in reminders: reading the time, when it is due, and the actions."""

from __future__ import annotations

import asyncio
from datetime import datetime, time, timedelta, timezone
from typing import Any

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.reminders import (
    ACTIVE_SLOT,
    TIME_SLOT,
    ActionCancelReminder,
    ActionCheckinReminder,
    ActionSetReminder,
    ValidateReminderForm,
)
from actions.session import ActionSessionStart
from bot.journal.reminders import (
    REMINDER_INTENT,
    next_occurrence,
    read_time_of_day,
    reminder_name,
    spoken,
)

FORM = "reminder_form"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("remind me to check in every day at 8pm", time(20, 0)),
        ("7:30 am", time(7, 30)),
        ("20:00", time(20, 0)),
        ("08:30", time(8, 30)),
        ("at 9 in the evening", time(21, 0)),
        ("7 in the morning", time(7, 0)),
        ("remind me at 6.45pm please", time(18, 45)),
        ("10 o'clock at night", time(22, 0)),
        ("noon", time(12, 0)),
        ("i have 2 kids, remind me at 9pm", time(21, 0)),
    ],
)
def test_a_time_of_day_is_read(text: str, expected: time) -> None:
    assert read_time_of_day(text).value == expected


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("remind me at 8", "morning or in the evening"),
        ("9:15", "morning or in the evening"),
        ("remind me in 2 hours", "time of day, every day"),
        ("remind me to check in", "At what time"),
        ("25:00", "not a time of day"),
        ("13pm", "not a time of day"),
    ],
)
def test_an_unclear_time_gets_a_question_back(text: str, problem: str) -> None:
    reading = read_time_of_day(text)
    assert reading.value is None and problem in (reading.problem or "")


def test_each_client_has_a_reminder_of_its_own_and_no_id_in_clear() -> None:
    assert reminder_name("+15551234567") != reminder_name("+15557654321")
    assert "5551234567" not in reminder_name("+15551234567")


def test_the_next_reminder_is_the_next_time_that_clock_shows() -> None:
    evening = datetime(2026, 11, 23, 19, 59, tzinfo=timezone.utc)
    assert next_occurrence(time(20, 0), evening, "UTC") == evening + timedelta(minutes=1)
    # Exactly at the time (the reminder that is firing): the next one is tomorrow.
    due = datetime(2026, 11, 23, 20, 0, tzinfo=timezone.utc)
    assert next_occurrence(time(20, 0), due, "UTC") == due + timedelta(days=1)
    # 8am in New York, asked at 20:00 UTC (15:00 there): 13:00 UTC the next day.
    new_york = next_occurrence(time(8, 0), due, "America/New_York")
    assert new_york.astimezone(timezone.utc) == datetime(2026, 11, 24, 13, 0, tzinfo=timezone.utc)
    # London moves to summer time overnight: still 8pm on the clock, 19:00 UTC.
    spring = next_occurrence(
        time(20, 0), datetime(2026, 3, 28, 20, 30, tzinfo=timezone.utc), "Europe/London"
    )
    assert spring.astimezone(timezone.utc) == datetime(2026, 3, 29, 19, 0, tzinfo=timezone.utc)
    assert spoken(time(20, 0)) == "8pm" and spoken(time(7, 30)) == "7:30am"


def _tracker(text: str, channel: str, slots: dict[str, Any] | None = None) -> Tracker:
    return Tracker(
        sender_id="client-7",
        slots={TIME_SLOT: None, ACTIVE_SLOT: None, "requested_slot": None, **(slots or {})},
        latest_message={"text": text, "intent": {"name": "set_reminder"}, "entities": []},
        events=[
            {"event": "action", "name": "action_listen"},
            {"event": "user", "text": text, "input_channel": channel},
            # What the form's from_text mapping extracted from this message, if anything.
            *[{"event": "slot", "name": k, "value": v} for k, v in (slots or {}).items()],
        ],
        paused=False,
        followup_action=None,
        active_loop={"name": FORM},
        latest_action_name="action_listen",
    )


def _run(action: Any, tracker: Tracker) -> tuple[list[dict], list[dict]]:
    dispatcher = CollectingDispatcher()
    domain = {"forms": {FORM: {"required_slots": [TIME_SLOT]}}}
    return asyncio.run(action.run(dispatcher, tracker, domain)), dispatcher.messages


def _slots(events: list[dict]) -> dict[str, Any]:
    return {e["name"]: e["value"] for e in events if e["event"] == "slot"}


def test_the_opening_message_can_set_the_time(settings: Any) -> None:
    events, said = _run(ValidateReminderForm(), _tracker("remind me at 8pm", "telegram"))
    assert _slots(events)[TIME_SLOT] == "20:00" and not said


def test_an_unclear_answer_is_asked_again(settings: Any) -> None:
    tracker = _tracker("8", "telegram", {"requested_slot": TIME_SLOT, TIME_SLOT: "8"})
    events, said = _run(ValidateReminderForm(), tracker)
    assert _slots(events)[TIME_SLOT] is None
    assert "8am or 8pm" in said[0]["text"]


def test_morning_or_evening_completes_the_hour_given_just_before(settings: Any) -> None:
    tracker = _tracker("evening", "telegram", {"requested_slot": TIME_SLOT, TIME_SLOT: "evening"})
    # "remind me at 8" - "Is that 8 in the morning or in the evening?" - "evening".
    tracker.events.insert(1, {"event": "user", "text": "remind me at 8", "input_channel": "x"})
    events, said = _run(ValidateReminderForm(), tracker)
    assert _slots(events)[TIME_SLOT] == "20:00" and not said


def test_where_the_channel_cannot_deliver_nothing_is_asked_or_scheduled(settings: Any) -> None:
    tracker = _tracker("remind me at 8pm", "rest")
    events, _ = _run(ValidateReminderForm(), tracker)
    assert _slots(events).get("requested_slot") is None
    events, said = _run(
        ActionSetReminder(), _tracker("remind me at 8pm", "rest", {TIME_SLOT: "20:00"})
    )
    assert said[0]["response"] == "utter_reminder_not_here"
    assert not [e for e in events if e["event"] == "reminder"]
    assert _slots(events) == {TIME_SLOT: None}


def test_a_reminder_is_scheduled_daily_and_kept_in_a_slot(settings: Any) -> None:
    events, said = _run(ActionSetReminder(), _tracker("8pm", "telegram", {TIME_SLOT: "20:00"}))
    [reminder] = [e for e in events if e["event"] == "reminder"]
    assert reminder["name"] == reminder_name("client-7") and reminder["intent"] == REMINDER_INTENT
    assert reminder["kill_on_user_msg"] is False
    due = datetime.fromisoformat(reminder["date_time"])
    assert due.astimezone(timezone.utc).time() == time(20, 0)  # settings: UTC
    assert timedelta(0) < due - datetime.now(timezone.utc) <= timedelta(days=1)
    assert _slots(events) == {ACTIVE_SLOT: "20:00", TIME_SLOT: None}
    assert said[0]["response"] == "utter_reminder_set" and said[0]["time"] == "8pm"


def test_stopping_reminders(settings: Any) -> None:
    events, said = _run(
        ActionCancelReminder(), _tracker("stop", "telegram", {ACTIVE_SLOT: "20:00"})
    )
    assert [e["event"] for e in events] == ["cancel_reminder", "slot"]
    assert events[0]["name"] == reminder_name("client-7") and _slots(events) == {ACTIVE_SLOT: None}
    events, said = _run(ActionCancelReminder(), _tracker("stop", "telegram"))
    assert events == [] and said[0]["response"] == "utter_no_reminder"


def test_a_due_reminder_nudges_and_schedules_the_next_day(settings: Any) -> None:
    events, said = _run(ActionCheckinReminder(), _tracker("", "telegram", {ACTIVE_SLOT: "07:30"}))
    assert said[0]["response"] == "utter_checkin_reminder"
    [reminder] = events
    assert datetime.fromisoformat(reminder["date_time"]).time() == time(7, 30)
    # Stopped in the meantime: silence.
    assert _run(ActionCheckinReminder(), _tracker("", "telegram")) == ([], [])


def test_a_new_session_re_arms_the_reminder_after_it_starts(settings: Any) -> None:
    events, _ = _run(ActionSessionStart(), _tracker("hi", "telegram", {ACTIVE_SLOT: "20:00"}))
    kinds = [e["event"] for e in events]
    assert "reminder" in kinds and kinds.index("session_started") < kinds.index("reminder")
    events, _ = _run(ActionSessionStart(), _tracker("hi", "rest", {ACTIVE_SLOT: "20:00"}))
    assert "reminder" not in [e["event"] for e in events]
