from __future__ import annotations

import re
from pathlib import Path

import pytest

from bot.rasa_env import rasa_environment
from bot.settings import DEFAULTS, PROJECT_ROOT, SettingsError, load_settings


def _load(tmp_path: Path, env: dict[str, str] | None = None, dotenv: str = ""):
    dotenv_file = tmp_path / ".env"
    dotenv_file.write_text(dotenv, encoding="utf-8")
    return load_settings(environ=env or {}, dotenv_path=dotenv_file, project_root=tmp_path)


def test_defaults_run_locally_on_sqlite_under_the_data_folder(tmp_path: Path) -> None:
    settings = load_settings(environ={}, dotenv_path=tmp_path / "absent", project_root=tmp_path)
    assert settings.rasa_port == 5005
    assert settings.action_server_port == 5055
    assert settings.bind_address == "127.0.0.1"
    assert settings.tracker_store_url == f"sqlite:///{tmp_path / 'var' / 'tracker.db'}"
    assert settings.action_endpoint_url == "http://127.0.0.1:5055/webhook"
    assert settings.enable_api is False
    assert settings.telemetry_enabled is False
    assert settings.rest_webhook_url == "http://127.0.0.1:5005/webhooks/rest/webhook"


def test_dotenv_values_are_read_and_the_environment_wins(tmp_path: Path) -> None:
    settings = _load(
        tmp_path,
        env={"RASA_PORT": "6000"},
        dotenv="RASA_PORT=7000\nACTION_SERVER_PORT=7055\nLOG_LEVEL=warning\n",
    )
    assert settings.rasa_port == 6000
    assert settings.action_server_port == 7055
    assert settings.log_level == "WARNING"


def test_relative_sqlite_paths_are_anchored_at_the_project_root(tmp_path: Path) -> None:
    settings = _load(tmp_path, dotenv="TRACKER_STORE_URL=sqlite:///data-here/t.db\n")
    assert settings.tracker_store_url == f"sqlite:///{tmp_path / 'data-here' / 't.db'}"


def test_other_database_urls_pass_through_unchanged(tmp_path: Path) -> None:
    url = "postgresql://rasa:s3cret@db.internal:5432/rasa"
    assert _load(tmp_path, env={"TRACKER_STORE_URL": url}).tracker_store_url == url


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"RASA_PORT": "http"}, "RASA_PORT must be a port number"),
        ({"RASA_PORT": "70000"}, "RASA_PORT must be a port number"),
        ({"RASA_PORT": "5055"}, "both 5055"),
        ({"BIND_ADDRESS": "my laptop"}, "BIND_ADDRESS must be an IP address"),
        ({"RASA_ENABLE_API": "true"}, "RASA_API_TOKEN must be set"),
        ({"RASA_ENABLE_API": "true", "RASA_API_TOKEN": "short"}, "RASA_API_TOKEN must be set"),
        ({"RASA_ENABLE_API": "maybe"}, "RASA_ENABLE_API must be true or false"),
        ({"LOG_LEVEL": "LOUD"}, "LOG_LEVEL must be one of"),
        ({"TRACKER_STORE_URL": "not a url"}, "TRACKER_STORE_URL is not a database URL"),
        ({"TRACKER_STORE_URL": "sqlite://"}, "in-memory"),
        ({"ACTION_ENDPOINT_URL": "localhost:5055"}, "ACTION_ENDPOINT_URL must be"),
        ({"REMINDER_TIMEZONE": "Mars/Olympus"}, "REMINDER_TIMEZONE must be a time zone"),
        ({"REMINDER_TIMEZONE": "../../etc/passwd"}, "REMINDER_TIMEZONE must be a time zone"),
        ({"DASHBOARD_PORT": "5005"}, "DASHBOARD_PORT 5005 is taken"),
        ({"DASHBOARD_SECRET_KEY": "short"}, "DASHBOARD_SECRET_KEY must be 32+"),
        ({"DASHBOARD_BIND_ADDRESS": "dash"}, "DASHBOARD_BIND_ADDRESS must be an IP"),
        ({"WEBCHAT_PORT": "5080"}, "WEBCHAT_PORT 5080 is taken"),
        ({"BIND_ADDRESS": "0.0.0.0"}, "set REST_CHANNEL_TOKEN"),
        ({"BIND_ADDRESS": "10.0.0.5"}, "set REST_CHANNEL_TOKEN"),
        ({"REST_CHANNEL_TOKEN": "short"}, "REST_CHANNEL_TOKEN must be a secret of 16+"),
        ({"WEBCHAT_ALLOWED_ORIGINS": "https://a.example/page"}, "no path"),
        ({"WEBCHAT_ALLOWED_ORIGINS": "*"}, "WEBCHAT_ALLOWED_ORIGINS lists origins"),
        ({"WEBCHAT_SERVER_URL": "rasa.internal:5005"}, "WEBCHAT_SERVER_URL must be"),
        ({"WEBCHAT_SECRET_KEY": "short"}, "WEBCHAT_SECRET_KEY must be 32+"),
        ({"LOCK_STORE_URL": "127.0.0.1:6379"}, "LOCK_STORE_URL must be a Redis URL"),
        ({"LOCK_STORE_URL": "http://cache:6379/1"}, "LOCK_STORE_URL must be a Redis URL"),
        ({"LOCK_STORE_URL": "redis://cache:99999/1"}, "LOCK_STORE_URL must be a Redis URL"),
        ({"LOCK_STORE_URL": "redis://cache:6379/locks"}, "LOCK_STORE_URL must be a Redis URL"),
        ({"DATABASE_POOL_SIZE": "0"}, "DATABASE_POOL_SIZE must be a whole number of at least 1"),
        ({"DATABASE_MAX_OVERFLOW": "-1"}, "DATABASE_MAX_OVERFLOW must be a whole number"),
        ({"PROD_LOCAL_PORT": "0"}, "PROD_LOCAL_PORT must be a port number"),
    ],
)
def test_bad_values_are_refused_with_a_message_naming_the_variable(
    tmp_path: Path, env: dict[str, str], message: str
) -> None:
    with pytest.raises(SettingsError, match=re.escape(message)):
        _load(tmp_path, env=env)


def test_the_api_opens_only_with_a_long_token(tmp_path: Path) -> None:
    settings = _load(tmp_path, env={"RASA_ENABLE_API": "yes", "RASA_API_TOKEN": "x" * 32})
    assert settings.enable_api is True
    assert settings.api_token == "x" * 32


def test_env_example_documents_exactly_the_variables_settings_reads() -> None:
    example = (PROJECT_ROOT / ".env.example").read_text(encoding="utf-8")
    documented = set(re.findall(r"^([A-Z][A-Z0-9_]*)=", example, flags=re.MULTILINE))
    assert documented == set(DEFAULTS)


def test_the_example_file_itself_is_a_valid_configuration(tmp_path: Path) -> None:
    example = (PROJECT_ROOT / ".env.example").read_text(encoding="utf-8")
    settings = _load(tmp_path, dotenv=example)
    assert settings.rasa_port == 5005


@pytest.mark.parametrize("yaml_file", ["endpoints.yml", "credentials.yml"])
def test_every_variable_in_rasa_yaml_gets_a_value(tmp_path: Path, yaml_file: str) -> None:
    text = (PROJECT_ROOT / yaml_file).read_text(encoding="utf-8")
    text = re.sub(r"#.*", "", text)  # comments are not read by Rasa
    referenced = set(re.findall(r"\$\{([A-Z0-9_]+)\}", text))
    env = rasa_environment(_load(tmp_path), base={})
    missing = {name for name in referenced if not env.get(name)}
    assert not missing, f"{yaml_file} refers to variables with no value: {missing}"


def test_rasa_processes_get_telemetry_off_and_tensorflow_quiet(tmp_path: Path) -> None:
    env = rasa_environment(_load(tmp_path), base={"PATH": "/usr/bin"})
    assert env["RASA_TELEMETRY_ENABLED"] == "false"
    assert env["TF_CPP_MIN_LOG_LEVEL"] == "3"
    assert env["PATH"] == "/usr/bin"
    assert env["RASA_CACHE_DIRECTORY"].startswith(str(tmp_path))


def test_an_address_off_this_machine_is_accepted_with_a_rest_token(tmp_path: Path) -> None:
    env = {"BIND_ADDRESS": "0.0.0.0", "REST_CHANNEL_TOKEN": "t" * 20}
    assert _load(tmp_path, env=env).rest_channel_token == "t" * 20


def test_one_server_locks_in_memory_and_several_share_redis(tmp_path: Path) -> None:
    from bot.storage.lock_store import redis_options

    single = rasa_environment(_load(tmp_path), base={})
    assert single["LOCK_STORE_TYPE"] == "in_memory"
    url = "rediss://locker:p%40ss@cache.internal:6380/2"
    shared = rasa_environment(_load(tmp_path, env={"LOCK_STORE_URL": url}), base={})
    assert shared["LOCK_STORE_TYPE"] == "bot.storage.lock_store.UrlRedisLockStore"
    assert redis_options(url) == {
        "host": "cache.internal",
        "port": 6380,
        "db": 2,
        "username": "locker",
        "password": "p@ss",
        "use_ssl": True,
        "key_prefix": "ipt",
    }


def test_rasa_gets_the_pool_sizes_instead_of_its_own_50_plus_100(tmp_path: Path) -> None:
    env = rasa_environment(_load(tmp_path, env={"DATABASE_POOL_SIZE": "3"}), base={})
    assert (env["SQL_POOL_SIZE"], env["SQL_MAX_OVERFLOW"]) == ("3", "5")
