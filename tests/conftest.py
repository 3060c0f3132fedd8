"""Shared fixtures. The trained model is made once per run by `make test`
(Make's `train` step) and loaded here once per session."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

os.environ.setdefault("RASA_TELEMETRY_ENABLED", "false")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

from bot.settings import PROJECT_ROOT, load_settings


@pytest.fixture(scope="session")
def model_path() -> Path:
    path = load_settings().model_path
    if not path.is_file():
        pytest.fail(f"no trained model at {path}: run the tests through `make test`")
    return path


@pytest.fixture(scope="session")
def event_loop_session() -> Iterator[asyncio.AbstractEventLoop]:
    loop = asyncio.new_event_loop()
    yield loop
    loop.close()


@pytest.fixture(scope="session")
def agent(model_path: Path, event_loop_session: asyncio.AbstractEventLoop) -> Any:
    from rasa.core.agent import Agent

    return Agent.load(str(model_path))


@pytest.fixture(scope="session")
def parse(agent: Any, event_loop_session: asyncio.AbstractEventLoop):
    """parse(text) -> Rasa's NLU result for one message."""

    def _parse(text: str) -> dict[str, Any]:
        return event_loop_session.run_until_complete(agent.parse_message(text))

    return _parse


@pytest.fixture()
def project_root() -> Path:
    return PROJECT_ROOT
