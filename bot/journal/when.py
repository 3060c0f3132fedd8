"""When something happened, read from words ("yesterday", "last Tuesday evening",
"3 days ago", "12 March", "2026-11-20") into a calendar date, never in the future."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta
from difflib import get_close_matches

from bot.journal.numbers import PATTERN as NUMBER
from bot.journal.numbers import to_int

WEEKDAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
MONTHS = {
    name: number
    for number, names in enumerate(
        [
            ("january", "jan"), ("february", "feb"), ("march", "mar"), ("april", "apr"),
            ("may",), ("june", "jun"), ("july", "jul"), ("august", "aug"),
            ("september", "sep", "sept"), ("october", "oct"), ("november", "nov"),
            ("december", "dec"),
        ],
        start=1,
    )
    for name in names
}  # fmt: skip
# Whole names only (and "tues", "thurs", "weds"): "sat", "wed" and "sun" are words too.
_DAY = r"(?:(?:mon|tues|wednes|thurs|fri|satur|sun)day|tues|thurs|weds)"
_MONTH = "|".join(sorted(MONTHS, key=len, reverse=True))
_ORDINAL = r"(\d{1,2})(?:st|nd|rd|th)?"
_RULES: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"\b(\d{4})-(\d{1,2})-(\d{1,2})\b"), "iso"),
    (re.compile(rf"\b{_ORDINAL}(?:\s+of)?\s+({_MONTH})\.?(?:\s+(\d{{4}}))?\b"), "day_month"),
    (re.compile(rf"\b({_MONTH})\.?\s+{_ORDINAL}(?:,?\s+(\d{{4}}))?\b"), "month_day"),
    (re.compile(r"\b(?:the\s+)?day\s+before\s+yesterday\b"), "before_yesterday"),
    (re.compile(r"\b(?:yesterday|yday|yest|last\s+night)\b"), "yesterday"),
    (re.compile(
        r"\b(?:today|tonight|this\s+(?:morning|afternoon|evening)|earlier|just\s+now"
        r"|an?\s+hour\s+ago|(?:a\s+few|\d+)\s+hours\s+ago)\b"
    ), "today"),
    (re.compile(rf"\b({NUMBER})\s+(day|week)s?\s+ago\b"), "ago"),
    (re.compile(r"\ba\s+couple\s+(?:of\s+)?days\s+ago\b"), "couple_days"),
    (re.compile(r"\blast\s+week\b"), "last_week"),
    (re.compile(r"\b(?:tomorrow|tmrw|next\s+(?:week|month|year))\b"), "future"),
    (re.compile(rf"\b(last|on|this\s+past|past)?\s*({_DAY})\b"), "weekday"),
]  # fmt: skip


@dataclass(frozen=True)
class WhenReading:
    day: date | None
    problem: str | None = None


ASK_AGAIN = (
    'I didn\'t catch the day. You can say "today", "yesterday", "last Tuesday", '
    '"3 days ago" or a date like "12 March".'
)


# Words that end like a weekday and are not one, so never "corrected" into one.
_DAY_WORDS = frozenset(
    {"today", "someday", "birthday", "holiday", "everyday", "payday", "midday", "weekday",
     "doomsday", "workday", "heyday", "mayday", "sunday", "monday", "friday"}
)  # fmt: skip


def _spelled(lowered: str) -> str:
    """Misspelt day words put right ("last wensday", "yesterdy"), as a person
    reading the message would; only words close to one of them are touched."""
    words = re.findall(r"[a-z]+|[^a-z]+", lowered)
    for i, word in enumerate(words):
        if len(word) < 5 or word in _DAY_WORDS or word in WEEKDAYS:
            continue
        choices = (
            [*WEEKDAYS, "yesterday"]
            if word.endswith(("day", "dy", "dai")) or (word.startswith("yest"))
            else []
        )
        close = get_close_matches(word, choices, n=1, cutoff=0.75)
        if close:
            words[i] = close[0]
    return "".join(words)


def read_when(text: str, today: date) -> WhenReading:
    lowered = _spelled(text.lower().replace("\u2019", "'"))
    for pattern, kind in _RULES:
        found = pattern.search(lowered)
        if found is None:
            continue
        try:
            day = _resolve(kind, found, today)
        except ValueError:
            return WhenReading(
                None, f"{found.group(0)!r} is not a date on the calendar. {ASK_AGAIN}"
            )
        if day is None:
            continue
        if day > today:
            return WhenReading(
                None,
                "That sounds like a day that hasn't come yet. I can only log what has "
                "already happened: when was it?",
            )
        return WhenReading(day)
    return WhenReading(None, ASK_AGAIN)


def _resolve(kind: str, found: re.Match[str], today: date) -> date | None:
    if kind == "iso":
        return date(int(found[1]), int(found[2]), int(found[3]))
    if kind in ("day_month", "month_day"):
        day_text, month_text = (found[1], found[2]) if kind == "day_month" else (found[2], found[1])
        year = found[3]
        month = MONTHS[month_text]
        if year:
            return date(int(year), month, int(day_text))
        # No year: the latest such day that is not in the future.
        candidate = date(today.year, month, int(day_text))
        return candidate if candidate <= today else date(today.year - 1, month, int(day_text))
    if kind == "before_yesterday":
        return today - timedelta(days=2)
    if kind == "yesterday":
        return today - timedelta(days=1)
    if kind == "today":
        return today
    if kind == "couple_days":
        return today - timedelta(days=2)
    if kind == "last_week":
        return today - timedelta(days=7)
    if kind == "ago":
        amount = to_int(found[1])
        if amount is None:
            return None
        return today - timedelta(days=amount * (7 if found[2] == "week" else 1))
    if kind == "future":
        return today + timedelta(days=1)
    if kind == "weekday":
        target = next(i for i, name in enumerate(WEEKDAYS) if name.startswith(found[2][:3]))
        back = (today.weekday() - target) % 7
        # "last Tuesday" said on a Tuesday means a week ago; "Tuesday" means today.
        if back == 0 and found[1] and found[1] != "on":
            back = 7
        return today - timedelta(days=back)
    raise AssertionError(kind)
