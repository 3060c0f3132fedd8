"""A private copy of the running assistant, for tests and benchmarks.

Starts `python -m bot.launcher run` exactly as `make run` does, but on free
loopback ports with its own data folder, and talks to it over the REST channel.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any

from bot.launcher import free_port


class LocalAssistant:
    def __init__(
        self, data_dir: Path, model_path: Path, api_token: str | None = None, **env: str
    ) -> None:
        self.rasa_port = free_port()
        self.action_port = free_port()
        self.dashboard_port = free_port()
        self.webchat_port = free_port()
        self.data_dir = data_dir
        self.api_token = api_token
        self.env = {
            **os.environ,
            "BIND_ADDRESS": "127.0.0.1",
            "RASA_PORT": str(self.rasa_port),
            "ACTION_SERVER_PORT": str(self.action_port),
            "DASHBOARD_PORT": str(self.dashboard_port),
            "DASHBOARD_BIND_ADDRESS": "",
            "WEBCHAT_PORT": str(self.webchat_port),
            "WEBCHAT_BIND_ADDRESS": "",
            "WEBCHAT_SERVER_URL": "",
            "ACTION_ENDPOINT_URL": "",
            "DATA_DIR": str(data_dir),
            "TRACKER_STORE_URL": "",
            "RASA_MODEL": str(model_path),
            "RASA_ENABLE_API": "true" if api_token else "false",
            "RASA_API_TOKEN": api_token or "",
            **env,
        }
        self.log = data_dir / f"launcher-{self.rasa_port}.log"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self, timeout: float = 300.0) -> float:
        """Starts and waits until ready; returns the seconds that took."""
        started = time.monotonic()
        # The log is appended to across restarts: only this start's lines count.
        since = self.log.stat().st_size if self.log.exists() else 0
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "bot.launcher", "run"],
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        while time.monotonic() - started < timeout:
            if self.process.poll() is not None:
                raise RuntimeError(f"the launcher exited early:\n{self.output()}")
            if "is ready" in self.output(since):
                return time.monotonic() - started
            time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"the launcher was not ready within {timeout:.0f} s:\n{self.output()}")

    def output(self, since: int = 0) -> str:
        """What the launcher printed, from byte offset `since` of its log."""
        with self.log.open("rb") as log:
            log.seek(since)
            return log.read().decode("utf-8", errors="replace")

    def say(self, sender: str, message: str) -> list[dict[str, Any]]:
        body = json.dumps({"sender": sender, "message": message}).encode()
        return self.request("/webhooks/rest/webhook", body)

    def request(self, path: str, body: bytes | None = None, token: str | None = None) -> Any:
        if token:
            path += ("&" if "?" in path else "?") + f"token={token}"
        headers = {"Content-Type": "application/json"}
        if self.env.get("REST_CHANNEL_TOKEN"):
            # The REST channel's credential, as the clinic's back end would send it.
            headers["Authorization"] = f"Bearer {self.env['REST_CHANNEL_TOKEN']}"
        request = urllib.request.Request(
            f"http://127.0.0.1:{self.rasa_port}{path}", data=body, headers=headers
        )
        with urllib.request.urlopen(request, timeout=60) as response:
            return json.loads(response.read())

    def tracker(self, sender: str) -> dict[str, Any]:
        return self.request(f"/conversations/{sender}/tracker", token=self.api_token)

    def server_pids(self) -> dict[str, int]:
        """The process ids of the Rasa server, the action server and the web apps."""
        assert self.process is not None
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        pids = {}
        for pid in children.read_text().split():
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
            name = (
                "web chat page"
                if b"bot.web" in cmdline and b"chat" in cmdline
                else "therapist dashboard"
                if b"bot.web" in cmdline
                else "action server"
                if b"actions" in cmdline
                else "Rasa server"
            )
            pids[name] = int(pid)
        return pids

    def stop(self) -> int:
        """Stops it the way Ctrl-C does; returns the launcher's exit code."""
        assert self.process is not None
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
        return self.process.wait(timeout=60)


def rss_mib(pid: int) -> float:
    """Resident memory of one process, in MiB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no VmRSS for process {pid}")


class LocalDashboard:
    """`python -m bot.web` on a free loopback port, on a given database and key."""

    def __init__(self, data_dir: Path, database_url: str, key: str, **env: str) -> None:
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.log = data_dir / f"dashboard-{self.port}.log"
        self.env = {
            **os.environ,
            "DATA_DIR": str(data_dir),
            "DATABASE_URL": database_url,
            "DATA_ENCRYPTION_KEY": key,
            "DASHBOARD_PORT": str(self.port),
            "DASHBOARD_BIND_ADDRESS": "127.0.0.1",
            "FAQ_ONLY": "false",
            **env,
        }
        self.process: subprocess.Popen[bytes] | None = None

    def start(self, timeout: float = 60.0) -> None:
        # The child keeps its own copy of the log's descriptor; ours can close at once.
        with self.log.open("wb") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "bot.web"], env=self.env, stdout=log, stderr=log
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                output = self.log.read_text(errors="replace")
                raise RuntimeError(
                    f"the dashboard exited with {self.process.returncode}:\n{output}"
                )
            try:
                with urllib.request.urlopen(self.base + "/health", timeout=2):
                    return
            except OSError:
                time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"the dashboard did not answer /health within {timeout:.0f} s")

    def stop(self) -> int:
        """Stops it the way Ctrl-C does; returns its exit code."""
        assert self.process is not None
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                return self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
        return self.process.wait()
