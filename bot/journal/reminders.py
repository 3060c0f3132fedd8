"""Daily check-in reminders: reading a time of day, and when the next one is due.

A reminder is a Rasa reminder (a `ReminderScheduled` event) that the Rasa server
fires at the time of day the client chose, in the clinic's time zone
(REMINDER_TIMEZONE). Rasa's reminders fire once, so each one schedules the next.
Only channels that can write to a client first can deliver one: over the REST
channel the reply goes back to a request that has long ended.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

REMINDER_INTENT = "EXTERNAL_checkin_reminder"
# Rasa's connectors that send messages on their own (not as the answer to a request).
DELIVERING_CHANNELS = frozenset(
    {"socketio", "telegram", "slack", "twilio", "callback", "facebook", "botframework"}
)

ASK_AGAIN = "At what time of day? For example 8pm, 7:30 am or 20:00."
_NAMED = {"noon": time(12, 0), "midday": time(12, 0), "midnight": time(0, 0)}
_CLOCK = re.compile(
    r"(?<![\d:.])(?P<hour>\d{1,2})(?:\s*[:.h]\s*(?P<minute>\d{2}))?\s*"
    r"(?P<half>a\.?\s?m\b\.?|p\.?\s?m\b\.?|o'?clock\b)?",
    re.IGNORECASE,
)
_MORNING = re.compile(r"\b(morning|am)\b", re.IGNORECASE)
_LATER = re.compile(r"\b(afternoon|evening|night|tonight)\b", re.IGNORECASE)
_RELATIVE = re.compile(r"\bin\s+(an?|\d+)\s*(min|minute|minutes|hour|hours|hrs?)\b", re.I)


@dataclass(frozen=True)
class TimeReading:
    """A time of day, or why none could be read (to say to the client)."""

    value: time | None = None
    problem: str | None = None


def read_time_of_day(text: str) -> TimeReading:
    """Reads "8pm", "7:30 am", "20:00", "9 in the evening", "noon" from a message."""
    if _RELATIVE.search(text):
        return TimeReading(
            problem="I can remind you at a time of day, every day, rather than in a while. "
            + ASK_AGAIN
        )
    lowered = text.lower()
    for word, at in _NAMED.items():
        if re.search(rf"\b{word}\b", lowered):
            return TimeReading(at)
    match = next(
        (m for m in _CLOCK.finditer(text) if m.group("minute") or m.group("half") or _hourish(m)),
        None,
    ) or _only_number(text)
    if match is None:
        return TimeReading(problem=ASK_AGAIN)
    hour, minute = int(match.group("hour")), int(match.group("minute") or 0)
    half = (match.group("half") or "").lower().replace(".", "").replace(" ", "")
    if hour > 23 or minute > 59 or (half in ("am", "pm") and not 1 <= hour <= 12):
        return TimeReading(problem=f"{match.group(0).strip()} is not a time of day. {ASK_AGAIN}")
    if half == "am":
        return TimeReading(time(hour % 12, minute))
    if half == "pm":
        return TimeReading(time(hour % 12 + 12, minute))
    if hour == 0 or hour >= 13 or match.group("hour").startswith("0"):
        return TimeReading(time(hour, minute))
    if _LATER.search(text):
        return TimeReading(time(hour % 12 + 12, minute))
    if _MORNING.search(text):
        return TimeReading(time(hour % 12, minute))
    shown = f"{hour}:{minute:02d}" if match.group("minute") else str(hour)
    return TimeReading(
        problem=f"Is that {shown} in the morning or in the evening? Say for example "
        f"{shown}am or {shown}pm."
    )


def _hourish(match: re.Match[str]) -> bool:
    """A bare number counts as an hour only right after "at" ("remind me at 8") or
    before a part of the day ("7 in the morning")."""
    before, after = match.string[: match.start()], match.string[match.end() :]
    return bool(
        re.search(r"\bat\s*$", before, re.IGNORECASE)
        or re.match(r"\s*(in the (morning|afternoon|evening)|at night|tonight)", after, re.I)
    )


def _only_number(text: str) -> re.Match[str] | None:
    """The answer to "at what time?" may be a number alone ("8", "20")."""
    return _CLOCK.fullmatch(text.strip().rstrip(".!"))


def next_occurrence(at: time, now: datetime, zone: str) -> datetime:
    """The first moment after `now` when the clock in `zone` shows `at`."""
    local_now = now.astimezone(ZoneInfo(zone))
    due = datetime.combine(local_now.date(), at, tzinfo=local_now.tzinfo)
    # Aware datetimes add days on the wall clock: still `at` tomorrow across a DST change.
    return due if due > local_now else due + timedelta(days=1)


def stored(at: time) -> str:
    """The time as kept in a slot: "20:00"."""
    return at.strftime("%H:%M")


def from_stored(value: str) -> time:
    return datetime.strptime(value, "%H:%M").time()


def spoken(at: time) -> str:
    """The time as the assistant says it: "8pm", "7:30am", "noon"."""
    if at == time(12, 0):
        return "noon"
    if at == time(0, 0):
        return "midnight"
    hour = at.hour % 12 or 12
    minutes = f":{at.minute:02d}" if at.minute else ""
    return f"{hour}{minutes}{'am' if at.hour < 12 else 'pm'}"


def reminder_name(sender_id: str) -> str:
    """The reminder's name, one per client: Rasa's scheduler keys jobs by name alone,
    so a shared name would let each client's reminder replace everyone else's. A
    digest, because the sender id can be a phone number or a chat id."""
    return "checkin_reminder_" + hashlib.sha256(sender_id.encode()).hexdigest()[:16]


def can_deliver(channel: str | None) -> bool:
    return (channel or "") in DELIVERING_CHANNELS
