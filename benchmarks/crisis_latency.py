"""What the crisis layer's sentence encoder adds to each message, and how fast the
NLU reads a crisis message next to a question about IPT.

Run by `make bench` (or `python -m benchmarks.crisis_latency`); writes
docs/crisis-latency.md. The messages are the team suite's
(tests/data/crisis_suite.yml), said in order as one conversation, so that each
is read after the previous two as the server reads it
(bot/nlp/conversation_context.py): the message alone, the earlier two alone and
all three together, in one batch. Every figure is a median over the messages:
these machines are shared and noisy.
"""

from __future__ import annotations

import asyncio
import os
import platform
import statistics
import time
from datetime import datetime, timezone

import yaml

from bot.crisis import risk_data
from bot.nlp.linear_text import prepared
from bot.nlp.sentence_encoder import shared_encoder
from bot.settings import PROJECT_ROOT, load_settings

REPORT = PROJECT_ROOT / "docs" / "crisis-latency.md"
SUITE = PROJECT_ROOT / "tests" / "data" / "crisis_suite.yml"
FAQ = [
    "what is ipt",
    "how long does interpersonal therapy take",
    "Could you please explain what interpersonal psychotherapy is and what it aims to achieve?",
    "is it every week or what",
    "what is a role dispute",
    "does ipt help with grief",
    "can i do ipt online",
    "what happens in the first sessions",
]


def milliseconds(seconds: list[float]) -> float:
    return round(statistics.median(seconds) * 1000, 1)


def messages() -> tuple[list[str], list[str]]:
    suite = yaml.safe_load(SUITE.read_text(encoding="utf-8"))
    crisis = [text for texts in suite["crisis"].values() for text in texts]
    return crisis, list(suite["non_crisis"])


def encoder_times(texts: list[str]) -> tuple[list[float], list[float]]:
    """Per message: the encoder on the message alone (nothing cached), and its work
    for the message in a conversation (the three readings, the earlier ones cached
    as they would be)."""
    encoder = shared_encoder()
    alone: list[float] = []
    for text in texts:
        encoder.forget()
        started = time.perf_counter()
        encoder.encode([prepared(text)])
        alone.append(time.perf_counter() - started)
    encoder.forget()
    in_context: list[float] = []
    for i, text in enumerate(texts):
        earlier = texts[max(0, i - 2) : i]
        batch = [prepared(text)]
        if earlier:
            batch += [
                prepared(risk_data.read_together(earlier)),
                prepared(risk_data.read_together([*earlier, text])),
            ]
        started = time.perf_counter()
        encoder.encode(batch)
        in_context.append(time.perf_counter() - started)
    return alone, in_context


def parse_times(texts: list[str]) -> list[float]:
    """The whole NLU pipeline per message, the encoder's cache emptied first."""
    from rasa.core.agent import Agent

    agent = Agent.load(str(load_settings().model_path))
    loop = asyncio.new_event_loop()
    loop.run_until_complete(agent.parse_message("warm up"))
    times = []
    for text in texts:
        shared_encoder().forget()
        started = time.perf_counter()
        loop.run_until_complete(agent.parse_message(text))
        times.append(time.perf_counter() - started)
    return times


def main() -> None:
    crisis, safe = messages()
    alone, in_context = encoder_times(crisis + safe)
    crisis_parse = parse_times(crisis)
    faq_parse = parse_times(FAQ * 4)
    when = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    ratio = statistics.median(crisis_parse) / statistics.median(faq_parse)
    lines = [
        "# Crisis layer: time per message",
        "",
        f"Measured {when} by `make bench` (benchmarks/crisis_latency.py) on "
        f"{platform.machine()}, {os.cpu_count()} cores, Python "
        f"{platform.python_version()}. Medians over the team suite's "
        f"{len(crisis) + len(safe)} messages; shared, noisy machines.",
        "",
        "| what | median |",
        "|---|---|",
        f"| sentence encoder, the message alone, nothing cached | {milliseconds(alone)} ms |",
        f"| sentence encoder, the message read after the previous two (three readings, "
        f"one batch) | {milliseconds(in_context)} ms |",
        f"| whole NLU pipeline, a crisis message ({len(crisis)}) | "
        f"{milliseconds(crisis_parse)} ms |",
        f"| whole NLU pipeline, a question about IPT ({len(FAQ * 4)}) | "
        f"{milliseconds(faq_parse)} ms |",
        "",
        f"A crisis message takes {ratio:.2f} times as long to read as a question about IPT; "
        "its reply is a plain domain response, where the answer to a question goes through "
        "the action server.",
        "",
    ]
    REPORT.write_text("\n".join(lines), encoding="utf-8")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
