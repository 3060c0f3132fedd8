"""Reminders through Rasa's own machinery: the trained model, the running action
server, the encrypted tracker store and Rasa's scheduler. Only the scheduler's
firing is called directly, as its job would (it is otherwise hours away), and
the channel is named "telegram" because the REST channel cannot deliver one."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from cryptography.fernet import Fernet
from rasa.core import jobs
from rasa.core.channels.channel import CollectingOutputChannel, UserMessage
from rasa.shared.core.events import ReminderScheduled

from bot.journal.reminders import reminder_name
from bot.storage.crypto import FieldCipher
from bot.storage.tracker_store import EncryptedSQLTrackerStore


@pytest.fixture(scope="module")
def loop() -> Iterator[asyncio.AbstractEventLoop]:
    # Rasa's scheduler is one per process, bound to the loop it first ran in.
    jobs.kill_scheduler()
    running = asyncio.new_event_loop()
    yield running
    jobs.kill_scheduler()
    running.close()


@pytest.fixture(scope="module")
def reminder_agent(
    assistant: Any, model_path: Path, tmp_path_factory: pytest.TempPathFactory, loop: Any
) -> Any:
    from rasa.core.agent import Agent
    from rasa.utils.endpoints import EndpointConfig

    url = f"sqlite:///{tmp_path_factory.mktemp('reminders') / 'tracker.db'}"
    store = EncryptedSQLTrackerStore(host=url, cipher=FieldCipher([Fernet.generate_key().decode()]))
    endpoint = EndpointConfig(f"http://127.0.0.1:{assistant.action_port}/webhook")
    return loop.run_until_complete(
        asyncio.to_thread(
            Agent.load, str(model_path), tracker_store=store, action_endpoint=endpoint
        )
    )


async def _say(agent: Any, sender: str, text: str) -> str:
    out = CollectingOutputChannel()
    await agent.handle_message(UserMessage(text, out, sender, input_channel="telegram"))
    return " ".join(m.get("text") or "" for m in out.messages)


async def _jobs_for(sender: str) -> list[Any]:
    return [
        job
        for job in (await jobs.scheduler()).get_jobs()
        if job.name.endswith(sender) and reminder_name(sender) in job.id
    ]


def test_each_client_gets_a_daily_reminder_that_fires_and_stops(
    reminder_agent: Any, loop: Any
) -> None:
    async def scenario() -> None:
        for sender in ("rem-a", "rem-b"):
            said = await _say(reminder_agent, sender, "remind me to check in every day at 8pm")
            assert "every day at 8pm" in said, said
        first, second = await _jobs_for("rem-a"), await _jobs_for("rem-b")
        assert len(first) == 1 and len(second) == 1  # one each: neither replaced the other
        assert first[0].next_run_time.hour == 20 and first[0].next_run_time.minute == 0

        tracker = await reminder_agent.tracker_store.retrieve("rem-a")
        [reminder] = [e for e in tracker.events if isinstance(e, ReminderScheduled)][-1:]
        out = CollectingOutputChannel()
        await reminder_agent.processor.handle_reminder(reminder, "rem-a", out)
        nudge = " ".join(m.get("text") or "" for m in out.messages)
        assert "check-in time" in nudge, nudge
        assert any(
            b.get("payload") == "/mood_checkin"
            for m in out.messages
            for b in m.get("buttons") or []
        )
        assert len(await _jobs_for("rem-a")) == 1  # the next day's

        said = await _say(reminder_agent, "rem-a", "stop the reminders")
        assert "no more reminders" in said.lower(), said
        assert await _jobs_for("rem-a") == [] and len(await _jobs_for("rem-b")) == 1

    loop.run_until_complete(scenario())


def test_over_rest_the_assistant_says_it_cannot_remind(assistant: Any) -> None:
    replies = assistant.say("rem-rest", "remind me to check in every day at 8pm")
    said = " ".join(r.get("text") or "" for r in replies)
    assert "can't send reminders here" in said, said
    events = assistant.tracker("rem-rest")["events"]
    assert not [e for e in events if e["event"] == "reminder"]
    assert not [
        e for e in events if e["event"] == "slot" and e["name"] == "reminder_at" and e["value"]
    ]
