"""Start-up time, memory, reply time and training time of the assistant.

Run with `make bench`. Writes docs/benchmarks.md. The machines are shared and
noisy, so every figure is a median over several runs.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import tempfile
import time
from dataclasses import replace
from datetime import datetime, timezone
from pathlib import Path

from bot.local_instance import LocalAssistant, rss_mib
from bot.rasa_env import rasa_environment
from bot.settings import load_settings
from bot.training import train_command

REPORT = Path(__file__).resolve().parent.parent / "docs" / "benchmarks.md"
MESSAGES = ["hi", "what can you do", "are you a bot?", "who are you", "thanks", "bye"]


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def measure_servers(model: Path, starts: int, replies: int) -> dict[str, list[float]]:
    results: dict[str, list[float]] = {
        "start_s": [],
        "rasa_rss_mib": [],
        "actions_rss_mib": [],
        "reply_ms": [],
    }
    for run in range(starts):
        with tempfile.TemporaryDirectory() as scratch:
            assistant = LocalAssistant(Path(scratch), model)
            results["start_s"].append(assistant.start())
            try:
                assistant.say("warm-up", "hello")
                for i in range(replies):
                    began = time.perf_counter()
                    assistant.say(f"bench-{run}-{i // len(MESSAGES)}", MESSAGES[i % len(MESSAGES)])
                    results["reply_ms"].append((time.perf_counter() - began) * 1000)
                pids = assistant.server_pids()
                results["rasa_rss_mib"].append(rss_mib(pids["Rasa server"]))
                results["actions_rss_mib"].append(rss_mib(pids["action server"]))
            finally:
                assistant.stop()
    return results


def measure_training(runs: int) -> list[float]:
    """Full training from scratch (no cache), into a scratch folder."""
    settings = load_settings()
    times = []
    for _ in range(runs):
        with tempfile.TemporaryDirectory() as scratch:
            env = rasa_environment(settings)
            env["RASA_CACHE_DIRECTORY"] = str(Path(scratch) / "cache")
            # The same command `make train` runs (generated domain included), into scratch.
            scratch_model = replace(settings, model_path=Path(scratch) / "bench.tar.gz")
            times.append(
                timed(train_command(scratch_model, force=True), settings.project_root, env)
            )
    return times


def timed(command: list[str], cwd: Path, env: dict[str, str]) -> float:
    """Seconds one command takes, its output discarded; fails on a non-zero exit."""
    began = time.perf_counter()
    subprocess.run(
        command, cwd=cwd, env=env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    return time.perf_counter() - began


def _row(what: str, values: list[float], unit: str, digits: int = 0) -> str:
    low, mid, high = min(values), statistics.median(values), max(values)
    return (
        f"| {what} | {mid:.{digits}f} {unit} | {low:.{digits}f} to {high:.{digits}f} {unit} "
        f"| {len(values)} |"
    )


def write_report(servers: dict[str, list[float]], training: list[float]) -> None:
    reply = servers["reply_ms"]
    lines = [
        "# Benchmarks",
        "",
        f"Measured {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC by `make bench` on "
        f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}. "
        "Shared, noisy machines: figures are medians.",
        "",
        "| what | median | range | runs |",
        "| --- | --- | --- | --- |",
        _row("start-up, launcher to ready (both servers)", servers["start_s"], "s", 1),
        _row("Rasa server memory (RSS) after the replies", servers["rasa_rss_mib"], "MiB"),
        _row("action server memory (RSS)", servers["actions_rss_mib"], "MiB"),
        _row("reply time over REST, one client", reply, "ms"),
        f"| reply time over REST, 95th percentile | {percentile(reply, 0.95):.0f} ms "
        f"| | {len(reply)} |",
    ]
    if training:
        lines.append(_row("full training, no cache (`rasa train --force`)", training, "s"))
    REPORT.parent.mkdir(parents=True, exist_ok=True)
    REPORT.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print("\n".join(lines))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--starts", type=int, default=3)
    parser.add_argument("--replies", type=int, default=120)
    parser.add_argument("--trainings", type=int, default=1)
    args = parser.parse_args()
    model = load_settings().model_path
    servers = measure_servers(model, args.starts, args.replies)
    training = measure_training(args.trainings) if args.trainings else []
    write_report(servers, training)


if __name__ == "__main__":
    main()
