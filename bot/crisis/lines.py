"""Loads and checks content/crisis/lines.yml, and words the lines for a reply."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from bot.crisis import CATEGORIES, HELP
from bot.settings import PROJECT_ROOT

LINES_FILE = PROJECT_ROOT / "content" / "crisis" / "lines.yml"
_NUMBER = re.compile(r"^\+?[0-9][0-9 -]{1,18}[0-9]$")
_CHANNELS = ("call", "text", "chat")


class CrisisLinesError(ValueError):
    """The crisis-line file is unusable; the message says where and why."""


@dataclass(frozen=True)
class Service:
    key: str
    name: str
    call: str | None = None
    text: str | None = None
    text_keyword: str | None = None
    chat: str | None = None
    note: str | None = None

    def how_to_reach(self) -> str:
        """'call or text 988', 'text HOME to 741741', 'call 0808 2000 247 or chat at …'."""
        parts = []
        if self.call and self.text == self.call and not self.text_keyword:
            parts.append(f"call or text {self.call}")
        else:
            if self.call:
                parts.append(f"call {self.call}")
            if self.text:
                keyword = f"{self.text_keyword} " if self.text_keyword else ""
                parts.append(f"text {keyword}to {self.text}")
        if self.chat:
            parts.append(f"chat at {self.chat}")
        return " or ".join(parts)

    def line(self) -> str:
        note = f" ({self.note})" if self.note else ""
        return f"{self.name}{note}: {self.how_to_reach()}"


@dataclass(frozen=True)
class Locale:
    code: str
    name: str
    emergency: str
    services: dict[str, Service]
    categories: dict[str, tuple[str, ...]]

    def services_for(self, category: str) -> list[Service]:
        keys = self.categories.get(category) or self.categories["default"]
        return [self.services[key] for key in keys]


def load_locales(path: Path = LINES_FILE) -> dict[str, Locale]:
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as error:
        raise CrisisLinesError(f"{path}: cannot read crisis lines: {error}") from None
    if not isinstance(raw, dict) or not isinstance(raw.get("locales"), dict) or not raw["locales"]:
        raise CrisisLinesError(f"{path}: expected a 'locales' mapping with at least one locale")
    return {
        str(code): _locale(str(code), body, f"{path}: locale {code}")
        for code, body in raw["locales"].items()
    }


def load_locale(code: str, path: Path = LINES_FILE) -> Locale:
    locales = load_locales(path)
    if code not in locales:
        raise CrisisLinesError(
            f"CRISIS_LOCALE is {code!r}, but {path.name} has only {', '.join(sorted(locales))}"
        )
    return locales[code]


def _locale(code: str, body: Any, where: str) -> Locale:
    if not isinstance(body, dict):
        raise CrisisLinesError(f"{where}: expected a mapping")
    emergency = _number(body.get("emergency"), f"{where}: emergency")
    services_raw = body.get("services")
    if not isinstance(services_raw, dict) or not services_raw:
        raise CrisisLinesError(f"{where}: no services listed")
    services = {
        str(k): _service(str(k), v, f"{where}: service {k}") for k, v in services_raw.items()
    }
    categories_raw = body.get("categories")
    if not isinstance(categories_raw, dict) or "default" not in categories_raw:
        raise CrisisLinesError(f"{where}: categories must include 'default'")
    categories: dict[str, tuple[str, ...]] = {}
    for category, keys in categories_raw.items():
        if category != "default" and category not in (*CATEGORIES, HELP):
            raise CrisisLinesError(
                f"{where}: unknown category {category!r}; known: {', '.join(CATEGORIES)}"
            )
        if not isinstance(keys, list) or not keys:
            raise CrisisLinesError(f"{where}: category {category} lists no services")
        for key in keys:
            if key not in services:
                raise CrisisLinesError(
                    f"{where}: category {category} names unknown service {key!r}"
                )
        categories[str(category)] = tuple(keys)
    # A suicide reply must always carry a line that answers around the clock for
    # a person in crisis: whatever default lists first is that line.
    lead = services[categories["default"][0]]
    if not (lead.call or lead.text):
        raise CrisisLinesError(
            f"{where}: the first default service must have a phone or text number"
        )
    return Locale(
        code=code,
        name=str(body.get("name") or code),
        emergency=emergency,
        services=services,
        categories=categories,
    )


def _service(key: str, body: Any, where: str) -> Service:
    if not isinstance(body, dict) or not str(body.get("name") or "").strip():
        raise CrisisLinesError(f"{where}: needs a name")
    if not str(body.get("source") or "").startswith("https://"):
        raise CrisisLinesError(f"{where}: needs the https:// page the number was taken from")
    if not any(body.get(channel) for channel in _CHANNELS):
        raise CrisisLinesError(f"{where}: needs at least one of call, text or chat")
    keyword = body.get("text_keyword")
    if keyword and not body.get("text"):
        raise CrisisLinesError(f"{where}: text_keyword without a text number")
    return Service(
        key=key,
        name=str(body["name"]).strip(),
        call=_number(body["call"], f"{where}: call") if body.get("call") else None,
        text=_number(body["text"], f"{where}: text") if body.get("text") else None,
        text_keyword=str(keyword).strip() if keyword else None,
        chat=str(body["chat"]).strip() if body.get("chat") else None,
        note=str(body["note"]).strip() if body.get("note") else None,
    )


def _number(value: Any, where: str) -> str:
    text = str(value or "").strip()
    if not _NUMBER.match(text):
        raise CrisisLinesError(f"{where}: {text!r} is not a phone number (digits, spaces, dashes)")
    return text


def validate_oncall_number(value: str) -> str:
    """The clinic's own on-call number from .env, checked like the file's numbers."""
    return _number(value, "CLINIC_ONCALL_NUMBER")
