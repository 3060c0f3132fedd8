"""No request takes the assistant down: hostile input over every channel, and a
server killed under it, against the real servers that `make run` starts."""

from __future__ import annotations

import json
import os
import signal
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import pytest
from conftest import MESSAGING_ENV

from bot.hostile_input import Target, generate, run
from bot.launcher import is_healthy

LIFELINE = "988 Suicide & Crisis Lifeline"
# At least 2,000 requests in all (issue: hostile-input test in make test).
COUNTS = {
    "rest": 700,
    "socket.io": 300,
    "dashboard": 250,
    "chat page": 100,
    "telegram": 250,
    "slack": 250,
    "twilio": 200,
}
REPORT = Path("results") / "hostile-input.txt"


def post_raw(assistant: Any, body: bytes) -> tuple[int, Any]:
    request = urllib.request.Request(
        f"http://127.0.0.1:{assistant.rasa_port}/webhooks/rest/webhook",
        data=body,
        headers={"Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=60) as answer:
            return answer.status, json.loads(answer.read())
    except urllib.error.HTTPError as refused:
        return refused.code, json.loads(refused.read())


@pytest.mark.server
def test_a_lone_surrogate_is_refused_or_replaced_and_the_server_answers_on(
    assistant: Any,
) -> None:
    before = assistant.server_pids()
    # The request that used to stop the Rasa server (a sender the database cannot encode).
    status, answer = post_raw(assistant, b'{"sender": "\\ud800", "message": "hello"}')
    assert status == 400 and "sender" in answer["error"]
    # In the message it is replaced, and a crisis in the same message still gets the lines.
    status, answer = post_raw(
        assistant, b'{"sender": "surrogate-1", "message": "\\ud800 i want to kill myself"}'
    )
    assert status == 200 and LIFELINE in answer[0]["text"]
    assert any(
        e.get("text") == "\ufffd i want to kill myself" for e in _events("surrogate-1", assistant)
    )
    for body, problem in (
        (b"[]", "JSON object"),
        (b'{"sender": "s-2", "message": null}', "string"),
        (b'{"sender": "s-2", "message": {"text": "hi"}}', "string"),
        (b'{"sender": "s-2", "message": ["hi"]}', "string"),
        (b'{"sender": "s-2", "message": "' + b"a" * 100_000 + b'"}', "longer than"),
        (b'{"message": "hi"}', "sender"),
        (b"{not json", "JSON"),
    ):
        status, answer = post_raw(assistant, body)
        assert (status, problem in answer["error"]) == (400, True), body[:40]
    assert assistant.server_pids() == before
    assert "Before we start" in assistant.say("surrogate-after", "hello")[0]["text"]


def _events(sender: str, assistant: Any) -> list[dict[str, Any]]:
    return [e for e in assistant.tracker(sender)["events"] if e["event"] == "user"]


@pytest.mark.server
def test_two_thousand_hostile_requests_get_no_5xx_and_stop_no_server(assistant: Any) -> None:
    before = assistant.server_pids()
    since = assistant.log.stat().st_size
    requests = generate(Target.of(assistant, MESSAGING_ENV), COUNTS, seed=20261201)
    report = run(requests, workers=4, timeout=60.0, deadline=600.0)
    REPORT.parent.mkdir(exist_ok=True)
    REPORT.write_text(
        f"{sum(report.sent.values())} requests in {report.seconds:.0f} s\n"
        + "\n".join(report.lines())
        + "\n"
        + "".join(f"failure: {failure!r}\n" for failure in report.failures),
        encoding="utf-8",
    )
    assert sum(report.sent.values()) >= 2000
    assert report.server_errors() == 0, report.failures[:10]
    # Every channel was reached, and some requests of each got past its checks.
    assert set(report.sent) == set(COUNTS)
    for channel in ("rest", "socket.io", "telegram", "slack", "twilio"):
        assert report.statuses[(channel, 200)] > 0, channel
    assert assistant.server_pids() == before
    assert "stopped unexpectedly" not in assistant.output(since)
    assert "Before we start" in assistant.say("after-hostile", "hello")[0]["text"]


@pytest.mark.server
def test_a_killed_action_server_is_restarted_and_crisis_replies_go_on_meanwhile(
    assistant: Any,
) -> None:
    assistant.say("while-restarting", "hello")
    since = assistant.log.stat().st_size
    before = assistant.server_pids()
    os.kill(before["action server"], signal.SIGKILL)
    health = f"http://127.0.0.1:{assistant.action_port}/health"
    # The crisis reply needs no action server.
    replies = assistant.say("while-restarting", "i want to kill myself")
    assert LIFELINE in replies[0]["text"]
    deadline = time.monotonic() + 120
    while not is_healthy(health) and time.monotonic() < deadline:
        time.sleep(0.5)
    assert is_healthy(health), assistant.output(since)
    assert (
        "The action server stopped unexpectedly (exit code -9); restarting it in 1 s (restart 1)."
        in assistant.output(since)
    )
    after = assistant.server_pids()
    assert after["Rasa server"] == before["Rasa server"]
    assert after["action server"] != before["action server"]
    # Custom actions work again: a new conversation opens with the disclosure.
    assert "Before we start" in assistant.say("after-restart", "hello")[0]["text"]
