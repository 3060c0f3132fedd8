"""`make bench` (second part): many clients logging at once through the REST channel.

50 simulated clients each agree to storage once and then log mood check-ins
(three turns each: the rating with the request, feelings, a note) until 1,000
entries are confirmed in all. Afterwards every confirmed entry must be in the
database exactly once. Writes docs/logging-benchmark.md with the median and
95th-percentile reply time per turn.
"""

from __future__ import annotations

import argparse
import os
import platform
import sqlite3
import statistics
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timezone
from pathlib import Path

from benchmarks.startup import percentile
from bot.local_instance import LocalAssistant
from bot.settings import load_settings

REPORT = Path(__file__).resolve().parent.parent / "docs" / "logging-benchmark.md"


def client(assistant: LocalAssistant, sender: str, entries: int) -> tuple[list[float], list[str]]:
    """Logs `entries` check-ins; returns reply times (ms) and the references confirmed."""
    times: list[float] = []
    references: list[str] = []

    def say(text: str) -> str:
        began = time.perf_counter()
        replies = assistant.say(sender, text)
        times.append((time.perf_counter() - began) * 1000)
        return " ".join(reply.get("text", "") for reply in replies)

    say("hello")
    for n in range(entries):
        reply = say(f"log my mood, {n % 11}/10")
        if "Is that okay?" in reply:
            reply = say("yes")
        say("calm enough")
        reply = say("skip")
        if "Your reference is " in reply:
            references.append(reply.split("Your reference is ")[1][:8])
    return times, references


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--entries", type=int, default=1000)
    args = parser.parse_args()
    per_client = args.entries // args.clients
    model = load_settings().model_path
    with tempfile.TemporaryDirectory() as scratch:
        assistant = LocalAssistant(Path(scratch), model)
        assistant.start()
        began = time.perf_counter()
        try:
            with ThreadPoolExecutor(max_workers=args.clients) as pool:
                results = list(
                    pool.map(
                        lambda n: client(assistant, f"load-{n}", per_client), range(args.clients)
                    )
                )
        finally:
            elapsed = time.perf_counter() - began
            assistant.stop()
        with sqlite3.connect(Path(scratch) / "ipt.db") as db:
            stored = db.execute("SELECT reference, conversation_id FROM entries").fetchall()
    times = [t for client_times, _ in results for t in client_times]
    confirmed = [r for _, refs in results for r in refs]
    stored_refs = [reference for reference, _ in stored]
    exactly_once = sorted(confirmed) == sorted(stored_refs) and len(set(stored_refs)) == len(
        stored_refs
    )
    lines = [
        "# Logging under load",
        "",
        f"Measured {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC by `make bench` on "
        f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
        "embedded defaults (SQLite, one Rasa server, one action server). Shared, noisy "
        "machines: read the median and the 95th percentile, not single runs.",
        "",
        f"{args.clients} clients logged mood check-ins concurrently over the REST channel, "
        f"{per_client} each (three turns per entry, plus a greeting and consent).",
        "",
        "| what | value |",
        "| --- | --- |",
        f"| entries confirmed to the clients | {len(confirmed)} |",
        f"| entries in the database | {len(stored_refs)} |",
        f"| every confirmed entry stored exactly once | {'yes' if exactly_once else 'NO'} |",
        f"| turns | {len(times)} |",
        f"| reply time per turn, median | {statistics.median(times):.0f} ms |",
        f"| reply time per turn, 95th percentile | {percentile(times, 0.95):.0f} ms |",
        f"| throughput | {len(times) / elapsed:.1f} turns/s over {elapsed:.0f} s |",
    ]
    REPORT.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print("\n".join(lines))
    if not exactly_once or len(confirmed) != per_client * args.clients:
        raise SystemExit("error: not every entry was confirmed and stored exactly once")


if __name__ == "__main__":
    main()
