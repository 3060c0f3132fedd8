"""A mood rating from 0 to 10, however it is typed."""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.journal.numbers import WORDS, to_int

_NUMBER = r"(\d{1,2}(?:[.,]\d)?|" + "|".join(w for w in WORDS if w not in ("a", "an", "none")) + ")"
_RATED = re.compile(rf"\b{_NUMBER}\s*(?:/|out of|outta|of)\s*10\b", re.IGNORECASE)
_ALONE = re.compile(
    rf"^\W*(?:about|around|maybe|like|a|an|my mood is|mood|i'?d say|its|it's)?\s*{_NUMBER}\W*$",
    re.IGNORECASE,
)
_MOOD_IS = re.compile(rf"\bmood\b\D{{0,12}}?\b{_NUMBER}\b", re.IGNORECASE)
_ANY_NUMBER = re.compile(rf"\b{_NUMBER}\b", re.IGNORECASE)
# A short hedged answer ("idk like a 4 maybe", "prob a 3 tbh") is still one number.
_HEDGED_WORDS = 8
# "no one", "that one": a word for a thing, not a number.
_NOT_A_RATING = re.compile(r"\b(?:no|any|some|every|that|this|the|which|each)\s+$", re.I)


def _hedged(text: str) -> re.Match[str] | None:
    """The one number in a short answer; none when there are two ("4 or 5")."""
    if len(text.split()) > _HEDGED_WORDS:
        return None
    numbers = [
        found
        for found in _ANY_NUMBER.finditer(text)
        if not _NOT_A_RATING.search(text[: found.start()])
    ]
    return numbers[0] if len(numbers) == 1 else None


@dataclass(frozen=True)
class MoodReading:
    value: int | None
    # Why there is no value, in words fit for the client; None when there is one.
    problem: str | None = None


def read_mood(text: str, whole_answer: bool = True) -> MoodReading:
    """`whole_answer`: the text answers "how is your mood?", so a bare number counts.

    Inside a longer message only an explicit rating ("3/10", "mood 3") counts,
    so "I saw my 2 kids" is never read as a mood of 2.
    """
    found = _RATED.search(text) or _MOOD_IS.search(text)
    if found is None and whole_answer:
        found = _ALONE.match(text) or _hedged(text)
    if found is None:
        return MoodReading(
            None,
            "I need a number for that: 0 is the worst you can feel and 10 the best. "
            "What number would you give it?",
        )
    raw = found.group(1).replace(",", ".")
    if raw.lower() in WORDS:
        value = to_int(raw)
    elif "." in raw:
        return MoodReading(None, "Please give a whole number from 0 to 10.")
    else:
        value = int(raw)
    if value is None or not 0 <= value <= 10:
        return MoodReading(
            None, f"The scale goes from 0 to 10, so {raw} is off it. What number fits?"
        )
    return MoodReading(value)
