"""Scores the assistant once on a blind crisis set, and prints only figures.

A blind set (tests/data/crisis_blind*.yml) is written by a helper who saw no
training data and no other set, before the change it measures, and is read by
nobody. So this script never prints or writes a message of it: only counts, per
category, appended to docs/crisis-blind.md. Run it by hand, once per set, at the
end of the change (it is not part of `make eval` for that reason), with its
output thrown away, since Rasa's debug log prints message texts:

    .venv/bin/python -m benchmarks.crisis_blind tests/data/crisis_blind3.yml >/dev/null 2>&1

Two-turn sequences are said in one conversation each, through the agent, so the
last turn is read with the earlier one (bot/nlp/conversation_context.py).
"""

from __future__ import annotations

import asyncio
import subprocess
import sys
import uuid
from collections import Counter
from datetime import date
from pathlib import Path

import yaml

from bot.crisis import category_of
from bot.crisis.graded import CHECK_INTENT, SOMEONE_ELSE_INTENT
from bot.settings import PROJECT_ROOT, load_settings

REPORT = PROJECT_ROOT / "docs" / "crisis-blind.md"


def crisis_messages(content: dict) -> list[tuple[str, str]]:
    """(category, text) of the single crisis messages, in either layout of the sets."""
    return [(item["category"], item["text"]) for item in content.get("crisis", [])]


def safe_messages(content: dict) -> list[tuple[str, str]]:
    """(kind, text) of the non-crisis messages; sets without kinds give "-"."""
    items = content.get("not_crisis") or content.get("hard_negatives") or []
    return [
        ("-", item) if isinstance(item, str) else (item.get("kind", "-"), item["text"])
        for item in items
    ]


def two_turn(content: dict) -> list[tuple[str, list[str]]]:
    return [(item["category"], list(item["turns"])) for item in content.get("two_turn", [])]


def reading(result: dict) -> tuple[str | None, str | None, str | None]:
    """(category, level, layer) of a parse: level "high" for the crisis turn,
    "uncertain" for the graded question, "someone_else" for how to help another
    person (with the lines), "topic" for an answer with one line, None for none."""
    intent = (result.get("intent") or {}).get("name")
    decision = result.get("crisis") or {}
    if category_of(intent):
        return category_of(intent), "high", decision.get("layer") or "intent model"
    if intent == CHECK_INTENT:
        return decision.get("category"), "uncertain", decision.get("layer")
    if intent == SOMEONE_ELSE_INTENT:
        return decision.get("category"), "someone_else", decision.get("layer")
    if decision.get("level") == "topic":
        return decision.get("category"), "topic", decision.get("layer")
    return None, None, None


# Levels that show the category's crisis lines.
WITH_LINES = ("high", "uncertain", "someone_else")


def percent(part: int, whole: int) -> str:
    return f"{part}/{whole} ({part / whole:.1%})" if whole else "-"


def main(path: str) -> None:
    from rasa.core.agent import Agent

    blind = Path(path)
    content = yaml.safe_load(blind.read_text(encoding="utf-8"))
    agent = Agent.load(str(load_settings().model_path))
    loop = asyncio.new_event_loop()

    def parse(text: str) -> tuple[str | None, str | None, str | None]:
        return reading(loop.run_until_complete(agent.parse_message(text)))

    def in_conversation(turns: list[str]) -> tuple[str | None, str | None, str | None]:
        """The last turn's reading, with the earlier turns said first in one conversation."""
        sender = f"blind-{uuid.uuid4().hex}"
        for text in turns:
            loop.run_until_complete(agent.handle_text(text, sender_id=sender))
        tracker = loop.run_until_complete(agent.processor.get_tracker(sender))
        return reading(tracker.latest_message.parse_data)

    totals: Counter[str] = Counter()
    shown: Counter[str] = Counter()
    high: Counter[str] = Counter()
    right: Counter[str] = Counter()
    theirs: Counter[str] = Counter()
    layers: Counter[str] = Counter()
    for category, text in crisis_messages(content):
        got, level, layer = parse(text)
        totals[category] += 1
        shown[category] += level in WITH_LINES
        theirs[category] += level == "someone_else"
        high[category] += level == "high"
        right[category] += got == category
        layers[layer or "missed"] += 1
    sequences = two_turn(content)
    seq_shown = seq_high = seq_alone = 0
    for _, turns in sequences:
        _, level, _ = in_conversation(turns)
        seq_shown += level in WITH_LINES
        seq_high += level == "high"
        seq_alone += parse(turns[-1])[1] in WITH_LINES
    kinds: Counter[str] = Counter()
    taken: Counter[str] = Counter()
    asked: Counter[str] = Counter()
    helped: Counter[str] = Counter()
    lined: Counter[str] = Counter()
    alarm_layers: Counter[str] = Counter()
    safe = safe_messages(content)
    for kind, text in safe:
        _, level, layer = parse(text)
        kinds[kind] += 1
        taken[kind] += level == "high"
        asked[kind] += level == "uncertain"
        helped[kind] += level == "someone_else"
        lined[kind] += level == "topic"
        if level in ("high", "uncertain"):
            alarm_layers[f"{layer} ({level})"] += 1

    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, cwd=PROJECT_ROOT
    ).stdout.strip()
    n = sum(totals.values())
    lines = [
        f"\n## {blind.name}, scored {date.today().isoformat()} at {commit}\n",
        f"Crisis messages given the lines (crisis turn, graded question or how to help "
        f"someone else): **{percent(sum(shown.values()), n)}**, of which how to help "
        f"someone else {sum(theirs.values())}; the full crisis turn: "
        f"{percent(sum(high.values()), n)}; the category's own reply or question: "
        f"{percent(sum(right.values()), n)}. By the deciding layer: "
        + ", ".join(f"{layer} {k}" for layer, k in sorted(layers.items()))
        + ".",
    ]
    if sequences:
        lines.append(
            f"Two-turn sequences, the last turn said in the conversation: lines shown "
            f"**{percent(seq_shown, len(sequences))}**, the full crisis turn "
            f"{percent(seq_high, len(sequences))}; the last turn alone: "
            f"{percent(seq_alone, len(sequences))}."
        )
    lines += [
        f"Non-crisis messages: the crisis turn **{percent(sum(taken.values()), len(safe))}**, "
        f"the graded question **{percent(sum(asked.values()), len(safe))}**; how to help "
        f"someone else {percent(sum(helped.values()), len(safe))}, the answer with one "
        f"line {percent(sum(lined.values()), len(safe))}; crisis turn or question by layer: "
        + (", ".join(f"{layer} {k}" for layer, k in sorted(alarm_layers.items())) or "none")
        + ".\n",
        "| category | messages | lines shown | crisis turn | someone else | its own |",
        "|---|---|---|---|---|---|",
        *[
            f"| {c} | {totals[c]} | {shown[c]} ({shown[c] / totals[c]:.0%}) "
            f"| {high[c]} | {theirs[c]} | {right[c]} |"
            for c in sorted(totals)
        ],
    ]
    if len(kinds) > 1:
        lines += [
            "",
            "| non-crisis kind | messages | crisis turn | question | someone else | one line |",
            "|---|---|---|---|---|---|",
            *[
                f"| {k} | {kinds[k]} | {taken[k]} | {asked[k]} | {helped[k]} | {lined[k]} |"
                for k in sorted(kinds)
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


if __name__ == "__main__":
    main(sys.argv[1])
