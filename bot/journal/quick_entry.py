"""Reading several answers out of one message.

A client in a hurry writes "my mom yelled at me at dinner yesterday, I felt small,
3/10". Whatever can be read with confidence fills its question so it is not asked
again; what is unclear is simply asked. Nothing here guesses: a mood counts only
when it is written as a rating, a person only when named as one.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any

from bot.journal.answer_gate import without_command
from bot.journal.mood import read_mood
from bot.journal.when import read_when

_POSSESSIVE = re.compile(r"\b(my|our|his|her|their)\s+(?:\w+\s+)?$", re.IGNORECASE)
_NAMED = re.compile(
    r"\b([A-Z][a-z]+)\s+(from|at|in)\s+(work|school|college|uni|church|the office|"
    r"the gym|next door|upstairs|downstairs|my class|my team)\b"
)
_NAME_AFTER = re.compile(r",?\s*(?:called\s+|named\s+)?[A-Z][a-z]+(?:\s+[A-Z][a-z]+)?\b")
_FELT = re.compile(
    r"\b(?:i\s+)?(?:felt|feel|feeling|was feeling|am feeling|i'm feeling|made me feel)\s+"
    r"((?:so\s+|really\s+|very\s+|kind of\s+|a bit\s+)?[a-z]+(?:(?:,\s*|\s+and\s+)[a-z]+)*)",
    re.IGNORECASE,
)
# Words that start a request to log rather than an account of what happened.
_REQUEST = re.compile(
    r"^\W*(?:i\s+(?:want|would like|need)\s+to\s+|can\s+i\s+|let\s+me\s+|please\s+)?"
    r"(?:log|record|write down|note|save|add)\b[^,.!?]*?"
    r"(?:incident|something|what happened|an? entry|a thing)?\W*$",
    re.IGNORECASE,
)


def who_from(text: str, entities: Iterable[Mapping[str, Any]]) -> str | None:
    for entity in entities:
        if entity.get("entity") != "relationship" or entity.get("start") is None:
            continue
        start, end = int(entity["start"]), int(entity["end"])
        before = _POSSESSIVE.search(text[:start])
        if before:
            start = before.start()
        # "my boss, Karen" / "my boss Karen": the name belongs to the person too.
        named_after = _NAME_AFTER.match(text[end:])
        if named_after:
            end += named_after.end()
        return text[start:end].strip()
    named = _NAMED.search(text)
    return named.group(0) if named else None


def read_incident(text: str, entities: Iterable[Mapping[str, Any]], today: date) -> dict[str, Any]:
    """Answers found in an incident told in one message, by field name."""
    if _REQUEST.match(text):
        # "can I log something that happened with my mum": the request names the person.
        who = who_from(text, entities)
        return {"who": who} if who else {}
    if len(text.split()) < 4:
        return {}
    found: dict[str, Any] = {}
    who = who_from(text, entities)
    if who:
        found["who"] = who
    when = read_when(text, today)
    if when.day is not None:
        found["occurred_on"] = when.day
    mood = read_mood(text, whole_answer=False)
    if mood.value is not None:
        found["mood"] = mood.value
    felt = _FELT.search(text)
    if felt:
        found["feelings"] = felt.group(1)
    if found:
        # Told as a story: the message itself is the account of what happened.
        found["what_happened"] = without_command(text)
    return found


_PLACE = re.compile(
    r"^\W*(?:at|in|on|outside|inside|near|by|over|round|around)\b|"
    r"\b(?:house|place|flat|apartment|home|kitchen|bedroom|living room|car|office|work|school|"
    r"restaurant|cafe|café|pub|bar|park|shop|supermarket|party|on the phone|over text|"
    r"whatsapp|zoom)\b",
    re.IGNORECASE,
)
PLACE_WORDS = 6
_TIME_WORDS = frozenset(
    {"yesterday", "today", "tonight", "last", "this", "morning", "afternoon", "evening",
     "night", "weekend", "week", "ago", "earlier", "moment", "time", "lunchtime", "dinnertime",
     *("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")}
)  # fmt: skip
_DETERMINERS = frozenset({"the", "my", "his", "her", "their", "our", "a", "at", "in", "on"})
_PLACE_PHRASE = re.compile(
    r"\b(?:at|in|on|outside|near|over at|round at)\s+(?:the\s+|my\s+|his\s+|her\s+|their\s+|"
    r"our\s+|a\s+)?[\w'\u2019]+(?:\s+(?!and\b|but\b|when\b)[\w'\u2019]+){0,2}",
    re.IGNORECASE,
)


def looks_like_place(text: str) -> bool:
    """A short reply that names a place ("his house, in the kitchen")."""
    return len(text.split()) <= PLACE_WORDS and bool(_PLACE.search(text))


def read_checkin(text: str) -> dict[str, Any]:
    """A mood check-in told at once: "feeling 6/10 today, tired but ok"."""
    found: dict[str, Any] = {}
    mood = read_mood(text, whole_answer=False)
    if mood.value is not None:
        found["mood"] = mood.value
        felt = _FELT.search(text)
        if felt and not re.search(r"\d", felt.group(1)):
            found["feelings"] = felt.group(1)
    return found


def place_in(text: str, today: date) -> str | None:
    """A place said beside the day ("last night at hers", "yesterday at work"),
    without the day's words; "in the morning" and "on Tuesday" are not places."""
    for found in _PLACE_PHRASE.finditer(text):
        kept: list[str] = []
        for word in found.group(0).split():
            if word.lower().strip(",.") in _TIME_WORDS:
                break
            kept.append(word)
        if len(kept) >= 2 and kept[-1].lower() not in _DETERMINERS:
            phrase = " ".join(kept).strip(",. ")
            if read_when(phrase, today).day is None:
                return phrase
    return None
