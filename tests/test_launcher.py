from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from bot.launcher import (
    RESTART_DELAYS,
    STEADY_SECONDS,
    LaunchError,
    Restarts,
    Service,
    check_database,
    free_port,
    port_is_free,
    preflight,
    rasa_server,
    start,
)
from bot.local_instance import LocalAssistant
from bot.settings import load_settings

TOKEN = "test-token-0123456789abcdef"


def _settings(tmp_path: Path, **env: str):
    return load_settings(environ=env, dotenv_path=tmp_path / "none", project_root=tmp_path)


def test_preflight_refuses_to_start_without_a_model(tmp_path: Path) -> None:
    settings = _settings(tmp_path)
    with pytest.raises(LaunchError, match="no trained model"):
        preflight(settings, [])


def test_preflight_names_a_port_that_is_taken(tmp_path: Path) -> None:
    (tmp_path / "model.tar.gz").write_bytes(b"x")
    settings = _settings(tmp_path, RASA_MODEL="model.tar.gz")
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        assert not port_is_free("127.0.0.1", port)
        with pytest.raises(LaunchError, match=f"port {port} on 127.0.0.1 is in use"):
            preflight(settings, [port])


def test_an_unreachable_tracker_store_fails_fast_with_one_line(tmp_path: Path) -> None:
    closed = free_port()
    started = time.monotonic()
    with pytest.raises(LaunchError, match="cannot reach the tracker store") as error:
        check_database(f"postgresql://rasa:secret@127.0.0.1:{closed}/rasa")
    assert time.monotonic() - started < 10
    assert "secret" not in str(error.value)
    assert "\n" not in str(error.value)


def test_the_sqlite_folder_is_created_on_demand(tmp_path: Path) -> None:
    check_database(f"sqlite:///{tmp_path / 'new' / 'tracker.db'}")
    assert (tmp_path / "new").is_dir()


def test_the_http_api_is_off_unless_configured(tmp_path: Path) -> None:
    assert "--enable-api" not in rasa_server(_settings(tmp_path)).command
    command = rasa_server(_settings(tmp_path, RASA_ENABLE_API="true", RASA_API_TOKEN=TOKEN)).command
    assert command[command.index("--auth-token") + 1] == TOKEN


# --- The real servers, started the way `make run` starts them -----------------


@pytest.mark.server
def test_make_run_answers_over_rest_keeps_conversations_and_stops_cleanly(
    tmp_path: Path, model_path: Path, project_root: Path
) -> None:
    import yaml

    greetings = {
        variant["text"]
        for variant in yaml.safe_load((project_root / "domain.yml").read_text())["responses"][
            "utter_greet"
        ]
    }
    assistant = LocalAssistant(tmp_path, model_path, api_token=TOKEN)
    assistant.start()
    try:
        replies = assistant.say("client-1", "hello there")
        # A new conversation opens with the disclosure (actions/session.py).
        assert "nobody reads these messages in real time" in replies[0]["text"]
        assert replies[1]["text"] in greetings
        assert [button["payload"] for button in replies[2]["buttons"]] == [
            "/ipt_topics",
            "/log_incident",
            "/mood_checkin",
            "/show_entries",
            "/safety_plan",
            "/crisis_help",
            "/about_assistant",
        ]
        # The action server answers too.
        with urllib.request.urlopen(f"http://127.0.0.1:{assistant.action_port}/health") as r:
            assert r.status == 200
        # The therapists' dashboard runs beside them and asks for a sign-in first.
        dashboard = f"http://127.0.0.1:{assistant.dashboard_port}"
        with urllib.request.urlopen(dashboard + "/health") as r:
            assert r.status == 200
        with urllib.request.urlopen(dashboard + "/") as r:
            assert r.url.startswith(dashboard + "/sign-in")
            assert "Sign in" in r.read().decode()
        # The HTTP API is closed without the token.
        with pytest.raises(urllib.error.HTTPError) as denied:
            assistant.request("/conversations/client-1/tracker")
        assert denied.value.code == 401
    finally:
        assert assistant.stop() == 0
    assert "Stopping the IPT assistant" in assistant.output()
    assert port_is_free("127.0.0.1", assistant.rasa_port)
    assert port_is_free("127.0.0.1", assistant.action_port)
    assert port_is_free("127.0.0.1", assistant.dashboard_port)
    # TensorFlow's start-up banners are kept out of the user's way.
    assert "oneDNN" not in assistant.output() and "cuda" not in assistant.output().lower()

    # A restart on the same data folder continues the same conversation.
    assert (tmp_path / "tracker.db").is_file()
    assistant.start()
    try:
        texts = [
            e.get("text") for e in assistant.tracker("client-1")["events"] if e["event"] == "user"
        ]
        assert texts == ["hello there"]
        assistant.say("client-1", "thanks!")
        texts = [
            e.get("text") for e in assistant.tracker("client-1")["events"] if e["event"] == "user"
        ]
        assert texts == ["hello there", "thanks!"]
    finally:
        assert assistant.stop() == 0


@pytest.mark.server
def test_a_bad_setting_stops_the_launcher_with_one_line(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "bot.launcher", "run"],
        env={**os.environ, "RASA_PORT": "not-a-port"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "error: RASA_PORT must be a port number from 1 to 65535, not 'not-a-port'"
    ]


def _exits_at_once(code: int) -> Service:
    return Service(
        name="test server",
        command=[sys.executable, "-c", f"import sys; sys.exit({code})"],
        health_url="http://127.0.0.1:1/",
        start_timeout=5,
        env=dict(os.environ),
        port=0,
    )


def _died(service: Service) -> None:
    assert service.process is not None
    service.process.wait(timeout=30)


def test_a_server_that_dies_is_restarted_with_growing_pauses_and_a_log_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    service = _exits_at_once(3)
    start(service, tmp_path)
    watched = Restarts(service, started=0.0)
    _died(service)
    watched.check(1.0, tmp_path)
    said = capsys.readouterr().err
    assert (
        "The test server stopped unexpectedly (exit code 3); restarting it in 1 s (restart 1)."
        in said
    )
    first = service.process
    watched.check(1.5, tmp_path)  # not yet due
    assert service.process is first
    watched.check(2.0, tmp_path)  # due: started again, as a new process
    assert service.process is not first
    _died(service)
    watched.check(2.5, tmp_path)
    assert f"restarting it in {RESTART_DELAYS[1]:.0f} s (restart 2)" in capsys.readouterr().err
    # Failing again and again: the pause grows to the last one and stays there.
    now = 2.5
    for _ in range(len(RESTART_DELAYS) + 2):
        now += RESTART_DELAYS[-1]
        watched.check(now, tmp_path)
        _died(service)
        watched.check(now + 0.1, tmp_path)
    assert (
        f"restarting it in {RESTART_DELAYS[-1]:.0f} s" in capsys.readouterr().err.splitlines()[-1]
    )


def test_a_server_that_ran_steadily_is_restarted_after_the_shortest_pause(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    service = _exits_at_once(1)
    start(service, tmp_path)
    watched = Restarts(service, started=0.0, count=4, in_a_row=4)
    _died(service)
    watched.check(STEADY_SECONDS + 1, tmp_path)
    assert f"restarting it in {RESTART_DELAYS[0]:.0f} s (restart 5)" in capsys.readouterr().err
