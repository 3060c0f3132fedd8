"""`make prod-local`: the production topology, on this machine's loopback.

Rasa's own way to scale out, from Debian's packages: PostgreSQL for the
conversations and the entries, Redis for the conversation locks, two (or more)
Rasa servers and two (or more) action servers, and nginx in front:

    nginx :PROD_LOCAL_PORT   /webhooks/… round robin over the Rasa servers;
                             /socket.io/ sticky (ip_hash): a web chat socket's
                             requests must all reach the server that holds it
    nginx :PROD_LOCAL_PORT+1 round robin over the action servers (Rasa's
                             ACTION_ENDPOINT_URL)
    Rasa servers, action servers, PostgreSQL, Redis: loopback ports of their own
    web chat page and therapist dashboard: one each, on their usual ports

Every process gets the same .env plus the addresses above; state lives in
DATA_DIR/prod-local (the PostgreSQL cluster and its password are kept between
runs, so are the conversations). docs/production.md describes the same on real
hosts.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import shutil
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

from bot.launcher import (
    LaunchError,
    Service,
    action_server,
    dashboard,
    exit_with,
    free_port,
    port_is_free,
    preflight,
    rasa_server,
    running,
    start_all,
    stop,
    supervise,
    web_chat,
)
from bot.local_keys import local_secret, write_once
from bot.postgres_cluster import PostgresCluster, own, postgres_bin, scratch_folder
from bot.settings import Settings, load_settings

DATABASE = "ipt"
INFRA_START_TIMEOUT = 60.0
# Connections PostgreSQL keeps back beyond what the pools can take (psql, checks).
SPARE_CONNECTIONS = 10


@dataclasses.dataclass(frozen=True)
class Programs:
    nginx: str
    redis: str
    postgres_bin: Path

    @classmethod
    def find(cls) -> Programs:
        postgres = postgres_bin()
        nginx = shutil.which("nginx") or shutil.which("nginx", path="/usr/sbin")
        redis = shutil.which("redis-server")
        if not (postgres and nginx and redis):
            raise LaunchError(
                "the production topology needs Debian's nginx, redis-server and postgresql: "
                "run `make prod-local`, which installs them"
            )
        return cls(nginx, redis, postgres)


@dataclasses.dataclass(frozen=True)
class Layout:
    """Where each process listens; everything on 127.0.0.1."""

    front: int
    actions_front: int
    rasa: tuple[int, ...]
    actions: tuple[int, ...]
    postgres: int
    redis: int

    @classmethod
    def choose(cls, front: int, servers: int) -> Layout:
        taken: set[int] = {front, front + 1}
        return cls(
            front=front,
            actions_front=front + 1,
            rasa=tuple(_free_port(taken) for _ in range(servers)),
            actions=tuple(_free_port(taken) for _ in range(servers)),
            postgres=_free_port(taken),
            redis=_free_port(taken),
        )


def _free_port(taken: set[int]) -> int:
    """A free port none of the others chosen so far has."""
    while (port := free_port()) in taken:
        pass
    taken.add(port)
    return port


class Topology:
    def __init__(
        self,
        settings: Settings,
        servers: int,
        front: int,
        environ: Mapping[str, str] | None = None,
    ) -> None:
        if servers < 2:
            raise LaunchError("the production topology runs at least two of each server")
        self.base = settings
        # What every process starts from (the tests pass their own).
        self.environ = dict(os.environ if environ is None else environ)
        self.servers = servers
        self.programs = Programs.find()
        self.root = settings.data_dir / "prod-local"
        self.layout = Layout.choose(front, servers)
        self.postgres = PostgresCluster(
            self.root,
            self.layout.postgres,
            local_secret(settings, "", "prod-local/postgres-password"),
            DATABASE,
            self.max_connections(),
            self.programs.postgres_bin,
        )
        self.redis_password = local_secret(settings, "", "prod-local/redis-password")

    # --- addresses every process shares --------------------------------------

    @property
    def database_url(self) -> str:
        return self.postgres.url

    @property
    def front_url(self) -> str:
        return f"http://127.0.0.1:{self.layout.front}"

    def shared_environment(self) -> dict[str, str]:
        return {
            "BIND_ADDRESS": "127.0.0.1",
            "TRACKER_STORE_URL": self.database_url,
            "DATABASE_URL": self.database_url,
            "LOCK_STORE_URL": f"redis://:{self.redis_password}@127.0.0.1:{self.layout.redis}/1",
            "ACTION_ENDPOINT_URL": f"http://127.0.0.1:{self.layout.actions_front}/webhook",
            "WEBCHAT_SERVER_URL": self.front_url,
        }

    def environment_for(self, rasa_port: int, action_port: int) -> dict[str, str]:
        """The environment of the processes of one Rasa + action server pair."""
        return {
            **self.environ,
            **self.shared_environment(),
            "RASA_PORT": str(rasa_port),
            "ACTION_SERVER_PORT": str(action_port),
        }

    def settings_for(self, rasa_port: int, action_port: int) -> Settings:
        environ = self.environment_for(rasa_port, action_port)
        return load_settings(environ, project_root=self.base.project_root)

    def max_connections(self) -> int:
        # Each Rasa server, action server and web app: up to two pools.
        processes = 2 * self.servers + 2
        per_pool = self.base.database_pool_size + self.base.database_max_overflow
        return processes * 2 * per_pool + SPARE_CONNECTIONS

    # --- the processes --------------------------------------------------------

    def prepare(self) -> tuple[list[Service], list[Service]]:
        """Starts PostgreSQL and Redis and prepares the database (migrations,
        content checks) for the servers; returns those two and the servers and
        nginx, not started yet."""
        infrastructure = [self.postgres.service(dict(self.environ)), self._redis()]
        rest = self.servers_and_front()
        try:
            start_all(infrastructure, self.base.project_root)
            preflight(self.settings_for(*self.first_ports), [s.port for s in rest])
        except BaseException:
            stop(infrastructure)
            raise
        return infrastructure, rest

    @property
    def first_ports(self) -> tuple[int, int]:
        return self.layout.rasa[0], self.layout.actions[0]

    def servers_and_front(self) -> list[Service]:
        services: list[Service] = []
        for index, ports in enumerate(zip(self.layout.rasa, self.layout.actions, strict=True), 1):
            settings = self.settings_for(*ports)
            actions = action_server(settings)
            # Its own health, not the balancer's (which any one server answers).
            actions.health_url = f"http://127.0.0.1:{ports[1]}/health"
            for service in (actions, rasa_server(settings)):
                service.name = f"{service.name} {index}"
                # The server reads its settings again, from this environment.
                service.env.update(self.environment_for(*ports))
                services.append(service)
        settings = self.settings_for(*self.first_ports)
        web_apps = [web_chat(settings)] if settings.webchat_enabled else []
        if settings.dashboard_enabled and not settings.faq_only:
            web_apps.append(dashboard(settings))
        for service in web_apps:
            service.env.update(self.environment_for(*self.first_ports))
        return [*services, *web_apps, self._nginx()]

    def _redis(self) -> Service:
        config = self.root / "redis.conf"
        self.root.mkdir(parents=True, exist_ok=True)
        config.unlink(missing_ok=True)
        # Locks only: nothing to persist, and the password stays off the command line.
        write_once(
            config,
            lambda: "\n".join(
                [
                    "bind 127.0.0.1",
                    f"port {self.layout.redis}",
                    f"requirepass {self.redis_password}",
                    'save ""',
                    "appendonly no",
                    f"dir {self.root}",
                ]
            ),
        )
        port = self.layout.redis
        return Service(
            name="Redis",
            command=[self.programs.redis, str(config)],
            health_url="",
            start_timeout=INFRA_START_TIMEOUT,
            env=dict(self.environ),
            port=port,
            ready=lambda: _redis_answers(port, self.redis_password),
        )

    def _nginx(self) -> Service:
        config = self.root / "nginx.conf"
        for temp in ("body", "proxy"):
            (self.root / "nginx" / temp).mkdir(parents=True, exist_ok=True)
            # nginx's workers run as nobody when its master runs as root.
            own(self.root / "nginx" / temp, "nobody")
        config.write_text(nginx_config(self.layout, self.root), encoding="utf-8")
        front = self.front_url
        return Service(
            name="nginx",
            command=[
                self.programs.nginx,
                "-p",
                str(self.root / "nginx"),
                "-c",
                str(config),
                "-e",
                str(self.root / "nginx" / "error.log"),
                "-g",
                "daemon off;",
            ],
            health_url=front + "/",
            start_timeout=INFRA_START_TIMEOUT,
            env=dict(self.environ),
            port=self.layout.front,
            ready_line=(
                f"  Front door:     {front}/webhooks/rest/webhook (REST), {front}/socket.io/ "
                f"(web chat), {self.servers} Rasa + {self.servers} action servers behind it"
            ),
        )


def nginx_config(layout: Layout, root: Path) -> str:
    def servers(ports: tuple[int, ...]) -> str:
        return "".join(f"    server 127.0.0.1:{port};\n" for port in ports)

    proxied = (
        "      proxy_http_version 1.1;\n"
        "      proxy_set_header Host $host;\n"
        "      proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;\n"
        "      proxy_set_header X-Forwarded-Proto $scheme;\n"
    )
    return f"""# Written by bot/topology.py at each start of `make prod-local`.
worker_processes 1;
pid {root / "nginx" / "nginx.pid"};
events {{ worker_connections 1024; }}
http {{
  # Which server answered each request, for the two-server tests.
  log_format upstream '$remote_addr [$time_local] "$request" $status $upstream_addr';
  access_log {root / "nginx" / "access.log"} upstream;
  client_body_temp_path {root / "nginx" / "body"};
  proxy_temp_path {root / "nginx" / "proxy"};
  client_max_body_size 64k;

  upstream rasa {{
{servers(layout.rasa)}  }}
  # socket.io keeps a session in one server's memory: every request of a
  # socket (long-polling included) must reach that server again.
  upstream rasa_sticky {{
    ip_hash;
{servers(layout.rasa)}  }}
  upstream actions {{
{servers(layout.actions)}  }}
  map $http_upgrade $connection_upgrade {{
    default upgrade;
    ''      close;
  }}

  server {{
    listen 127.0.0.1:{layout.front};
    # A server that fails is skipped for the next request (Rasa retries nothing).
    proxy_next_upstream error timeout;
    location /webhooks/ {{
      proxy_pass http://rasa;
{proxied}    }}
    location /socket.io/ {{
      proxy_pass http://rasa_sticky;
{proxied}      proxy_set_header Upgrade $http_upgrade;
      proxy_set_header Connection $connection_upgrade;
      proxy_read_timeout 1h;
    }}
    location = / {{
      proxy_pass http://rasa;
    }}
    # Rasa's HTTP API (conversations, models) never goes through the front door.
    location / {{
      return 404;
    }}
  }}

  server {{
    listen 127.0.0.1:{layout.actions_front};
    # Rasa sends the action server the whole conversation: no size limit here.
    client_max_body_size 0;
    location / {{
      proxy_pass http://actions;
{proxied}    }}
  }}
}}
"""


def _redis_answers(port: int, password: str) -> bool:
    import redis

    try:
        return bool(redis.Redis(host="127.0.0.1", port=port, password=password).ping())
    except redis.exceptions.RedisError:
        return False


@contextmanager
def throwaway(model: Path, servers: int = 2) -> Iterator[tuple[Topology, list[Service]]]:
    """The topology in a temporary folder, running, for tests and benchmarks;
    yields it and its services (PostgreSQL and Redis first); removes everything
    after. The web apps are off: the servers behind nginx are the point."""
    with scratch_folder("ipt-topology-") as data_dir:
        environ = {
            **os.environ,
            "DATA_DIR": str(data_dir),
            "RASA_MODEL": str(model),
            "WEBCHAT_ENABLED": "false",
            "DASHBOARD_ENABLED": "false",
        }
        settings = load_settings(environ)
        topology = Topology(settings, servers, free_front_port(), environ=environ)
        infrastructure, rest = topology.prepare()
        try:
            with running(rest, settings.project_root):
                yield topology, [*infrastructure, *rest]
        finally:
            stop(infrastructure)


def free_front_port() -> int:
    """A free port whose next port is free too (nginx takes both)."""
    while not port_is_free("127.0.0.1", (port := free_port()) + 1):
        pass
    return port


def run(settings: Settings, servers: int, front: int) -> int:
    topology = Topology(settings, servers, front)
    infrastructure, rest = topology.prepare()
    services = [*infrastructure, *rest]
    return supervise(
        services,
        settings.project_root,
        lambda: "".join(s.ready_line + "\n" for s in services if s.ready_line),
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="The production topology on loopback.")
    parser.add_argument("--servers", type=int, default=2, help="Rasa and action servers each")
    parser.add_argument("--port", type=int, default=0, help="nginx's port (PROD_LOCAL_PORT)")
    args = parser.parse_args(argv)
    exit_with(lambda settings: run(settings, args.servers, args.port or settings.prod_local_port))


if __name__ == "__main__":
    main()
