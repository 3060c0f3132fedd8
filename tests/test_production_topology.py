"""The production topology of `make prod-local` (bot/topology.py), for real:
PostgreSQL, a Redis lock store, two Rasa servers and two action servers behind
nginx, all from Debian's packages (`make test` installs them)."""

from __future__ import annotations

import asyncio
import itertools
import json
import re
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy

from bot.launcher import Service, start, stop, wait_until_healthy
from bot.topology import Topology, nginx_config, throwaway

pytestmark = pytest.mark.server


@dataclass
class Running:
    topology: Topology
    services: list[Service]

    def rasa(self, index: int) -> Service:
        return next(s for s in self.services if s.name == f"Rasa server {index}")

    def say(self, sender: str, text: str, port: int | None = None) -> list[str]:
        """Through nginx, or straight to one Rasa server's port."""
        port = port or self.topology.layout.front
        request = urllib.request.Request(
            f"http://127.0.0.1:{port}/webhooks/rest/webhook",
            data=json.dumps({"sender": sender, "message": text}).encode(),
            headers={"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=120) as response:
            return [reply.get("text", "") for reply in json.load(response)]

    def last(self, sender: str, text: str, port: int | None = None) -> str:
        replies = self.say(sender, text, port)
        assert replies, f"no reply to {text!r}"
        return replies[-1]

    def scalar(self, sql: str, **params: Any) -> Any:
        engine = sqlalchemy.create_engine(self.topology.database_url)
        try:
            with engine.connect() as connection:
                return connection.execute(sqlalchemy.text(sql), params).scalar()
        finally:
            engine.dispose()

    def upstreams(self) -> list[str]:
        """The Rasa server that answered each REST request nginx passed on, in order."""
        log = self.topology.root / "nginx" / "access.log"
        return [
            line.rsplit(" ", 1)[1].strip()
            for line in log.read_text().splitlines()
            if "POST /webhooks/rest/webhook" in line
        ]


@pytest.fixture(scope="module")
def production(model_path: Path) -> Iterator[Running]:
    with throwaway(model_path) as (topology, services):
        yield Running(topology, services)


INCIDENT = [
    ("I want to log an incident", "Is that okay?"),
    ("yes", "Who was involved?"),
    ("my sister", "When did it happen?"),
    ("last saturday", "Where were you?"),
    ("at her flat", "What happened?"),
    ("she said I never visit and I walked out", "What did you say"),
    ("that she was being unfair", "in return"),
    ("skip", "hoping for"),
    ("that she would listen", "afterwards"),
    ("I went home and cried", "How did you feel"),
    ("hurt and angry", "problem area"),
    ("role dispute", "mood"),
    ("3", "Who: my sister"),
    ("yes, save it", "Saved. Your reference is E-"),
]


def test_one_conversation_alternates_between_both_servers_form_and_all(
    production: Running,
) -> None:
    sender = "alternating"
    before = len(production.upstreams())
    production.say(sender, "hello")
    for text, expected in INCIDENT:
        assert expected in production.last(sender, text), text

    answered_by = production.upstreams()[before:]
    rasa = {f"127.0.0.1:{port}" for port in production.topology.layout.rasa}
    # Round robin: every other message went to the other server.
    assert set(answered_by) == rasa
    assert all(a != b for a, b in itertools.pairwise(answered_by))
    # One entry, in PostgreSQL; every message once in the conversation.
    assert (
        production.scalar("SELECT COUNT(*) FROM entries WHERE conversation_id = :s", s=sender) == 1
    )
    assert (
        production.scalar(
            "SELECT COUNT(*) FROM events WHERE sender_id = :s AND type_name = 'user'", s=sender
        )
        == len(INCIDENT) + 1
    )


def test_a_server_stopped_and_restarted_mid_form_loses_nothing(production: Running) -> None:
    sender = "restarted"
    first = production.topology.layout.rasa[0]
    production.say(sender, "hello", port=first)
    for text, expected in INCIDENT[:3]:
        assert expected in production.last(sender, text, port=first), text

    server = production.rasa(1)
    stop([server])
    # nginx passes the next message to the server still up, which carries on.
    text, expected = INCIDENT[3]
    assert expected in production.last(sender, text)

    server.process = None
    start(server, production.topology.base.project_root)
    wait_until_healthy(server, lambda: False)
    # Back on the restarted server, the form goes on from where it was.
    for text, expected in INCIDENT[4:6]:
        assert expected in production.last(sender, text, port=first), text
    assert (
        production.scalar(
            "SELECT COUNT(*) FROM events WHERE sender_id = :s AND type_name = 'user'", s=sender
        )
        == 7
    )


def test_a_web_chat_socket_through_nginx_stays_with_its_server(production: Running) -> None:
    import socketio

    async def chat() -> list[str]:
        client = socketio.AsyncClient()
        replies: list[str] = []
        confirmed, menu = asyncio.Event(), asyncio.Event()

        @client.on("session_confirm")
        async def on_confirm(token: str) -> None:
            confirmed.set()

        @client.on("bot_uttered")
        async def on_reply(message: dict[str, Any]) -> None:
            replies.append(message.get("text", ""))
            if "Here is what I can do" in replies[-1]:
                menu.set()

        # Long-polling only: each poll is a new HTTP request, and only a sticky
        # balancer sends it back to the server that holds the socket.
        await client.connect(production.topology.front_url, transports=["polling"])
        try:
            await client.emit("session_request", {})
            await asyncio.wait_for(confirmed.wait(), 30)
            await client.emit("user_uttered", {"message": "/greet"})
            await asyncio.wait_for(menu.wait(), 60)
        finally:
            await client.disconnect()
        return replies

    replies = asyncio.run(chat())
    assert "not a therapist" in replies[0]
    log = (production.topology.root / "nginx" / "access.log").read_text().splitlines()
    polled = {line.rsplit(" ", 1)[1] for line in log if "/socket.io/" in line}
    assert len(polled) == 1, polled


def test_the_front_door_serves_no_rasa_api(production: Running) -> None:
    front = production.topology.layout.front
    for path in ("/conversations/someone/tracker", "/model/parse", "/status"):
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(f"http://127.0.0.1:{front}{path}", timeout=10)
        assert refused.value.code == 404, path


def test_pools_fit_postgresql_and_the_lock_store_is_redis(production: Running) -> None:
    topology = production.topology
    limit = production.scalar("SHOW max_connections")
    assert int(limit) == topology.max_connections()
    rasa_env = production.rasa(1).env
    assert rasa_env["LOCK_STORE_TYPE"] == "bot.storage.lock_store.UrlRedisLockStore"
    assert rasa_env["SQL_POOL_SIZE"] == "5" and rasa_env["SQL_MAX_OVERFLOW"] == "5"
    # (2 Rasa + 2 action servers + 2 web apps) x 2 pools x (5 + 5), plus spare.
    assert topology.max_connections() == (2 + 2 + 2) * 2 * (5 + 5) + 10


def test_socket_io_is_sticky_and_webhooks_round_robin() -> None:
    from bot.topology import Layout

    config = nginx_config(
        Layout(front=8080, actions_front=8081, rasa=(1, 2), actions=(3, 4), postgres=5, redis=6),
        Path("/run"),
    )
    sticky = config.split("upstream rasa_sticky {", 1)[1].split("}", 1)[0]
    plain = config.split("upstream rasa {", 1)[1].split("}", 1)[0]
    assert "ip_hash;" in sticky and "ip_hash" not in plain
    assert "server 127.0.0.1:1;" in plain and "server 127.0.0.1:2;" in plain


LIFELINE = "988 Suicide & Crisis Lifeline"


def _service(production: Running, name: str) -> Service:
    return next(s for s in production.services if s.name == name)


def _restart(production: Running, service: Service) -> None:
    service.process = None
    start(service, production.topology.base.project_root)
    wait_until_healthy(service, lambda: False)


def test_with_redis_stopped_turns_are_refused_clearly_and_crisis_lines_still_go_out(
    production: Running,
) -> None:
    sender = "no-redis"
    production.say(sender, "hello")
    assert "Is that okay?" in production.last(sender, "I want to log an incident")
    assert "Who was involved?" in production.last(sender, "yes")
    redis = _service(production, "Redis")
    stop([redis])
    try:
        # No lock, no turn: said plainly, and the crisis lines come first anyway.
        assert "something went wrong" in production.last(sender, "my sister")
        crisis = production.say("no-redis-crisis", "i want to kill myself")
        assert LIFELINE in crisis[0] and "something went wrong" in crisis[-1]
    finally:
        _restart(production, redis)
    # Nothing was lost: the form goes on from the question that was refused.
    assert "When did it happen?" in production.last(sender, "my sister")
    assert (
        production.scalar(
            "SELECT COUNT(*) FROM events WHERE sender_id = :s AND type_name = 'user'", s=sender
        )
        == 4
    )


CHECK_IN = ["hello", "mood check-in", "yes", "6", "skip", "skip"]
RETRY_FOR = 120.0
SAVED = re.compile(r"Saved\. Your reference is (E-[2-9A-Z]{6})")


def _check_in_until_saved(production: Running, sender: str) -> tuple[str | None, list[str]]:
    """A client logging a mood check-in the way a person would: a message
    answered "something went wrong" is sent again a moment later, an entry "NOT
    saved" gets "try again", and a check-in that got lost is started again. The
    reference it was given, and all replies."""
    said: list[str] = []
    deadline = time.monotonic() + RETRY_FOR
    while time.monotonic() < deadline:
        for step in CHECK_IN:
            try:
                replies = production.say(sender, step)
            except (urllib.error.URLError, OSError) as error:
                replies = [f"no answer: {error}"]
            said += replies
            while "NOT saved" in "\n".join(replies) and time.monotonic() < deadline:
                time.sleep(0.5)
                replies = production.say(sender, "try again")
                said += replies
            found = SAVED.search("\n".join(replies))
            if found:
                return found.group(1), said
        time.sleep(0.5)
    return None, said


def test_postgresql_restarted_under_load_keeps_every_confirmed_entry_exactly_once(
    production: Running,
) -> None:
    from concurrent.futures import ThreadPoolExecutor

    postgres = _service(production, "PostgreSQL")
    senders = [f"pg-restart-{n}" for n in range(12)]
    with ThreadPoolExecutor(max_workers=6) as pool:
        clients = [pool.submit(_check_in_until_saved, production, s) for s in senders]
        time.sleep(1.0)
        stop([postgres])
        # While it is down, a crisis message still gets the lines.
        during = production.say("pg-down-crisis", "i want to die")
        time.sleep(2.0)
        # From this thread: a server dies with the thread that started it.
        _restart(production, postgres)
        results = [client.result() for client in clients]
    assert LIFELINE in during[0]
    for sender, (reference, said) in zip(senders, results, strict=True):
        assert reference is not None, "\n".join(said)
        count = production.scalar(
            "SELECT COUNT(*) FROM entries WHERE conversation_id = :s AND reference = :r",
            s=sender,
            r=reference,
        )
        # Confirmed means stored, and stored once however often the client retried.
        assert count == 1, (sender, reference)
        assert (
            production.scalar("SELECT COUNT(*) FROM entries WHERE conversation_id = :s", s=sender)
            == 1
        )
