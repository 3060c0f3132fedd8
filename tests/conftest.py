"""Shared fixtures. The trained model is made once per run by `make test`
(Make's `train` step) and loaded here once per session."""

from __future__ import annotations

import asyncio
import os
import secrets
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


@pytest.fixture(scope="session")
def scratch_postgres() -> Iterator[str]:
    """A scratch PostgreSQL database: the one TEST_POSTGRES_URL names, else a
    throwaway server of Debian's postgresql (which `make test` installs)."""
    url = os.environ.get("TEST_POSTGRES_URL", "")
    if url:
        yield url
        return
    from bot.launcher import free_port, running
    from bot.postgres_cluster import PostgresCluster, postgres_bin, scratch_folder

    if postgres_bin() is None:
        pytest.skip("no PostgreSQL: install Debian's postgresql or set TEST_POSTGRES_URL")
    with scratch_folder("ipt-test-postgres-") as root:
        cluster = PostgresCluster(root, free_port(), secrets.token_urlsafe(24), "scratch")
        with running([cluster.service(dict(os.environ))], PROJECT_ROOT):
            yield cluster.url


def scratch_url(request: pytest.FixtureRequest, sqlite_file: Path) -> str:
    """For a fixture with params ["sqlite", "postgresql"]: a SQLite file, or the
    scratch PostgreSQL database."""
    if request.param == "sqlite":
        return f"sqlite:///{sqlite_file}"
    return str(request.getfixturevalue("scratch_postgres"))


@pytest.fixture(params=["sqlite", "postgresql"])
def db(request: pytest.FixtureRequest, tmp_path: Path) -> Any:
    """A migrated database with its own key: SQLite in a temporary folder, and
    PostgreSQL too when TEST_POSTGRES_URL names a scratch database (emptied first)."""
    from alembic import command
    from cryptography.fernet import Fernet

    from bot.storage.crypto import FieldCipher
    from bot.storage.database import Database
    from bot.storage.migrate import alembic_config, upgrade

    url = scratch_url(request, tmp_path / "data" / "ipt.db")
    if request.param == "postgresql":
        command.downgrade(alembic_config(url), "base")
    upgrade(url)
    return Database(url, FieldCipher([Fernet.generate_key().decode()]))


# Credentials of the messaging channels the shared instance runs with. The
# values are made up; the formats are the providers' own.
MESSAGING_ENV = {
    "TELEGRAM_ACCESS_TOKEN": "123456789:AAHtestTOKENtestTOKENtestTOKENtest12",
    "TELEGRAM_SECRET_TOKEN": "telegram-secret-token-0123456789",
    "SLACK_BOT_TOKEN": "xoxb-0000000000-0000000000000-testtesttesttesttesttest",
    "SLACK_SIGNING_SECRET": "8f742231b10e8888abcd99yyyzzz85a5",
    "TWILIO_ACCOUNT_SID": "AC" + "0123456789abcdef" * 2,
    "TWILIO_AUTH_TOKEN": "twilio-auth-token-0123456789abcd",
    "TWILIO_NUMBER": "+15005550006",
    # The public address Twilio would call (and sign), behind the clinic's proxy.
    "TWILIO_WEBHOOK_URL": "https://chat.clinic.example/webhooks/twilio/webhook",
}


@pytest.fixture(scope="session")
def provider_apis() -> Iterator[Any]:
    from provider_apis import ProviderApis

    apis = ProviderApis()
    yield apis
    apis.close()


@pytest.fixture(scope="session")
def assistant(
    tmp_path_factory: pytest.TempPathFactory, model_path: Path, provider_apis: Any
) -> Iterator[Any]:
    """Both servers, started the way `make run` starts them, with the HTTP API on
    so a test can read a conversation's tracker, and the messaging channels on
    (their providers' APIs stood in for by `provider_apis`). Started once for the
    whole run (a start loads the model, about a minute): every test talks as its
    own client and looks only at that client's rows."""
    from bot.local_instance import LocalAssistant

    running = LocalAssistant(
        tmp_path_factory.mktemp("assistant"),
        model_path,
        api_token="test-api-token-0123456789",
        TELEGRAM_API_URL=provider_apis.url,
        SLACK_API_URL=provider_apis.url + "/api/",
        TWILIO_API_URL=provider_apis.url,
        **MESSAGING_ENV,
    )
    running.start()
    yield running
    running.stop()


@pytest.fixture()
def project_root() -> Path:
    return PROJECT_ROOT


@pytest.fixture()
def settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Any:
    """Settings for one test: data in a temporary folder, migrated, seen by the actions."""
    from actions import context
    from bot.storage.migrate import prepare

    values = load_settings(
        environ={"DATA_DIR": str(tmp_path), "CRISIS_LOCALE": "US"},
        dotenv_path=tmp_path / "none",
    )
    prepare(values)
    monkeypatch.setattr(context, "settings", lambda: values)
    return values


@pytest.fixture()
def database_down(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Settings that point at a PostgreSQL server nobody is running."""
    from actions import context

    broken = load_settings(
        environ={
            "DATABASE_URL": "postgresql://u:p@127.0.0.1:1/none",
            "DATA_ENCRYPTION_KEY": "x2DcHtV2o7b4ZDhRbD0ZHc7T0aHvV6nQJ3kq0s5lq7M=",
        },
        dotenv_path=tmp_path / "none",
    )
    monkeypatch.setattr(context, "settings", lambda: broken)


@pytest.fixture()
def form_turn() -> Any:
    """form_turn(action, form, required, slot, value, slots) -> (slot values set, dispatcher):
    runs a form's validation action the way the SDK does after a client answers."""
    return _form_turn


def _form_turn(
    action: Any,
    form: str,
    required: list[str],
    slot: str,
    value: Any,
    slots: dict[str, Any] | None = None,
) -> tuple[dict[str, Any], Any]:
    from rasa_sdk.executor import CollectingDispatcher
    from rasa_sdk.interfaces import Tracker as SdkTracker

    domain = {"forms": {form: {"required_slots": list(required)}}}
    t = SdkTracker(
        sender_id="client-7",
        slots={
            **{s: None for s in required},
            "requested_slot": slot,
            **(slots or {}),
            slot: value,
        },
        latest_message={"text": str(value), "intent": {"name": "inform"}, "entities": []},
        events=[
            {"event": "action", "name": "action_listen"},
            {"event": "user", "text": str(value)},
            {"event": "slot", "name": slot, "value": value},
        ],
        paused=False,
        followup_action=None,
        active_loop={"name": form},
        latest_action_name="action_listen",
    )
    dispatcher = CollectingDispatcher()
    events = asyncio.run(action.run(dispatcher, t, domain))
    return {e["name"]: e["value"] for e in events if e["event"] == "slot"}, dispatcher


CHROMIUM = Path("/usr/bin/chromium")
# Chromium's own calls home are refused on these machines; keep it quiet and local.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="module")
def chromium() -> Iterator[Any]:
    """Debian's Chromium, headless, driven by Playwright (never a downloaded browser).

    Per module, not per session: Playwright's sync API keeps an event loop
    running in this thread, which the asyncio fixtures of other modules cannot share."""
    from playwright.sync_api import sync_playwright

    if not CHROMIUM.is_file():
        pytest.fail("no /usr/bin/chromium: run the tests through `make test`, which installs it")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()
