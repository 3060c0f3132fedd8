"""Faults with the real parts: the servers `make run` starts, on a PostgreSQL
server of their own that the test stops and starts again under them.

In every fault a crisis message still gets the crisis lines, nothing the client
was told is saved is missing, and nothing is stored twice."""

from __future__ import annotations

import os
import secrets
import signal
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from bot.launcher import free_port, is_healthy, running, start, wait_until_healthy
from bot.local_instance import LocalAssistant
from bot.postgres_cluster import PostgresCluster, postgres_bin, scratch_folder
from bot.settings import PROJECT_ROOT

LIFELINE = "988 Suicide & Crisis Lifeline"
NOT_SAVED = "it is NOT saved yet"


@pytest.fixture(scope="module")
def database() -> Iterator[Any]:
    if postgres_bin() is None:
        pytest.fail("no PostgreSQL: run the tests through `make test`, which installs it")
    with scratch_folder("ipt-fault-postgres-") as root:
        cluster = PostgresCluster(root, free_port(), secrets.token_urlsafe(24), "faults")
        service = cluster.service(dict(os.environ))
        with running([service], PROJECT_ROOT):
            yield cluster, service


@pytest.fixture(scope="module")
def on_postgres(
    database: Any, tmp_path_factory: pytest.TempPathFactory, model_path: Path
) -> Iterator[LocalAssistant]:
    cluster, _ = database
    assistant = LocalAssistant(
        tmp_path_factory.mktemp("faults"), model_path, DATABASE_URL=cluster.url
    )
    assistant.start()
    yield assistant
    assistant.stop()


def texts(replies: list[dict[str, Any]]) -> str:
    return "\n".join(reply.get("text", "") for reply in replies)


def entries(cluster: Any, sender: str) -> int:
    engine = sa.create_engine(cluster.url)
    try:
        with engine.connect() as connection:
            query = sa.text("SELECT COUNT(*) FROM entries WHERE conversation_id = :c")
            return int(connection.execute(query, {"c": sender}).scalar_one())
    finally:
        engine.dispose()


def to_the_summary(assistant: LocalAssistant, sender: str) -> None:
    assistant.say(sender, "hello")
    consent = texts(assistant.say(sender, "my mom yelled at me at dinner yesterday, 3/10"))
    assert "Is that okay?" in consent
    assert "Where were you?" in texts(assistant.say(sender, "yes"))
    assert "Shall I save it?" in texts(assistant.say(sender, "skip the rest"))


@pytest.mark.server
def test_with_the_database_down_a_form_keeps_its_answers_and_crisis_lines_go_out(
    on_postgres: LocalAssistant, database: Any
) -> None:
    cluster, service = database
    to_the_summary(on_postgres, "db-down")
    service.process.send_signal(signal.SIGINT)
    service.process.wait(timeout=30)
    try:
        assert NOT_SAVED in texts(on_postgres.say("db-down", "yes, save it"))
        on_postgres.say("db-down-crisis", "hello")
        assert LIFELINE in texts(on_postgres.say("db-down-crisis", "i want to kill myself"))
        assert LIFELINE in texts(on_postgres.say("db-down-new", "i want to die"))
    finally:
        service.process = None
        start(service, PROJECT_ROOT)
        wait_until_healthy(service, lambda: False)
    assert "Saved." in texts(on_postgres.say("db-down", "try again"))
    assert entries(cluster, "db-down") == 1
    assert "Saved." not in texts(on_postgres.say("db-down", "try again"))
    assert entries(cluster, "db-down") == 1


@pytest.mark.server
@pytest.mark.parametrize("delay", [0.0, 0.05, 0.15])
def test_an_action_server_killed_during_a_save_never_confirms_a_lost_entry_or_doubles_one(
    on_postgres: LocalAssistant, database: Any, delay: float
) -> None:
    cluster, _ = database
    sender = f"killed-save-{int(delay * 1000)}"
    to_the_summary(on_postgres, sender)
    answer: list[str] = []
    saving = threading.Thread(
        target=lambda: answer.append(texts(on_postgres.say(sender, "yes, save it")))
    )
    saving.start()
    time.sleep(delay)
    os.kill(on_postgres.server_pids()["action server"], signal.SIGKILL)
    saving.join(timeout=120)
    # Never silence: a turn cut off is answered with what to do.
    assert answer[0].strip()
    told_saved = "Saved." in answer[0]
    if told_saved:
        assert entries(cluster, sender) == 1
    health = f"http://127.0.0.1:{on_postgres.action_port}/health"
    deadline = time.monotonic() + 120
    while not is_healthy(health) and time.monotonic() < deadline:
        time.sleep(0.5)
    assert is_healthy(health)
    # Whatever the client was told, asking again ends with the entry stored once.
    if not told_saved:
        retried = texts(on_postgres.say(sender, "try again"))
        if "Saved." not in retried:
            retried = texts(on_postgres.say(sender, "yes, save it"))
        assert "Saved." in retried, retried
    assert entries(cluster, sender) == 1
    assert LIFELINE in texts(on_postgres.say(sender, "i want to die"))
