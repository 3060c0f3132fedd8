"""Words the crisis replies from content/crisis/replies.yml and the locale's lines.

The replies become ordinary domain responses (`utter_crisis_<category>`) at
training time (bot/domain_build.py), so the Rasa server sends them by itself:
no action server or database is involved in getting the lines to the client.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from bot.crisis import CATEGORIES, HELP, reply_for
from bot.crisis.graded import graded_responses, validate_check
from bot.crisis.lines import CrisisLinesError, Locale
from bot.settings import PROJECT_ROOT

REPLIES_FILE = PROJECT_ROOT / "content" / "crisis" / "replies.yml"


@dataclass(frozen=True)
class OnCall:
    name: str
    number: str


def load_wording(path: Path = REPLIES_FILE) -> dict[str, Any]:
    try:
        wording = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as error:
        raise CrisisLinesError(f"{path}: cannot read crisis replies: {error}") from None
    categories = (wording or {}).get("categories") or {}
    for category in (*CATEGORIES, HELP):
        entry = categories.get(category)
        if not isinstance(entry, dict) or not str(entry.get("lead") or "").strip():
            raise CrisisLinesError(f"{path}: category {category} needs a 'lead' sentence")
    for key in ("emergency", "emergency_first", "oncall", "disclosure"):
        if not str(wording.get(key) or "").strip():
            raise CrisisLinesError(f"{path}: '{key}' is missing")
    if "{number}" not in wording["emergency"] or "{number}" not in wording["emergency_first"]:
        raise CrisisLinesError(f"{path}: the emergency sentences must contain {{number}}")
    validate_check(wording, str(path))
    return wording


def crisis_reply(
    category: str, locale: Locale, wording: dict[str, Any], oncall: OnCall | None = None
) -> str:
    """The one fixed text for a category: lines first, then a warm word, then what we are."""
    entry = wording["categories"][category]
    lines = [f"• {service.line()}" for service in locale.services_for(category)]
    if oncall:
        lines.append("• " + wording["oncall"].format(name=oncall.name, number=oncall.number))
    parts = []
    if entry.get("emergency_first"):
        parts.append(wording["emergency_first"].format(number=locale.emergency))
    parts.append(entry["lead"].strip())
    parts.extend(lines)
    if not entry.get("emergency_first"):
        parts.append(wording["emergency"].format(number=locale.emergency))
    care = " ".join(str(entry.get("care") or "").split())
    if care:
        parts.append(care)
    parts.append(" ".join(wording["disclosure"].split()))
    return "\n".join(parts)


def crisis_responses(
    locale: Locale, wording: dict[str, Any], oncall: OnCall | None = None
) -> dict[str, list[dict[str, Any]]]:
    """Domain responses for every category, one variant each, and those of the
    graded response (bot/crisis/graded.py)."""
    responses = {
        reply_for(category): [{"text": crisis_reply(category, locale, wording, oncall)}]
        for category in (*CATEGORIES, HELP)
    }
    emergency = wording["emergency"].format(number=locale.emergency)
    oncall_line = (
        wording["oncall"].format(name=oncall.name, number=oncall.number) if oncall else None
    )
    return {**responses, **graded_responses(locale, wording, emergency, oncall_line)}
