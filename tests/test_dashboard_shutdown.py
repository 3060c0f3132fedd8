"""The dashboard process ends cleanly on Ctrl-C and on SIGTERM, however it was started."""

from __future__ import annotations

import signal
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

from bot.local_instance import LocalDashboard
from bot.storage.migrate import upgrade


@pytest.mark.parametrize("how", [signal.SIGTERM, signal.SIGINT], ids=["sigterm", "sigint"])
def test_the_dashboard_exits_cleanly_on_a_stop_signal(tmp_path: Path, how: signal.Signals) -> None:
    url = f"sqlite:///{tmp_path / 'ipt.db'}"
    upgrade(url)
    server = LocalDashboard(tmp_path, url, Fernet.generate_key().decode())
    # Started as a shell starts a background job: with SIGINT ignored, which the
    # child inherits (it used to run on until killed).
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        server.start()
    finally:
        signal.signal(signal.SIGINT, previous)
    assert server.process is not None
    server.process.send_signal(how)
    assert server.process.wait(timeout=20) == 0
