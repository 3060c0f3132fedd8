"""Scores the assistant once on a blind crisis set, and prints only figures.

A blind set (tests/data/crisis_blind*.yml) is written by a helper who saw no
training data and no other set, before the change it measures, and is read by
nobody. So this script never prints or writes a message of it: only counts, per
category, appended to docs/crisis-blind.md. Run it by hand, once per set, at the
end of the change (it is not part of `make eval` for that reason):

    .venv/bin/python -m benchmarks.crisis_blind tests/data/crisis_blind2.yml
"""

from __future__ import annotations

import asyncio
import subprocess
import sys
from collections import Counter
from datetime import date
from pathlib import Path

import yaml

from bot.crisis import category_of
from bot.settings import PROJECT_ROOT, load_settings

REPORT = PROJECT_ROOT / "docs" / "crisis-blind.md"


def crisis_messages(content: dict) -> list[tuple[str, str]]:
    """(category, text) of the single crisis messages, in either layout of the sets."""
    return [(item["category"], item["text"]) for item in content.get("crisis", [])]


def safe_messages(content: dict) -> list[str]:
    items = content.get("not_crisis") or content.get("hard_negatives") or []
    return [item if isinstance(item, str) else item["text"] for item in items]


def main(path: str) -> None:
    from rasa.core.agent import Agent

    blind = Path(path)
    content = yaml.safe_load(blind.read_text(encoding="utf-8"))
    model = load_settings().model_path
    agent = Agent.load(str(model))
    loop = asyncio.new_event_loop()

    layers: Counter[str] = Counter()

    def crisis_category(text: str) -> str | None:
        result = loop.run_until_complete(agent.parse_message(text))
        return category_of((result.get("intent") or {}).get("name"))

    def alarm_layer(text: str) -> str | None:
        """Which layer made a non-crisis message a crisis, if one did."""
        result = loop.run_until_complete(agent.parse_message(text))
        if category_of((result.get("intent") or {}).get("name")) is None:
            return None
        return (result.get("crisis") or {}).get("layer") or "intent model"

    totals: Counter[str] = Counter()
    caught: Counter[str] = Counter()
    right: Counter[str] = Counter()
    for category, text in crisis_messages(content):
        got = crisis_category(text)
        totals[category] += 1
        caught[category] += got is not None
        right[category] += got == category
    safe = safe_messages(content)
    for text in safe:
        layer = alarm_layer(text)
        if layer:
            layers[layer] += 1
    alarms = sum(layers.values())

    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, cwd=PROJECT_ROOT
    ).stdout.strip()
    n = sum(totals.values())
    lines = [
        f"\n## {blind.name}, scored {date.today().isoformat()} at {commit}\n",
        f"Crisis reply (any category) on crisis messages: **{sum(caught.values())}/{n} "
        f"({sum(caught.values()) / n:.1%})**; the category's own reply: {sum(right.values())}/{n} "
        f"({sum(right.values()) / n:.1%}).",
        f"Crisis reply on the non-crisis messages: **{alarms}/{len(safe)} "
        f"({alarms / len(safe):.1%})**; by the layer that decided: "
        + (", ".join(f"{layer} {n}" for layer, n in sorted(layers.items())) or "none")
        + ".\n",
        "| category | messages | crisis reply | its own reply |",
        "|---|---|---|---|",
        *[
            f"| {c} | {totals[c]} | {caught[c]} ({caught[c] / totals[c]:.0%}) | {right[c]} |"
            for c in sorted(totals)
        ],
    ]
    if not REPORT.exists():
        REPORT.write_text(
            "# Crisis detection on blind sets\n\nEach set was written by a helper who saw no "
            "training data and no other set, before the change it measures; nobody reads it, "
            "and it is scored once, by `benchmarks/crisis_blind.py`, which writes figures only.\n",
            encoding="utf-8",
        )
    with REPORT.open("a", encoding="utf-8") as report:
        report.write("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main(sys.argv[1])
