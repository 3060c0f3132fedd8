"""Scores crisis detection: each layer alone and both together.

Used by tests/test_crisis_suite.py (the held-out suite in tests/data/) and by
`make eval` (benchmarks/crisis_eval.py), which also scores the labelled data in
../shared/eval-data/ when it is there. That data is for measuring only: it is
never read by training, the lexicon or the tests.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import yaml

from bot.crisis import category_of
from bot.crisis.graded import CHECK_INTENT, SOMEONE_ELSE_INTENT
from bot.settings import PROJECT_ROOT

# "combined": the crisis lines were shown, by the full crisis turn, the graded
# question or how to help someone else (bot/crisis/graded.py); "takeover": the
# full crisis turn.
LAYERS = ("lexicon", "classifier", "combined", "takeover")


@dataclass
class Verdict:
    text: str
    lexicon: bool
    classifier: bool
    combined: bool
    category: str | None
    takeover: bool = False


@dataclass
class Score:
    crisis_total: int = 0
    safe_total: int = 0
    hits: dict[str, int] = field(default_factory=lambda: dict.fromkeys(LAYERS, 0))
    false_alarms: dict[str, int] = field(default_factory=lambda: dict.fromkeys(LAYERS, 0))
    missed: list[str] = field(default_factory=list)
    alarms: list[str] = field(default_factory=list)

    def recall(self, layer: str) -> float:
        return self.hits[layer] / self.crisis_total if self.crisis_total else float("nan")

    def false_alarm_rate(self, layer: str) -> float:
        return self.false_alarms[layer] / self.safe_total if self.safe_total else float("nan")


def component_config(name: str) -> dict[str, Any]:
    """The settings config.yml gives the pipeline step whose name ends in `name`."""
    config = yaml.safe_load((PROJECT_ROOT / "config.yml").read_text(encoding="utf-8"))
    [step] = [c for c in config["pipeline"] if c["name"].endswith(name)]
    return {key: value for key, value in step.items() if key != "name"}


def configured_threshold() -> float:
    """The classifier threshold the assistant runs with (CrisisClassifier in config.yml)."""
    return float(component_config("CrisisClassifier")["classifier_threshold"])


def verdict(text: str, parse: Callable[[str], dict[str, Any]], threshold: float) -> Verdict:
    result = parse(text)
    # The crisis component consults the lexicon first and records which layer decided,
    # so the lexicon's view is read from its decision instead of matching again.
    decision = result.get("crisis") or {}
    intent = (result.get("intent") or {}).get("name")
    high = category_of(intent)
    graded = intent in (CHECK_INTENT, SOMEONE_ELSE_INTENT)
    category = high or (decision.get("category") if graded else None)
    return Verdict(
        text=text,
        lexicon=decision.get("layer") == "lexicon",
        classifier=bool(decision) and decision.get("classifier_confidence", 0.0) >= threshold,
        combined=category is not None,
        category=category,
        takeover=high is not None,
    )


def score(crisis: Iterable[str], safe: Iterable[str], judge: Callable[[str], Verdict]) -> Score:
    result = Score()
    for text in crisis:
        v = judge(text)
        result.crisis_total += 1
        for layer in LAYERS:
            result.hits[layer] += getattr(v, layer)
        if not v.combined:
            result.missed.append(text)
    for text in safe:
        v = judge(text)
        result.safe_total += 1
        for layer in LAYERS:
            result.false_alarms[layer] += getattr(v, layer)
        if v.combined:
            result.alarms.append(f"{text}  -> {v.category}")
    return result
