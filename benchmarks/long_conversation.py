"""`make bench` (third part): does a reply get slower as one conversation grows?

One client talks for 300+ turns in a single conversation session with the SQL
tracker store: mood check-ins, questions about IPT, "tell me more", thanks, a
look at the mood trend, round and round. The reply time around turn 10 is set
against the reply time around turn 300, over the same mix of turns, and written
to docs/long-conversation.md.
"""

from __future__ import annotations

import argparse
import os
import platform
import secrets
import statistics
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

from benchmarks.startup import percentile
from bot.local_instance import LocalAssistant
from bot.settings import load_settings

REPORT = Path(__file__).resolve().parent.parent / "docs" / "long-conversation.md"
# One round: a check-in in three turns, then four other kinds of turn.
ROUND = [
    "log my mood, 6/10",
    "calm enough",
    "skip",
    "what is ipt",
    "tell me more",
    "thanks",
    "how has my mood been this week",
]
# Measured windows: whole rounds, so both see the same mix of turns.
WINDOW_ROUNDS = 3


def converse(assistant: LocalAssistant, sender: str, turns: int) -> list[float]:
    """Reply times (ms) of `turns` turns, in order, after a greeting and consent."""
    assistant.say(sender, "hello")
    reply = assistant.say(sender, ROUND[0])
    if "Is that okay?" not in " ".join(r.get("text", "") for r in reply):
        raise SystemExit("error: the assistant did not ask for consent before the first entry")
    assistant.say(sender, "yes")
    for text in ROUND[1:3]:
        assistant.say(sender, text)
    times = []
    for turn in range(turns):
        began = time.perf_counter()
        assistant.say(sender, ROUND[turn % len(ROUND)])
        times.append((time.perf_counter() - began) * 1000)
    return times


def window(times: list[float], start: int) -> list[float]:
    """The reply times of WINDOW_ROUNDS whole rounds beginning at a round boundary at or
    after `start`."""
    first = -(-start // len(ROUND)) * len(ROUND)
    return times[first : first + WINDOW_ROUNDS * len(ROUND)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--turns", type=int, default=330)
    args = parser.parse_args()
    model = load_settings().model_path
    with tempfile.TemporaryDirectory() as scratch:
        # One client logs far more than a day's worth here; the daily cap is not
        # what is measured.
        assistant = LocalAssistant(
            Path(scratch), model, api_token=secrets.token_urlsafe(16), MAX_ENTRIES_PER_DAY="1000"
        )
        assistant.start()
        try:
            times = converse(assistant, "long-conversation", args.turns)
            events = len(assistant.tracker("long-conversation")["events"])
        finally:
            assistant.stop()
    early, late = window(times, 10 - len(ROUND)), window(times, 300 - len(ROUND))
    ratio = statistics.median(late) / statistics.median(early)
    lines = [
        "# One long conversation",
        "",
        f"Measured {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC by `make bench` on "
        f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
        "embedded defaults (SQLite tracker store, one Rasa server, one action server). "
        "Shared, noisy machines: read medians and ratios.",
        "",
        f"One client, one conversation session, {args.turns} turns in rounds of "
        f"{len(ROUND)} ({', '.join(repr(t) for t in ROUND)}). Each window is "
        f"{WINDOW_ROUNDS} whole rounds ({WINDOW_ROUNDS * len(ROUND)} turns) so both "
        f"see the same mix. The stored session had {events} events at the end.",
        "",
        "| window | median reply | 95th percentile |",
        "| --- | --- | --- |",
        f"| around turn 10 | {statistics.median(early):.0f} ms "
        f"| {percentile(early, 0.95):.0f} ms |",
        f"| around turn 300 | {statistics.median(late):.0f} ms | {percentile(late, 0.95):.0f} ms |",
        f"| ratio, turn 300 to turn 10 | {ratio:.2f} | |",
    ]
    REPORT.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
