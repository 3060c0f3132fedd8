"""The graded crisis response: what is said when the assistant is not sure.

A message that may be a crisis but is not clearly one (bot/nlp/crisis_component.py)
gets a direct question for its category with the lines under it
(`utter_risk_check_<category>`), instead of either the full crisis turn or
nothing. The client's answer is read here (`read_answer`), and the turn that
follows is fixed in bot/policies/crisis_policy.py. The wording is data, in the
`check` and `not_safe` sections of content/crisis/replies.yml; like the crisis
replies, these become plain domain responses, so they go out even when the
action server is down.

Two readings are no risk to the client but still carry a line:
  - someone else's risk ("my friend says she wants to die", intent
    `risk_someone_else`): how to help, with the category's lines
    (`utter_someone_else_<category>`), and no question about the client's safety;
  - a question about a crisis topic ("does IPT help with bulimia?"): the answer,
    then one line with the category's first service (`utter_topic_line_<category>`,
    sent by the answering action).
"""

from __future__ import annotations

import re
from typing import Any, Literal

from bot.crisis import CATEGORIES
from bot.crisis.lines import CrisisLinesError, Locale

# The intent the NLU gives an uncertain message; its category is in the parse
# data under "crisis". The buttons under the question send the two answers.
CHECK_INTENT = "risk_check"
CONFIRMED_INTENT = "risk_confirmed"
DENIED_INTENT = "risk_denied"
SOMEONE_ELSE_INTENT = "risk_someone_else"
GRADED_INTENTS = (CHECK_INTENT, CONFIRMED_INTENT, DENIED_INTENT, SOMEONE_ELSE_INTENT)
CHECK_PREFIX = "utter_risk_check_"
SOMEONE_ELSE_PREFIX = "utter_someone_else_"
TOPIC_LINE_PREFIX = "utter_topic_line_"
DENIED_RESPONSE = "utter_risk_denied"
UNCLEAR_RESPONSE = "utter_risk_unclear"
NOT_SAFE_RESPONSE = "utter_not_safe"

Answer = Literal["yes", "no"]
_WORDS = re.compile(r"[a-z']+")


def check_response(category: str) -> str:
    return CHECK_PREFIX + category


def someone_else_response(category: str) -> str:
    return SOMEONE_ELSE_PREFIX + category


def topic_line_response(category: str) -> str:
    return TOPIC_LINE_PREFIX + category


def is_graded_response(name: str) -> bool:
    """Whether a response is one of this module's, sent by the crisis policy or the
    answering action rather than by a rule or story."""
    return name.startswith((CHECK_PREFIX, SOMEONE_ELSE_PREFIX, TOPIC_LINE_PREFIX)) or name in (
        DENIED_RESPONSE,
        UNCLEAR_RESPONSE,
    )


def _category_after(prefix: str, action: str | None) -> str | None:
    if not action or not action.startswith(prefix):
        return None
    category = action[len(prefix) :]
    return category if category in CATEGORIES else None


def category_of_check(action: str | None) -> str | None:
    """The category an `utter_risk_check_<category>` asks about, else None."""
    return _category_after(CHECK_PREFIX, action)


def category_of_someone_else(action: str | None) -> str | None:
    """The category of another person's risk an `utter_someone_else_<category>`
    answers, else None."""
    return _category_after(SOMEONE_ELSE_PREFIX, action)


def _words(text: str) -> tuple[str, ...]:
    return tuple(_WORDS.findall(text.lower().replace("\u2019", "'")))


def validate_check(wording: dict[str, Any], where: str) -> None:
    """Refuses a `check` or `not_safe` section that would leave a case unsaid."""
    check = wording.get("check")
    if not isinstance(check, dict):
        raise CrisisLinesError(f"{where}: the 'check' section is missing")
    questions = check.get("questions") or {}
    missing = [c for c in CATEGORIES if not str(questions.get(c) or "").strip()]
    if missing:
        raise CrisisLinesError(f"{where}: check questions missing for {missing}")
    for key in ("lines_lead", "denied", "unclear"):
        if not str(check.get(key) or "").strip():
            raise CrisisLinesError(f"{where}: check '{key}' is missing")
    buttons = check.get("buttons") or {}
    if any(not str(buttons.get(key) or "").strip() for key in ("yes", "no", "help")):
        raise CrisisLinesError(f"{where}: check buttons need 'yes', 'no' and 'help'")
    answers = check.get("answers") or {}
    phrases: dict[str, set[tuple[str, ...]]] = {}
    for key in ("yes", "no"):
        items = answers.get(key)
        if not isinstance(items, list) or not items:
            raise CrisisLinesError(f"{where}: check answers need a '{key}' list")
        phrases[key] = {_words(str(item)) for item in items}
        if () in phrases[key]:
            raise CrisisLinesError(f"{where}: an empty phrase in check answers '{key}'")
    both = phrases["yes"] & phrases["no"]
    if both:
        raise CrisisLinesError(f"{where}: {sorted(' '.join(p) for p in both)} is both yes and no")
    not_safe = wording.get("not_safe")
    if not isinstance(not_safe, dict) or "{number}" not in str(not_safe.get("lead") or ""):
        raise CrisisLinesError(f"{where}: 'not_safe' needs a 'lead' with {{number}}")
    if not str(not_safe.get("next") or "").strip():
        raise CrisisLinesError(f"{where}: 'not_safe' needs 'next'")
    if any(not str((not_safe.get("buttons") or {}).get(k) or "").strip() for k in ("plan", "help")):
        raise CrisisLinesError(f"{where}: 'not_safe' buttons need 'plan' and 'help'")
    someone = wording.get("someone_else")
    if not isinstance(someone, dict):
        raise CrisisLinesError(f"{where}: the 'someone_else' section is missing")
    for key in ("lead", "care"):
        if not str(someone.get(key) or "").strip():
            raise CrisisLinesError(f"{where}: someone_else '{key}' is missing")
    help_for = someone.get("help") or {}
    missing = [c for c in CATEGORIES if not str(help_for.get(c) or "").strip()]
    if missing:
        raise CrisisLinesError(f"{where}: someone_else help missing for {missing}")
    first = someone.get("emergency_first") or []
    if not isinstance(first, list) or set(first) - set(CATEGORIES):
        raise CrisisLinesError(f"{where}: someone_else emergency_first must list categories")
    if "{number}" not in str(someone.get("emergency") or ""):
        raise CrisisLinesError(f"{where}: someone_else 'emergency' needs {{number}}")
    topic = wording.get("topic_line")
    if not isinstance(topic, dict) or "{service}" not in str(topic.get("text") or ""):
        raise CrisisLinesError(f"{where}: 'topic_line' needs a 'text' with {{service}}")
    words = topic.get("words")
    if not isinstance(words, dict) or set(words) - set(CATEGORIES):
        raise CrisisLinesError(f"{where}: topic_line 'words' must be lists under categories")
    if any(not isinstance(v, list) or not all(_words(str(w)) for w in v) for v in words.values()):
        raise CrisisLinesError(f"{where}: topic_line 'words' must be non-empty words or phrases")


class AnswerReader:
    """Reads a typed answer to the check question as yes, no, or neither.

    The answer counts when the message starts with one of the listed phrases,
    the longest first ("no, just a bad day" is no; "i'm not sure" is yes).
    """

    def __init__(self, answers: dict[str, list[str]]) -> None:
        self._phrases = sorted(
            ((_words(str(item)), key) for key in ("yes", "no") for item in answers[key]),
            key=lambda pair: -len(pair[0]),
        )

    def read(self, text: str) -> Answer | None:
        words = _words(text)
        for phrase, key in self._phrases:
            if words[: len(phrase)] == phrase:
                return key  # type: ignore[return-value]
        return None


class TopicWords:
    """Which crisis topic a question names, if any ("does IPT help with bulimia?")."""

    def __init__(self, words: dict[str, list[str]]) -> None:
        self._phrases = sorted(
            ((_words(str(item)), category) for category, items in words.items() for item in items),
            key=lambda pair: -len(pair[0]),
        )

    def named(self, text: str) -> str | None:
        """The category of the longest topic phrase in `text`, else None."""
        words = _words(text)
        for phrase, category in self._phrases:
            size = len(phrase)
            if any(words[i : i + size] == phrase for i in range(len(words) - size + 1)):
                return category
        return None


def graded_responses(
    locale: Locale, wording: dict[str, Any], emergency_sentence: str, oncall_line: str | None
) -> dict[str, list[dict[str, Any]]]:
    """Domain responses for the check questions, the two follow-ups and "not safe".
    `oncall_line` is the clinic's own line, listed after the services when set."""

    def _lines(category: str) -> list[str]:
        lines = [f"• {service.line()}" for service in locale.services_for(category)]
        return [*lines, f"• {oncall_line}"] if oncall_line else lines

    check = wording["check"]
    buttons = check["buttons"]
    check_buttons = [
        {"title": buttons["yes"], "payload": f"/{CONFIRMED_INTENT}"},
        {"title": buttons["no"], "payload": f"/{DENIED_INTENT}"},
        {"title": buttons["help"], "payload": "/crisis_help"},
    ]
    responses: dict[str, list[dict[str, Any]]] = {}
    for category in CATEGORIES:
        text = "\n".join(
            [
                " ".join(check["questions"][category].split()),
                check["lines_lead"].strip(),
                *_lines(category),
                emergency_sentence,
            ]
        )
        responses[check_response(category)] = [{"text": text, "buttons": check_buttons}]
    someone = wording["someone_else"]
    emergency_now = someone["emergency"].format(number=locale.emergency)
    for category in CATEGORIES:
        first = category in someone["emergency_first"]
        parts = [
            *([emergency_now] if first else []),
            " ".join(someone["lead"].split()),
            " ".join(someone["help"][category].split()),
            *_lines(category),
            *([] if first else [emergency_sentence]),
            " ".join(someone["care"].split()),
            " ".join(wording["disclosure"].split()),
        ]
        responses[someone_else_response(category)] = [
            {"text": "\n".join(parts), "buttons": [check_buttons[2]]}
        ]
        [service, *_] = locale.services_for(category)
        responses[topic_line_response(category)] = [
            {"text": wording["topic_line"]["text"].format(service=service.line())}
        ]
    responses[DENIED_RESPONSE] = [{"text": " ".join(check["denied"].split())}]
    responses[UNCLEAR_RESPONSE] = [{"text": " ".join(check["unclear"].split())}]
    not_safe = wording["not_safe"]
    responses[NOT_SAFE_RESPONSE] = [
        {
            "text": "\n".join(
                [
                    not_safe["lead"].format(number=locale.emergency),
                    *_lines("immediate_danger"),
                    " ".join(not_safe["next"].split()),
                ]
            ),
            "buttons": [
                {"title": not_safe["buttons"]["plan"], "payload": "/safety_plan"},
                {"title": not_safe["buttons"]["help"], "payload": "/crisis_help"},
            ],
        }
    ]
    return responses
