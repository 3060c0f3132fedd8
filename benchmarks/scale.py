"""`make bench` (fifth part): this assistant against Rasa's own starter bot, and
the same load through the two-server production topology.

In one run on one machine: the starter bot that `rasa init` makes (same Rasa,
into a temporary folder) and this assistant (its Rasa server and action server,
embedded defaults). For each: reply time of single messages (median, 95th
percentile), messages per second with 20 clients at once, server memory,
start-up and training time, each quoted as a ratio to the starter bot. Then the
same 20-client load through `make prod-local`'s topology (nginx, two Rasa and two
action servers, PostgreSQL, Redis), counting every message in PostgreSQL to show
none was lost or stored twice. Writes docs/scale-benchmark.md and a plot.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import statistics
import subprocess
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

import aiohttp
import sqlalchemy

from benchmarks.startup import MESSAGES, measure_training, percentile, timed
from bot.launcher import Service, free_port, running
from bot.local_instance import LocalAssistant, rss_mib
from bot.rasa_env import rasa_environment, rasa_executable
from bot.settings import load_settings
from bot.topology import throwaway

DOCS = Path(__file__).resolve().parent.parent / "docs"
REPORT = DOCS / "scale-benchmark.md"
PLOT = DOCS / "scale-benchmark.png"
# What people say to the starter bot (its own stories: greet, mood, goodbye, bot).
STARTER_MESSAGES = ["hi", "I am sad", "yes", "great", "are you a bot?", "bye"]
CLIENTS = 20


@dataclass
class Figures:
    name: str
    start_s: list[float] = field(default_factory=list)
    train_s: list[float] = field(default_factory=list)
    rss_mib: list[float] = field(default_factory=list)
    reply_ms: list[float] = field(default_factory=list)
    load_ms: list[float] = field(default_factory=list)
    per_second: list[float] = field(default_factory=list)
    failures: int = 0


# --- load -----------------------------------------------------------------------


async def _client(
    session: aiohttp.ClientSession,
    url: str,
    sender: str,
    messages: list[str],
    turns: int,
    latencies: list[float],
) -> int:
    """One person's conversation; returns the number of turns with no reply."""
    failures = 0
    for turn in range(turns):
        began = time.perf_counter()
        body = {"sender": sender, "message": messages[turn % len(messages)]}
        try:
            async with session.post(url, json=body) as response:
                replies = await response.json() if response.status == 200 else []
        except aiohttp.ClientError:
            replies = []
        latencies.append((time.perf_counter() - began) * 1000)
        failures += not replies
    return failures


async def _load(
    url: str, messages: list[str], clients: int, turns: int, tag: str
) -> tuple[float, list[float], int]:
    latencies: list[float] = []
    timeout = aiohttp.ClientTimeout(total=300)
    async with aiohttp.ClientSession(timeout=timeout) as session:
        began = time.perf_counter()
        failures = await asyncio.gather(
            *(
                _client(session, url, f"{tag}-{c}", messages, turns, latencies)
                for c in range(clients)
            )
        )
        elapsed = time.perf_counter() - began
    return clients * turns / elapsed, latencies, sum(failures)


def load(url: str, messages: list[str], turns: int, tag: str) -> tuple[float, list[float], int]:
    return asyncio.run(_load(url, messages, CLIENTS, turns, tag))


def sequential(url: str, messages: list[str], count: int, tag: str) -> list[float]:
    async def run() -> list[float]:
        latencies: list[float] = []
        async with aiohttp.ClientSession() as session:
            # One message per conversation, as a single message is measured.
            for i in range(count):
                message = [messages[i % len(messages)]]
                await _client(session, url, f"{tag}-{i}", message, 1, latencies)
        return latencies

    return asyncio.run(run())


def exercise(
    figures: Figures, url: str, messages: list[str], run: str, replies: int, turns: int
) -> None:
    """A few warm-up messages, then single messages, then the 20-client load."""
    sequential(url, messages, 5, f"warm-{run}")
    figures.reply_ms += sequential(url, messages, replies, f"one-{run}")
    rate, latencies, failures = load(url, messages, turns, f"load-{run}")
    figures.per_second.append(rate)
    figures.load_ms += latencies
    figures.failures += failures


# --- the starter bot -------------------------------------------------------------


def make_starter(folder: Path) -> Path:
    """`rasa init --no-prompt` (which also trains it); returns its model."""
    env = rasa_environment(load_settings())
    env["RASA_CACHE_DIRECTORY"] = str(folder / ".cache")
    folder.mkdir(parents=True)
    subprocess.run(
        [rasa_executable(), "init", "--no-prompt", "--init-dir", str(folder)],
        cwd=folder.parent,
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    return max((folder / "models").glob("*.tar.gz"))


def train_starter(folder: Path, runs: int) -> list[float]:
    times = []
    env = rasa_environment(load_settings())
    for run in range(runs):
        # A cache of its own each time: full training, as for this assistant.
        env["RASA_CACHE_DIRECTORY"] = str(folder / f".cache-{run}")
        command = [rasa_executable(), "train", "--force", "--out", str(folder / "bench-models")]
        times.append(timed(command, folder, env))
    return times


def starter_server(folder: Path, model: Path) -> Service:
    port = free_port()
    env = rasa_environment(load_settings())
    return Service(
        name="starter bot",
        command=[
            rasa_executable(),
            "run",
            "--model",
            str(model),
            "--interface",
            "127.0.0.1",
            "--port",
            str(port),
        ],
        health_url=f"http://127.0.0.1:{port}/",
        start_timeout=300,
        env=env,
        port=port,
    )


def measure_starter(figures: Figures, starts: int, replies: int, turns: int) -> None:
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch) / "starter"
        model = make_starter(folder)
        for run in range(starts):
            server = starter_server(folder, model)
            began = time.perf_counter()
            with running([server], folder):
                figures.start_s.append(time.perf_counter() - began)
                url = f"http://127.0.0.1:{server.port}/webhooks/rest/webhook"
                exercise(figures, url, STARTER_MESSAGES, f"{run}", replies, turns)
                assert server.process is not None
                figures.rss_mib.append(rss_mib(server.process.pid))


def measure_assistant(figures: Figures, model: Path, starts: int, replies: int, turns: int) -> None:
    for run in range(starts):
        with tempfile.TemporaryDirectory() as scratch:
            # The Rasa server and the action server, as the starter bot has no web apps.
            assistant = LocalAssistant(
                Path(scratch), model, WEBCHAT_ENABLED="false", DASHBOARD_ENABLED="false"
            )
            figures.start_s.append(assistant.start())
            try:
                url = f"http://127.0.0.1:{assistant.rasa_port}/webhooks/rest/webhook"
                exercise(figures, url, MESSAGES, f"{run}", replies, turns)
                pids = assistant.server_pids()
                figures.rss_mib.append(
                    rss_mib(pids["Rasa server"]) + rss_mib(pids["action server"])
                )
            finally:
                assistant.stop()


# --- two servers -------------------------------------------------------------------


@dataclass
class TwoServers:
    per_second: float
    latencies: list[float]
    failures: int
    sent: int
    stored: int
    conversations_off: int


def measure_two_servers(model: Path, turns: int) -> TwoServers:
    with throwaway(model) as (topology, _):
        url = f"{topology.front_url}/webhooks/rest/webhook"
        sequential(url, MESSAGES, 5, "warm")
        rate, latencies, failures = load(url, MESSAGES, turns, "two")
        engine = sqlalchemy.create_engine(topology.database_url)
        try:
            with engine.connect() as connection:
                counts = dict(
                    connection.execute(
                        sqlalchemy.text(
                            "SELECT sender_id, COUNT(*) FROM events WHERE type_name = 'user' "
                            "AND sender_id LIKE 'two-%' GROUP BY sender_id"
                        )
                    ).all()
                )
        finally:
            engine.dispose()
    senders = [f"two-{c}" for c in range(CLIENTS)]
    return TwoServers(
        per_second=rate,
        latencies=latencies,
        failures=failures,
        sent=CLIENTS * turns,
        stored=sum(counts.values()),
        conversations_off=sum(counts.get(s, 0) != turns for s in senders),
    )


# --- report ------------------------------------------------------------------------


def _median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def write_report(starter: Figures, ours: Figures, two: TwoServers | None, turns: int) -> None:
    rows = [
        ("reply time, single message, median", "ms", "reply_ms", 0.5),
        ("reply time, single message, 95th percentile", "ms", "reply_ms", 0.95),
        (f"reply time with {CLIENTS} clients at once, median", "ms", "load_ms", 0.5),
        (f"reply time with {CLIENTS} clients at once, 95th percentile", "ms", "load_ms", 0.95),
        (f"messages per second, {CLIENTS} clients at once", "msg/s", "per_second", 0.5),
        ("server memory (RSS) after the load", "MiB", "rss_mib", 0.5),
        ("start-up, command to answering", "s", "start_s", 0.5),
        ("full training, no cache", "s", "train_s", 0.5),
    ]

    def value(figures: Figures, key: str, fraction: float) -> float:
        values = getattr(figures, key)
        if not values:
            return float("nan")
        return percentile(values, fraction) if fraction != 0.5 else _median(values)

    lines = [
        "# This assistant against Rasa's starter bot, and on two servers",
        "",
        f"Measured {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC by `make bench` "
        f"(`python -m benchmarks.scale`) on {platform.machine()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}, in one run. Shared, noisy machines: read "
        "medians and ratios.",
        "",
        "The starter bot is what `rasa init --no-prompt` makes with the same Rasa "
        "(default whitespace pipeline, no custom actions), in a temporary folder. This "
        "assistant runs its Rasa server and action server on the embedded defaults "
        "(SQLite, encrypted tracker store); its memory is the two together. Single "
        "messages: one new conversation each, one client. Load: "
        f"{CLIENTS} clients at once, each its own conversation of {turns} messages "
        f"(starter: {', '.join(repr(m) for m in STARTER_MESSAGES)}; this assistant: "
        f"{', '.join(repr(m) for m in MESSAGES)}).",
        "",
        "| what | starter bot | this assistant | ratio |",
        "| --- | --- | --- | --- |",
    ]
    for what, unit, key, fraction in rows:
        a, b = value(starter, key, fraction), value(ours, key, fraction)
        lines.append(f"| {what} | {a:.0f} {unit} | {b:.0f} {unit} | {b / a:.2f} |")
    lines += [
        "",
        f"Turns with no reply under load: starter {starter.failures}, this assistant "
        f"{ours.failures}. Runs: {len(ours.start_s)} starts of each, "
        f"{len(ours.train_s)} training of each.",
    ]
    if two is not None:
        single = value(ours, "per_second", 0.5)
        lines += [
            "",
            "## The same load on the production topology",
            "",
            "`make prod-local`'s topology (bot/topology.py): nginx, two Rasa servers, two "
            "action servers, PostgreSQL for conversations and entries, Redis for the "
            f"conversation locks. {CLIENTS} clients at once through nginx, {turns} "
            "messages each, as above. Afterwards every conversation's stored messages "
            "are counted in PostgreSQL.",
            "",
            "| what | value |",
            "| --- | --- |",
            f"| messages per second | {two.per_second:.1f} msg/s "
            f"({two.per_second / single:.2f} x one server on SQLite) |",
            f"| reply time, median | {_median(two.latencies):.0f} ms |",
            f"| reply time, 95th percentile | {percentile(two.latencies, 0.95):.0f} ms |",
            f"| messages sent / stored | {two.sent} / {two.stored} |",
            f"| conversations with a message lost or stored twice | {two.conversations_off} |",
            f"| turns with no reply | {two.failures} |",
            "",
            "A Rasa server answers on one event loop, so it uses about one core: the two "
            "servers use both cores of this machine, hence the higher rate (PostgreSQL "
            "against SQLite plays a part too). Past the cores of one machine, servers on "
            "more hosts add capacity; the point here is that the topology loses and "
            "duplicates nothing under load.",
        ]
    lines += ["", f"![reply times and ratios]({PLOT.name})"]
    REPORT.write_text("\n".join(lines) + "\n", encoding="utf-8")
    plot(starter, ours, rows, value)
    print("\n".join(lines))


def plot(
    starter: Figures,
    ours: Figures,
    rows: list[tuple[str, str, str, float]],
    value: Callable[[Figures, str, float], float],
) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, (left, right) = plt.subplots(1, 2, figsize=(11, 4))
    left.boxplot(
        [starter.reply_ms, ours.reply_ms, starter.load_ms, ours.load_ms],
        labels=[
            "starter\nsingle",
            "assistant\nsingle",
            "starter\n20 clients",
            "assistant\n20 clients",
        ],
        showfliers=False,
    )
    left.set_ylabel("reply time (ms)")
    left.set_title("Reply time")
    names = [
        what.split(",")[0] + ("\n(p95)" if fraction == 0.95 else "")
        for what, _, _, fraction in rows
    ]
    ratios = [value(ours, key, f) / value(starter, key, f) for _, _, key, f in rows]
    right.barh(names, ratios, color="#4a7ab5")
    right.axvline(1.0, color="black", linewidth=0.8)
    right.set_xlabel("this assistant / starter bot")
    right.set_title("Ratios (1 = same as the starter bot)")
    right.tick_params(axis="y", labelsize=7)
    figure.tight_layout()
    figure.savefig(PLOT, dpi=110)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--starts", type=int, default=2)
    parser.add_argument("--replies", type=int, default=60)
    parser.add_argument("--turns", type=int, default=15, help="messages per client under load")
    parser.add_argument("--trainings", type=int, default=1)
    parser.add_argument("--no-two-servers", action="store_true")
    args = parser.parse_args()
    model = load_settings().model_path
    starter, ours = Figures("starter bot"), Figures("this assistant")
    measure_starter(starter, args.starts, args.replies, args.turns)
    measure_assistant(ours, model, args.starts, args.replies, args.turns)
    two = None if args.no_two_servers else measure_two_servers(model, args.turns)
    if args.trainings:
        with tempfile.TemporaryDirectory() as scratch:
            folder = Path(scratch) / "starter"
            make_starter(folder)
            starter.train_s = train_starter(folder, args.trainings)
        ours.train_s = measure_training(args.trainings)
    write_report(starter, ours, two, args.turns)


if __name__ == "__main__":
    main()
