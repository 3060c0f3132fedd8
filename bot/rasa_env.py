"""Runs Rasa with our configuration in its environment.

Rasa does not read `.env`, and an unset `${VAR}` in endpoints.yml is a start-up
error, so every Rasa process is started through `rasa_environment`, which fills
in each variable the YAML files refer to from `bot.settings`.
"""

from __future__ import annotations

import os
import shutil
import sys
from collections.abc import Mapping
from pathlib import Path

from bot.settings import Settings, SettingsError, load_settings


def rasa_environment(settings: Settings, base: Mapping[str, str] | None = None) -> dict[str, str]:
    """The environment for a Rasa or action-server process."""
    env = dict(os.environ if base is None else base)
    env.update(
        {
            "ACTION_ENDPOINT_URL": settings.action_endpoint_url,
            "TRACKER_STORE_URL": settings.tracker_store_url,
            "LOCK_STORE_TYPE": (
                "bot.storage.lock_store.UrlRedisLockStore"
                if settings.lock_store_url
                else "in_memory"
            ),
            # Rasa sizes its tracker store's PostgreSQL pool from these (its own
            # default, 50 + 100 per server, overruns PostgreSQL with two servers).
            "SQL_POOL_SIZE": str(settings.database_pool_size),
            "SQL_MAX_OVERFLOW": str(settings.database_max_overflow),
            "RASA_TELEMETRY_ENABLED": "true" if settings.telemetry_enabled else "false",
            # Keep Rasa's training cache with the project, not in the user's home.
            "RASA_CACHE_DIRECTORY": str(settings.project_root / ".rasa" / "cache"),
            # TensorFlow's C++ start-up banners and Rasa's dependency warnings are
            # noise to someone starting the assistant; real errors still show.
            "TF_CPP_MIN_LOG_LEVEL": "3",
            "SQLALCHEMY_SILENCE_UBER_WARNING": "1",
            "PYTHONWARNINGS": env.get(
                "PYTHONWARNINGS", "ignore::DeprecationWarning,ignore::UserWarning"
            ),
            "LOG_LEVEL": settings.log_level,
        }
    )
    return env


def rasa_executable() -> str:
    """The `rasa` command of the interpreter running us (the project's virtualenv)."""
    beside = Path(sys.executable).with_name("rasa")
    found = str(beside) if beside.exists() else shutil.which("rasa")
    if not found:
        raise SettingsError("the rasa command is not installed: run `make setup`")
    return found


def main(argv: list[str] | None = None) -> None:
    """`ipt-rasa ARGS…`: runs `rasa ARGS…` from the project root with our environment."""
    args = sys.argv[1:] if argv is None else argv
    try:
        settings = load_settings()
        executable = rasa_executable()
    except SettingsError as error:
        sys.exit(f"error: {error}")
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    os.chdir(settings.project_root)
    os.execve(executable, [executable, *args], rasa_environment(settings))


if __name__ == "__main__":
    main()
