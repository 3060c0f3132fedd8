"""What the assistant says about itself to meet the chatbot laws, from data files.

A clinic edits `content/compliance/notices.yml` (the notice repeated during a long
conversation) and `content/compliance/safety_page.yml` (the public /safety page
with the crisis protocol) without touching Python. Both are checked here, at
start-up (bot/launcher.check_content) and in the tests: a missing or misspelt
field, an empty text or an interval that is not a positive number of hours stops
the start with the file and field named. docs/compliance.md says which law asks
for what.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from bot.settings import PROJECT_ROOT

CONTENT_DIR = PROJECT_ROOT / "content" / "compliance"
NOTICES_FILE = CONTENT_DIR / "notices.yml"
SAFETY_PAGE_FILE = CONTENT_DIR / "safety_page.yml"


class ComplianceContentError(ValueError):
    """A compliance content file cannot be used; the message says where and why."""


@dataclass(frozen=True)
class Notice:
    every_hours: float
    text: str


@dataclass(frozen=True)
class Section:
    heading: str
    paragraphs: tuple[str, ...]


@dataclass(frozen=True)
class SafetyPage:
    title: str
    sections: tuple[Section, ...]
    lines_heading: str
    emergency: str

    def emergency_line(self, number: str) -> str:
        return self.emergency.format(number=number)


def _read(path: Path, keys: set[str]) -> dict[str, Any]:
    try:
        body = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as error:
        raise ComplianceContentError(f"{path}: cannot read it: {error}") from None
    if not isinstance(body, dict):
        raise ComplianceContentError(f"{path}: must be a mapping of {sorted(keys)}")
    unknown = set(body) - keys
    if unknown:
        raise ComplianceContentError(f"{path}: unknown field(s) {sorted(unknown)}")
    return body


def _text(value: Any, where: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ComplianceContentError(f"{where}: needs a non-empty text")
    return " ".join(value.split())


@cache
def continuing_use_notice(path: Path = NOTICES_FILE) -> Notice:
    entry = _read(path, {"continuing_use"}).get("continuing_use")
    if not isinstance(entry, dict) or set(entry) != {"hours", "text"}:
        raise ComplianceContentError(f"{path}: continuing_use needs exactly 'hours' and 'text'")
    hours = entry["hours"]
    if isinstance(hours, bool) or not isinstance(hours, (int, float)) or not 0 < hours <= 24:
        raise ComplianceContentError(f"{path}: continuing_use.hours must be between 0 and 24")
    return Notice(float(hours), _text(entry["text"], f"{path}: continuing_use.text"))


@cache
def safety_page(path: Path = SAFETY_PAGE_FILE) -> SafetyPage:
    body = _read(path, {"title", "sections", "lines_heading", "emergency"})
    sections = body.get("sections")
    if not isinstance(sections, list) or not sections:
        raise ComplianceContentError(f"{path}: 'sections' must be a list of sections")
    parsed = []
    for n, section in enumerate(sections, 1):
        where = f"{path}: section {n}"
        if not isinstance(section, dict) or set(section) != {"heading", "paragraphs"}:
            raise ComplianceContentError(f"{where} needs exactly 'heading' and 'paragraphs'")
        paragraphs = section["paragraphs"]
        if not isinstance(paragraphs, list) or not paragraphs:
            raise ComplianceContentError(f"{where}: 'paragraphs' must be a list of texts")
        parsed.append(
            Section(
                _text(section["heading"], f"{where} heading"),
                tuple(_text(p, f"{where} paragraph") for p in paragraphs),
            )
        )
    emergency = _text(body.get("emergency"), f"{path}: emergency")
    if "{number}" not in emergency:
        raise ComplianceContentError(f"{path}: 'emergency' must contain {{number}}")
    return SafetyPage(
        _text(body.get("title"), f"{path}: title"),
        tuple(parsed),
        _text(body.get("lines_heading"), f"{path}: lines_heading"),
        emergency,
    )


def check() -> None:
    """Both files load (start-up and tests); raises ComplianceContentError otherwise."""
    continuing_use_notice()
    safety_page()
