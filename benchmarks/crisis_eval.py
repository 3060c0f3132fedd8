"""`make eval`: recall and false alarms of crisis detection, per layer.

Scores the held-out suite (tests/data/crisis_suite.yml) and, when present, the
labelled data in ../shared/eval-data/crisis_benchmark.csv (rows marked `either`
are not scored). Writes docs/crisis-eval.md. Evaluation only: nothing read here
goes into training data, the lexicon or the tests.
"""

from __future__ import annotations

import asyncio
import csv
import sys
from collections import defaultdict
from datetime import date

import yaml

from bot.crisis.evaluation import LAYERS, Score, configured_threshold, score, verdict
from bot.settings import PROJECT_ROOT, load_settings

SHARED = PROJECT_ROOT.parent / "shared" / "eval-data" / "crisis_benchmark.csv"
REPORT = PROJECT_ROOT / "docs" / "crisis-eval.md"


def row(name: str, result: Score) -> str:
    cells = [name, str(result.crisis_total), str(result.safe_total)]
    for layer in LAYERS:
        recall = f"{result.recall(layer):.1%}" if result.crisis_total else "-"
        alarms = f"{result.false_alarm_rate(layer):.2%}" if result.safe_total else "-"
        cells.append(f"{recall} / {alarms}")
    return "| " + " | ".join(cells) + " |"


# Kept in the report until the shared rows are replaced by data nobody here has seen.
CAVEAT = (
    "\n**Not independent any more:** on 2026-11-23 the lexicon gained abuse patterns "
    '("attacked me", "beaten up by", "threatened by") after misses on the shared data '
    'had been read (Kocaballi2020\'s "My partner attacked me" with the grown NLU model, '
    "Miner2016's beating). They are kept because they are real risk phrasings, but the "
    "crisis rows of Kocaballi2020, Miner2016 and SAD no longer measure unseen messages. The "
    "last figures from before that change (combined recall): Kocaballi2020 75%, Miner2016 "
    "75%, SAD 75%. SimpleSafetyTests and XSTest were not used for any change."
)


def main() -> None:
    from rasa.core.agent import Agent

    agent = Agent.load(str(load_settings().model_path))
    loop = asyncio.new_event_loop()
    limit = configured_threshold()

    def judge(text: str):
        return verdict(text, lambda t: loop.run_until_complete(agent.parse_message(t)), limit)

    sets: dict[str, tuple[list[str], list[str]]] = {}
    suite = yaml.safe_load((PROJECT_ROOT / "tests/data/crisis_suite.yml").read_text("utf-8"))
    sets["team suite (tests/data/crisis_suite.yml)"] = (
        [t for texts in suite["crisis"].values() for t in texts],
        suite["non_crisis"],
    )
    if SHARED.is_file():
        by_source: dict[str, tuple[list[str], list[str]]] = defaultdict(lambda: ([], []))
        with SHARED.open(encoding="utf-8", newline="") as handle:
            for record in csv.DictReader(handle):
                if record["expected"] == "crisis":
                    by_source[record["source"]][0].append(record["text"])
                elif record["expected"] == "not_crisis":
                    by_source[record["source"]][1].append(record["text"])
        for source, (crisis, safe) in sorted(by_source.items()):
            sets[f"shared: {source}"] = (crisis, safe)
    else:
        print(f"({SHARED} not found: scoring the team suite only)", file=sys.stderr)

    lines = [
        "# Crisis detection: evaluation",
        "",
        f"Made by `make eval` on {date.today().isoformat()}. Each cell is recall on crisis "
        "messages / false-alarm rate on non-crisis messages. `lexicon` is the deterministic "
        "layer alone, `classifier` the trained model's crisis intents alone (at the "
        f"configured threshold {limit}), `combined` what the assistant actually does: "
        "the crisis lines shown, by the full crisis turn or by the graded question "
        "(bot/crisis/graded.py); `takeover` the full crisis turn alone.",
        "",
        "| set | crisis | non-crisis | lexicon | classifier | combined | takeover |",
        "|---|---|---|---|---|---|---|",
    ]
    details = []
    for name, (crisis, safe) in sets.items():
        result = score(crisis, safe, judge)
        lines.append(row(name, result))
        print(row(name, result), flush=True)
        if result.missed:
            details += [f"\n### Missed in {name}", *[f"- {t!r}" for t in result.missed]]
        if result.alarms and len(result.alarms) <= 60:
            details += [f"\n### False alarms in {name}", *[f"- {t!r}" for t in result.alarms]]
        elif result.alarms:
            details.append(f"\n### False alarms in {name}: {len(result.alarms)} (not listed)")
    REPORT.write_text("\n".join([*lines, CAVEAT, *details, ""]), encoding="utf-8")
    print(f"Report written to {REPORT}")


if __name__ == "__main__":
    main()
