"""A PostgreSQL server of our own, from Debian's package, on loopback.

`make prod-local` keeps one under DATA_DIR/prod-local; `make test` starts a
throwaway one so the storage tests run on PostgreSQL as well as SQLite. Made
with initdb on first use (password authentication only, the password never on a
command line), started as the `postgres` user when we are root (PostgreSQL
refuses to run as root), and ready once it takes connections and has the
database.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from bot.launcher import LaunchError, Service, as_user
from bot.local_keys import write_once

START_TIMEOUT = 60.0
USER = "ipt"


def postgres_bin() -> Path | None:
    """Debian's PostgreSQL programs (the newest version installed), or None."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/postgres"))
    return Path(found[-1]).parent if found else None


@contextmanager
def scratch_folder(prefix: str) -> Iterator[Path]:
    """A temporary folder PostgreSQL's own user can enter (pytest's, for one,
    only root may), removed with everything in it afterwards."""
    root = Path(tempfile.mkdtemp(prefix=prefix))
    root.chmod(0o755)
    try:
        yield root
    finally:
        shutil.rmtree(root, ignore_errors=True)


def own(path: Path, user: str) -> None:
    """Run as root, a server's own user must be able to write its files."""
    if os.geteuid() == 0:
        entry = pwd.getpwnam(user)
        os.chown(path, entry.pw_uid, entry.pw_gid)


class PostgresCluster:
    def __init__(
        self,
        root: Path,
        port: int,
        password: str,
        database: str,
        max_connections: int = 100,
        bin_dir: Path | None = None,
    ) -> None:
        found = bin_dir or postgres_bin()
        if found is None:
            raise LaunchError(
                "Debian's postgresql is not installed (`make prod-local` installs it)"
            )
        self.bin_dir = found
        self.root = root
        self.port = port
        self.password = password
        self.database = database
        self.max_connections = max_connections
        self.user = "postgres" if os.geteuid() == 0 else None

    @property
    def url(self) -> str:
        return f"postgresql://{USER}:{self.password}@127.0.0.1:{self.port}/{self.database}"

    def service(self, env: dict[str, str]) -> Service:
        """The server, to start with bot.launcher.start; makes the cluster first if needed."""
        data = self.root / "postgres"
        sockets = self.root / "postgres-socket"
        if not (data / "PG_VERSION").is_file():
            self._initdb(data)
        sockets.mkdir(parents=True, exist_ok=True)
        if self.user:
            own(sockets, self.user)
        url = self.url
        database = self.database
        return Service(
            name="PostgreSQL",
            command=[
                str(self.bin_dir / "postgres"),
                "-D",
                str(data),
                "-p",
                str(self.port),
                "-c",
                "listen_addresses=127.0.0.1",
                "-c",
                f"unix_socket_directories={sockets}",
                "-c",
                f"max_connections={self.max_connections}",
            ],
            user=self.user,
            health_url="",
            start_timeout=START_TIMEOUT,
            env=env,
            port=self.port,
            ready=lambda: _answers(url, database),
        )

    def _initdb(self, data: Path) -> None:
        data.mkdir(parents=True, exist_ok=True)
        password_file = self.root / "initdb-password"
        password_file.unlink(missing_ok=True)
        write_once(password_file, lambda: self.password)
        if self.user:
            own(data, self.user)
            own(password_file, self.user)
        command = [
            str(self.bin_dir / "initdb"),
            "-D",
            str(data),
            "-U",
            USER,
            f"--pwfile={password_file}",
            "--auth-host=scram-sha-256",
            "--auth-local=scram-sha-256",
            "-E",
            "UTF8",
        ]
        try:
            result = subprocess.run(
                command, capture_output=True, text=True, check=False, **as_user(self.user)
            )
        finally:
            password_file.unlink(missing_ok=True)
        if result.returncode != 0:
            shutil.rmtree(data, ignore_errors=True)
            raise LaunchError(f"initdb failed: {result.stderr.strip()[-400:]}")


def _answers(url: str, database: str) -> bool:
    """True once PostgreSQL takes connections; makes the database on first start."""
    import sqlalchemy
    from sqlalchemy.engine import make_url

    admin = make_url(url).set(database="postgres")
    engine = sqlalchemy.create_engine(
        admin, isolation_level="AUTOCOMMIT", connect_args={"connect_timeout": 2}
    )
    try:
        with engine.connect() as connection:
            exists = connection.execute(
                sqlalchemy.text("SELECT 1 FROM pg_database WHERE datname = :name"),
                {"name": database},
            ).first()
            if not exists:
                connection.execute(sqlalchemy.text(f'CREATE DATABASE "{database}"'))
        return True
    except sqlalchemy.exc.OperationalError:
        return False
    finally:
        engine.dispose()
