"""Starts the assistant's servers in the foreground and stops them together.

`python -m bot.launcher run` (what `make run` does) starts the action server and
the Rasa server, waits until both answer, prints where to reach them, and on
Ctrl-C stops both. A server that dies is started again, after a pause that
doubles with each failure in a row (RESTART_DELAYS), with a log line naming its
exit code and how often it was restarted: a crashed action server must not take
the Rasa server, and with it the crisis replies, down too. `shell` talks to the assistant
in the terminal through `rasa shell`, reusing a running action server if there
is one.
"""

from __future__ import annotations

import argparse
import ctypes
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType
from typing import Any, NoReturn

from bot.credentials_build import build_credentials, credentials_path
from bot.rasa_env import rasa_environment, rasa_executable
from bot.settings import Settings, SettingsError, load_settings

ACTION_SERVER_START_TIMEOUT = 90.0
RASA_SERVER_START_TIMEOUT = 300.0
STOP_TIMEOUT = 20.0
# Seconds before restarting a service that died: the n-th failure in a row waits
# the n-th delay (the last one from then on), so a server that cannot start does
# not spin, and one that crashed once is back at once.
RESTART_DELAYS = (1.0, 2.0, 4.0, 8.0, 16.0, 30.0, 60.0)
# A service up this long is healthy again: its next failure waits the first delay.
STEADY_SECONDS = 120.0


class LaunchError(RuntimeError):
    """The assistant cannot start; the message says why in one line."""


@dataclass
class Service:
    name: str
    command: list[str]
    health_url: str
    start_timeout: float
    env: dict[str, str]
    port: int
    # The line `make run` prints for it once everything is up; empty for none.
    ready_line: str = ""
    # For a server that does not speak HTTP (PostgreSQL, Redis): answers when it is up.
    ready: Callable[[], bool] | None = field(default=None, repr=False)
    # Started as this system user (PostgreSQL will not run as root).
    user: str | None = None
    process: subprocess.Popen[bytes] | None = field(default=None, repr=False)

    def is_ready(self) -> bool:
        return self.ready() if self.ready is not None else is_healthy(self.health_url)


def action_server(settings: Settings) -> Service:
    env = rasa_environment(settings)
    # rasa-sdk takes its bind address only from this variable.
    env["SANIC_HOST"] = settings.bind_address
    return Service(
        name="action server",
        command=[
            rasa_executable(),
            "run",
            "actions",
            "--actions",
            "actions",
            "--port",
            str(settings.action_server_port),
        ],
        health_url=settings.action_health_url,
        start_timeout=ACTION_SERVER_START_TIMEOUT,
        env=env,
        port=settings.action_server_port,
    )


def rasa_server(settings: Settings) -> Service:
    command = [
        rasa_executable(),
        "run",
        "--model",
        str(settings.model_path),
        "--endpoints",
        "endpoints.yml",
        "--credentials",
        str(credentials_path(settings)),
        "--interface",
        settings.bind_address,
        "--port",
        str(settings.rasa_port),
    ]
    if settings.enable_api:
        command += ["--enable-api", "--auth-token", settings.api_token]
    return Service(
        name="Rasa server",
        command=command,
        health_url=settings.rasa_url + "/",
        start_timeout=RASA_SERVER_START_TIMEOUT,
        env=rasa_environment(settings),
        port=settings.rasa_port,
    )


def web_app(settings: Settings, app: str, url: str, port: int, ready_line: str) -> Service:
    """One of the web apps of `python -m bot.web` (waitress)."""
    return Service(
        name={"dashboard": "therapist dashboard", "chat": "web chat page"}[app],
        command=[sys.executable, "-m", "bot.web", app],
        health_url=url + "/health",
        start_timeout=ACTION_SERVER_START_TIMEOUT,
        env=rasa_environment(settings),
        port=port,
        ready_line=ready_line,
    )


def dashboard(settings: Settings) -> Service:
    url = settings.dashboard_url
    return web_app(
        settings,
        "dashboard",
        url,
        settings.dashboard_port,
        f"  Dashboard:      {url}/ (therapists; add one with "
        "python -m bot.therapist add-therapist)",
    )


def web_chat(settings: Settings) -> Service:
    url = settings.webchat_url
    return web_app(
        settings,
        "chat",
        url,
        settings.webchat_port,
        f'  Web chat:       {url}/ (embed: <script src="{url}/webchat.js" defer></script>)',
    )


def services_for(settings: Settings) -> list[Service]:
    services = [action_server(settings), rasa_server(settings)]
    if settings.webchat_enabled:
        services.append(web_chat(settings))
    # FAQ-only mode stores nothing, so there is nothing to review.
    if settings.dashboard_enabled and not settings.faq_only:
        services.append(dashboard(settings))
    return services


def is_healthy(url: str, timeout: float = 2.0) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return 200 <= response.status < 300
    except (urllib.error.URLError, OSError):
        return False


def port_is_free(host: str, port: int) -> bool:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError:
            return False
    return True


def check_database(url: str, what: str = "the tracker store") -> None:
    """Fails fast on an unreachable database: Rasa itself retries it forever."""
    import sqlalchemy
    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    connect_args = {} if parsed.get_backend_name() == "sqlite" else {"connect_timeout": 5}
    if parsed.get_backend_name() == "sqlite" and parsed.database:
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
    engine = sqlalchemy.create_engine(url, connect_args=connect_args)
    try:
        with engine.connect():
            pass
    except sqlalchemy.exc.SQLAlchemyError as error:
        reason = str(error.orig if hasattr(error, "orig") else error).splitlines()[0]
        raise LaunchError(
            f"cannot reach {what} {parsed.render_as_string(hide_password=True)}: {reason}"
        ) from None
    finally:
        engine.dispose()


def preflight(settings: Settings, ports: list[int]) -> None:
    if not settings.model_path.is_file():
        raise LaunchError(f"no trained model at {settings.model_path}: run `make train` first")
    for port in ports:
        if not port_is_free(settings.bind_address, port):
            raise LaunchError(
                f"port {port} on {settings.bind_address} is in use (another `make run`?); "
                f"stop it or set another port in .env"
            )
    check_content(settings)
    build_credentials(settings)
    if settings.faq_only:
        # Nothing is stored in FAQ-only mode: no databases to reach or prepare.
        print("FAQ-only mode: questions about IPT and crisis help; nothing is stored.")
        return
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    check_database(settings.tracker_store_url)
    check_database(settings.database_url, "the database")
    from bot.storage.migrate import prepare

    warning = prepare(settings)
    if warning:
        print(warning, file=sys.stderr)
    from bot.storage.retention import apply_retention

    removed = apply_retention(settings)
    if removed:
        print(f"Retention: removed {removed[0]} entries and {removed[1]} conversation events.")


def check_content(settings: Settings) -> None:
    """Refuses to start on a locale without an emergency number and a crisis line,
    a crisis lexicon that does not load, IPT answers that fail their checks, or
    compliance notices and the /safety page that do not load."""
    from bot.content import compliance
    from bot.content.psychoeducation import PsychoeducationError
    from bot.crisis.detector import CrisisLexiconError, load_lexicon
    from bot.crisis.lines import CrisisLinesError
    from bot.domain_build import render_domain

    try:
        render_domain(settings)
        load_lexicon()
        compliance.check()
    except (
        CrisisLinesError,
        CrisisLexiconError,
        PsychoeducationError,
        compliance.ComplianceContentError,
    ) as error:
        raise LaunchError(str(error)) from None


def _die_with_parent() -> None:
    # Without this a SIGKILLed launcher would leave both servers running. The
    # "parent" is the thread that started the process: start services from the
    # thread that lives as long as they should (supervise's), or they get SIGTERM
    # when that thread ends.
    try:
        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        pr_set_pdeathsig = 1
        libc.prctl(pr_set_pdeathsig, signal.SIGTERM)
    except OSError:
        pass


def start(service: Service, project_root: Path) -> None:
    service.process = subprocess.Popen(
        service.command,
        cwd=project_root,
        env=service.env,
        # Own session: Ctrl-C reaches only the launcher, which then stops the
        # servers in order instead of all of them dying at once mid-request.
        start_new_session=True,
        preexec_fn=_die_with_parent,
        **as_user(service.user),
    )


def as_user(user: str | None) -> dict[str, Any]:
    """Popen's arguments to run as `user` with only its own group; none for None."""
    return {"user": user, "group": user, "extra_groups": []} if user else {}


def wait_until_healthy(service: Service, stop_requested: Callable[[], bool]) -> None:
    deadline = time.monotonic() + service.start_timeout
    while time.monotonic() < deadline:
        if stop_requested():
            raise KeyboardInterrupt
        if service.process is not None and service.process.poll() is not None:
            raise LaunchError(
                f"the {service.name} exited with code {service.process.returncode} while "
                f"starting; see its messages above"
            )
        if service.is_ready():
            return
        time.sleep(0.5)
    raise LaunchError(f"the {service.name} did not answer within {service.start_timeout:.0f} s")


def start_all(
    services: list[Service], project_root: Path, stop_requested: Callable[[], bool] = lambda: False
) -> None:
    """Starts the services not yet running, all at once (none needs another to
    start), then waits until each answers."""
    for service in services:
        if service.process is None:
            start(service, project_root)
    for service in services:
        wait_until_healthy(service, stop_requested)


@contextmanager
def running(services: list[Service], project_root: Path) -> Iterator[list[Service]]:
    """The services, started and answering, for the block; stopped after it, and
    also when one of them fails to start."""
    try:
        start_all(services, project_root)
        yield services
    finally:
        stop(services)


def stop(services: list[Service]) -> None:
    running = [s for s in services if s.process is not None and s.process.poll() is None]
    for service in running:
        assert service.process is not None
        service.process.send_signal(signal.SIGINT)
    deadline = time.monotonic() + STOP_TIMEOUT
    for service in running:
        assert service.process is not None
        try:
            service.process.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            service.process.kill()
            service.process.wait()


class _StopFlag:
    def __init__(self) -> None:
        self.raised = False

    def __call__(self) -> bool:
        return self.raised

    def handle(self, signum: int, frame: FrameType | None) -> None:
        self.raised = True


def run(settings: Settings) -> int:
    services = services_for(settings)
    preflight(settings, [s.port for s in services])
    return supervise(services, settings.project_root, lambda: ready_banner(settings, services))


def ready_banner(settings: Settings, services: list[Service]) -> str:
    return (
        f"  Chat (REST):    POST {settings.rest_webhook_url}\n"
        f"  Action server:  {settings.action_endpoint_url.rsplit('/webhook', 1)[0]}\n"
        f"  Conversations:  {_safe_url(settings.tracker_store_url)}\n"
        + "".join(s.ready_line + "\n" for s in services if s.ready_line)
        + "".join(
            f"  {name.capitalize() + ':':<15} {settings.rasa_url}/webhooks/{name}/webhook\n"
            for name in sorted(settings.messaging.enabled)
        )
    )


@dataclass
class Restarts:
    """One service's restarts under `supervise`."""

    service: Service
    started: float
    count: int = 0
    # Failures since the service was last up for STEADY_SECONDS.
    in_a_row: int = 0
    due: float | None = None

    def check(self, now: float, project_root: Path) -> None:
        """Notices a death (and schedules the restart) or carries out a restart due."""
        process = self.service.process
        assert process is not None
        if self.due is None and process.poll() is not None:
            if now - self.started >= STEADY_SECONDS:
                self.in_a_row = 0
            delay = RESTART_DELAYS[min(self.in_a_row, len(RESTART_DELAYS) - 1)]
            self.in_a_row += 1
            self.count += 1
            self.due = now + delay
            print(
                f"The {self.service.name} stopped unexpectedly (exit code {process.returncode}); "
                f"restarting it in {delay:.0f} s (restart {self.count}).",
                file=sys.stderr,
                flush=True,
            )
        elif self.due is not None and now >= self.due:
            self.due = None
            self.started = now
            start(self.service, project_root)


def supervise(services: list[Service], project_root: Path, banner: Callable[[], str]) -> int:
    """Starts the services not yet running, all at once (none needs another to
    start), waits until each answers, prints the banner, and keeps them running
    until Ctrl-C, restarting any that dies (Restarts); then stops them all."""
    stop_flag = _StopFlag()
    signal.signal(signal.SIGINT, stop_flag.handle)
    signal.signal(signal.SIGTERM, stop_flag.handle)
    try:
        start_all(services, project_root, stop_flag)
        print(f"\nThe IPT assistant is ready.\n{banner()}Press Ctrl-C to stop.\n", flush=True)
        restarts = [Restarts(service, time.monotonic()) for service in services]
        while not stop_flag():
            for watched in restarts:
                watched.check(time.monotonic(), project_root)
            time.sleep(0.5)
        print("\nStopping the IPT assistant…", flush=True)
        return 0
    except KeyboardInterrupt:
        print("\nStopped before the assistant was ready.", flush=True)
        return 0
    finally:
        stop(services)


def shell(settings: Settings) -> int:
    """Chats in the terminal; uses the running action server when `make run` is up."""
    actions = action_server(settings)
    if not settings.model_path.is_file():
        raise LaunchError(f"no trained model at {settings.model_path}: run `make train` first")
    check_database(settings.tracker_store_url)
    owned: list[Service] = []
    try:
        if not is_healthy(actions.health_url):
            if not port_is_free(settings.bind_address, settings.action_server_port):
                raise LaunchError(f"port {settings.action_server_port} is taken by something else")
            start(actions, settings.project_root)
            owned.append(actions)
            wait_until_healthy(actions, lambda: False)
        command = [
            rasa_executable(),
            "shell",
            "--model",
            str(settings.model_path),
            "--endpoints",
            "endpoints.yml",
            # rasa shell runs a server of its own; keep it off the port of `make run`.
            "--port",
            str(free_port(settings.bind_address)),
        ]
        return subprocess.call(command, cwd=settings.project_root, env=rasa_environment(settings))
    finally:
        stop(owned)


def free_port(host: str = "127.0.0.1") -> int:
    """A port nothing listens on now (the system picks it)."""
    with socket.socket() as probe:
        probe.bind((host, 0))
        return int(probe.getsockname()[1])


def _safe_url(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Start the IPT assistant.")
    parser.add_argument("mode", choices=["run", "shell"], nargs="?", default="run")
    args = parser.parse_args(argv)
    exit_with(lambda settings: run(settings) if args.mode == "run" else shell(settings))


def exit_with(work: Callable[[Settings], int]) -> NoReturn:
    """Runs `work` on the settings and exits with its code; a configuration or
    start-up problem is one line on stderr and exit code 2."""
    try:
        code = work(load_settings())
    except (SettingsError, LaunchError) as error:
        print(f"error: {error}", file=sys.stderr)
        sys.exit(2)
    sys.exit(code)


if __name__ == "__main__":
    main()
