"""The one place where configuration is read.

Values come from the process environment first, then from `.env` in the project
root, then from the defaults below, which are enough to run everything locally
on SQLite. `.env.example` documents every variable; keep the two in step (a test
checks that they are).
"""

from __future__ import annotations

import ipaddress
import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from dotenv import dotenv_values

PROJECT_ROOT = Path(__file__).resolve().parent.parent

DEFAULTS: dict[str, str] = {
    "BIND_ADDRESS": "127.0.0.1",
    "RASA_PORT": "5005",
    "ACTION_SERVER_PORT": "5055",
    "ACTION_ENDPOINT_URL": "",
    "DATA_DIR": "var",
    "TRACKER_STORE_URL": "",
    "RASA_MODEL": "models/ipt-assistant.tar.gz",
    "RASA_ENABLE_API": "false",
    "RASA_API_TOKEN": "",
    "LOG_LEVEL": "INFO",
    "RASA_TELEMETRY_ENABLED": "false",
    "DATABASE_URL": "",
    "DATABASE_POOL_SIZE": "5",
    "DATABASE_MAX_OVERFLOW": "5",
    "LOCK_STORE_URL": "",
    "PROD_LOCAL_PORT": "8080",
    "CRISIS_LOCALE": "US",
    "CLINIC_ONCALL_NAME": "",
    "CLINIC_ONCALL_NUMBER": "",
    "CRISIS_WEBHOOK_URL": "",
    "DATA_ENCRYPTION_KEY": "",
    "DATA_RETENTION_DAYS": "0",
    "MAX_ENTRIES_PER_DAY": "30",
    "PAIRING_CODE_DAYS": "7",
    "FAQ_ONLY": "false",
    "FAQ_ANSWER_CONFIDENCE": "0.5",
    "REMINDER_TIMEZONE": "UTC",
    "DASHBOARD_ENABLED": "true",
    "DASHBOARD_BIND_ADDRESS": "",
    "DASHBOARD_PORT": "5080",
    "DASHBOARD_SECRET_KEY": "",
    "DASHBOARD_SECURE_COOKIES": "true",
    "DASHBOARD_SESSION_HOURS": "8",
    "REST_CHANNEL_TOKEN": "",
    "WEBCHAT_ENABLED": "true",
    "WEBCHAT_BIND_ADDRESS": "",
    "WEBCHAT_PORT": "5090",
    "WEBCHAT_SERVER_URL": "",
    "WEBCHAT_ALLOWED_ORIGINS": "",
    "WEBCHAT_SECRET_KEY": "",
    "CHANNEL_ID_KEY": "",
    "TELEGRAM_ACCESS_TOKEN": "",
    "TELEGRAM_SECRET_TOKEN": "",
    "TELEGRAM_API_URL": "https://api.telegram.org",
    "SLACK_BOT_TOKEN": "",
    "SLACK_SIGNING_SECRET": "",
    "SLACK_API_URL": "https://slack.com/api/",
    "TWILIO_ACCOUNT_SID": "",
    "TWILIO_AUTH_TOKEN": "",
    "TWILIO_NUMBER": "",
    "TWILIO_WEBHOOK_URL": "",
    "TWILIO_API_URL": "https://api.twilio.com",
}

# A messaging channel is on when its first variable is set; then all of its
# variables must be, so a half-configured channel fails at start, not at the
# first message.
MESSAGING_CHANNELS: dict[str, tuple[str, ...]] = {
    "telegram": ("TELEGRAM_ACCESS_TOKEN", "TELEGRAM_SECRET_TOKEN"),
    "slack": ("SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET"),
    "twilio": ("TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN", "TWILIO_NUMBER", "TWILIO_WEBHOOK_URL"),
}

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}
_LOG_LEVELS = {"DEBUG", "INFO", "WARNING", "ERROR"}


class SettingsError(ValueError):
    """A configuration value is missing or malformed; the message names the variable."""


@dataclass(frozen=True)
class Messaging:
    """Telegram, Slack and Twilio SMS: each on only when its credentials are set."""

    telegram_access_token: str = ""
    telegram_secret_token: str = ""
    telegram_api_url: str = DEFAULTS["TELEGRAM_API_URL"]
    slack_bot_token: str = ""
    slack_signing_secret: str = ""
    slack_api_url: str = DEFAULTS["SLACK_API_URL"]
    twilio_account_sid: str = ""
    twilio_auth_token: str = ""
    twilio_number: str = ""
    twilio_webhook_url: str = ""
    twilio_api_url: str = DEFAULTS["TWILIO_API_URL"]
    channel_id_key: str = ""

    @property
    def enabled(self) -> frozenset[str]:
        # On when the first of its variables is set (the field of the same name).
        return frozenset(
            name
            for name, variables in MESSAGING_CHANNELS.items()
            if getattr(self, variables[0].lower())
        )


@dataclass(frozen=True)
class Settings:
    project_root: Path
    bind_address: str
    rasa_port: int
    action_server_port: int
    action_endpoint_url: str
    data_dir: Path
    tracker_store_url: str
    model_path: Path
    enable_api: bool
    api_token: str
    log_level: str
    telemetry_enabled: bool
    database_url: str
    crisis_locale: str
    oncall_name: str
    oncall_number: str
    crisis_webhook_url: str
    encryption_keys: tuple[str, ...] = ()
    retention_days: int = 0
    max_entries_per_day: int = 30
    pairing_code_days: int = 7
    faq_only: bool = False
    faq_answer_confidence: float = 0.5
    reminder_timezone: str = "UTC"
    dashboard_enabled: bool = True
    dashboard_bind_address: str = "127.0.0.1"
    dashboard_port: int = 5080
    dashboard_secret_key: str = ""
    dashboard_secure_cookies: bool = True
    dashboard_session_hours: int = 8

    rest_channel_token: str = ""
    webchat_enabled: bool = True
    webchat_bind_address: str = "127.0.0.1"
    webchat_port: int = 5090
    webchat_server_url: str = ""
    webchat_allowed_origins: tuple[str, ...] = ()
    webchat_secret_key: str = ""
    messaging: Messaging = Messaging()
    # Connections each process may hold per database (PostgreSQL): N servers
    # need N x (pool + overflow) x 2 engines below the server's max_connections.
    database_pool_size: int = 5
    database_max_overflow: int = 5
    # Redis (redis:// or rediss://) for Rasa's conversation locks; required with
    # more than one Rasa server, else one conversation's turns could interleave.
    lock_store_url: str = ""
    # nginx's port in `make prod-local` (bot/topology.py); the port after it too.
    prod_local_port: int = 8080

    @property
    def webchat_url(self) -> str:
        return f"http://{_client_host(self.webchat_bind_address)}:{self.webchat_port}"

    @property
    def dashboard_url(self) -> str:
        return f"http://{_client_host(self.dashboard_bind_address)}:{self.dashboard_port}"

    @property
    def rest_webhook_url(self) -> str:
        return f"http://{_client_host(self.bind_address)}:{self.rasa_port}/webhooks/rest/webhook"

    @property
    def rasa_url(self) -> str:
        return f"http://{_client_host(self.bind_address)}:{self.rasa_port}"

    @property
    def action_health_url(self) -> str:
        return self.action_endpoint_url.rsplit("/webhook", 1)[0] + "/health"


def load_settings(
    environ: Mapping[str, str] | None = None,
    dotenv_path: Path | None = None,
    project_root: Path = PROJECT_ROOT,
) -> Settings:
    """Reads the configuration, raising `SettingsError` with a one-line reason when invalid."""
    environ = os.environ if environ is None else environ
    dotenv_path = project_root / ".env" if dotenv_path is None else dotenv_path
    from_file = {k: v for k, v in dotenv_values(dotenv_path).items() if v is not None}

    def get(name: str) -> str:
        return str(environ.get(name, from_file.get(name, DEFAULTS[name]))).strip()

    bind_address = _address(get("BIND_ADDRESS"), "BIND_ADDRESS")
    dashboard_address = _address(
        get("DASHBOARD_BIND_ADDRESS") or bind_address, "DASHBOARD_BIND_ADDRESS"
    )
    dashboard_port = _port(get("DASHBOARD_PORT"), "DASHBOARD_PORT")

    rasa_port = _port(get("RASA_PORT"), "RASA_PORT")
    action_port = _port(get("ACTION_SERVER_PORT"), "ACTION_SERVER_PORT")
    if rasa_port == action_port:
        raise SettingsError(f"RASA_PORT and ACTION_SERVER_PORT are both {rasa_port}")
    if dashboard_port in (rasa_port, action_port):
        raise SettingsError(f"DASHBOARD_PORT {dashboard_port} is taken by another server")
    webchat_address = _address(get("WEBCHAT_BIND_ADDRESS") or bind_address, "WEBCHAT_BIND_ADDRESS")
    webchat_port = _port(get("WEBCHAT_PORT"), "WEBCHAT_PORT")
    if webchat_port in (rasa_port, action_port, dashboard_port):
        raise SettingsError(f"WEBCHAT_PORT {webchat_port} is taken by another server")
    webchat_server = get("WEBCHAT_SERVER_URL").rstrip("/") or (
        f"http://{_client_host(bind_address)}:{rasa_port}"
    )
    webchat_origins = tuple(
        _origin(o.strip(), "WEBCHAT_ALLOWED_ORIGINS")
        for o in get("WEBCHAT_ALLOWED_ORIGINS").split(",")
        if o.strip()
    )
    if not webchat_server.startswith(("http://", "https://")):
        raise SettingsError(f"WEBCHAT_SERVER_URL must be an http(s) URL, not {webchat_server!r}")
    rest_token = get("REST_CHANNEL_TOKEN")
    if rest_token and len(rest_token) < 16:
        raise SettingsError("REST_CHANNEL_TOKEN must be a secret of 16+ characters")
    if not rest_token and not _loopback(bind_address):
        # Off this machine an open REST channel lets anyone read any conversation by id.
        raise SettingsError(
            f"BIND_ADDRESS {bind_address} opens the REST channel to the network, where anyone "
            "could read and write any conversation by its id: set REST_CHANNEL_TOKEN "
            "(16+ characters) for your back end, or keep BIND_ADDRESS=127.0.0.1"
        )
    webchat_secret = get("WEBCHAT_SECRET_KEY")
    if webchat_secret and len(webchat_secret) < 32:
        raise SettingsError("WEBCHAT_SECRET_KEY must be 32+ characters (or empty for a key file)")
    dashboard_secret = get("DASHBOARD_SECRET_KEY")
    if dashboard_secret and len(dashboard_secret) < 32:
        # It signs the sign-in cookies: a short one can be guessed.
        raise SettingsError("DASHBOARD_SECRET_KEY must be 32+ characters (or empty for a key file)")

    data_dir = _resolve(get("DATA_DIR"), project_root)
    tracker_url = get("TRACKER_STORE_URL") or f"sqlite:///{data_dir / 'tracker.db'}"
    tracker_url = _absolute_sqlite_url(tracker_url, project_root, "TRACKER_STORE_URL")
    database_url = get("DATABASE_URL") or f"sqlite:///{data_dir / 'ipt.db'}"
    database_url = _absolute_sqlite_url(database_url, project_root, "DATABASE_URL")

    oncall_name, oncall_number = get("CLINIC_ONCALL_NAME"), get("CLINIC_ONCALL_NUMBER")
    if bool(oncall_name) != bool(oncall_number):
        raise SettingsError("set both CLINIC_ONCALL_NAME and CLINIC_ONCALL_NUMBER, or neither")
    webhook = get("CRISIS_WEBHOOK_URL")
    if webhook and not webhook.startswith("https://") and not webhook.startswith("http://127."):
        # The webhook carries the fact of a crisis: never over plain HTTP off this machine.
        raise SettingsError("CRISIS_WEBHOOK_URL must be an https:// URL")

    action_url = get("ACTION_ENDPOINT_URL") or (
        f"http://{_client_host(bind_address)}:{action_port}/webhook"
    )
    if not action_url.startswith(("http://", "https://")) or not action_url.endswith("/webhook"):
        raise SettingsError(
            f"ACTION_ENDPOINT_URL must be an http(s) URL ending in /webhook, not {action_url!r}"
        )

    enable_api = _flag(get("RASA_ENABLE_API"), "RASA_ENABLE_API")
    api_token = get("RASA_API_TOKEN")
    if enable_api and len(api_token) < 16:
        # The HTTP API can read and rewrite every conversation; never open it unauthenticated.
        raise SettingsError(
            "RASA_ENABLE_API is on, so RASA_API_TOKEN must be set to a secret of 16+ characters"
        )

    keys = tuple(k.strip() for k in get("DATA_ENCRYPTION_KEY").split(",") if k.strip())
    retention_days = _count(get("DATA_RETENTION_DAYS"), "DATA_RETENTION_DAYS", 0)
    max_entries = _count(get("MAX_ENTRIES_PER_DAY"), "MAX_ENTRIES_PER_DAY", 1)
    pairing_days = _count(get("PAIRING_CODE_DAYS"), "PAIRING_CODE_DAYS", 1)

    faq_confidence = _fraction(get("FAQ_ANSWER_CONFIDENCE"), "FAQ_ANSWER_CONFIDENCE")

    reminder_zone = get("REMINDER_TIMEZONE")
    try:
        ZoneInfo(reminder_zone)
    except (ZoneInfoNotFoundError, ValueError):
        raise SettingsError(
            f"REMINDER_TIMEZONE must be a time zone name such as Europe/London or "
            f"America/New_York, not {reminder_zone!r}"
        ) from None

    log_level = get("LOG_LEVEL").upper()
    if log_level not in _LOG_LEVELS:
        raise SettingsError(f"LOG_LEVEL must be one of {sorted(_LOG_LEVELS)}, not {log_level!r}")

    return Settings(
        project_root=project_root,
        bind_address=bind_address,
        rasa_port=rasa_port,
        action_server_port=action_port,
        action_endpoint_url=action_url,
        data_dir=data_dir,
        tracker_store_url=tracker_url,
        model_path=_resolve(get("RASA_MODEL"), project_root),
        enable_api=enable_api,
        api_token=api_token,
        log_level=log_level,
        telemetry_enabled=_flag(get("RASA_TELEMETRY_ENABLED"), "RASA_TELEMETRY_ENABLED"),
        database_url=database_url,
        crisis_locale=get("CRISIS_LOCALE").upper(),
        oncall_name=oncall_name,
        oncall_number=oncall_number,
        crisis_webhook_url=webhook,
        encryption_keys=keys,
        retention_days=retention_days,
        max_entries_per_day=max_entries,
        pairing_code_days=pairing_days,
        faq_only=_flag(get("FAQ_ONLY"), "FAQ_ONLY"),
        faq_answer_confidence=faq_confidence,
        reminder_timezone=reminder_zone,
        dashboard_enabled=_flag(get("DASHBOARD_ENABLED"), "DASHBOARD_ENABLED"),
        dashboard_bind_address=dashboard_address,
        dashboard_port=dashboard_port,
        dashboard_secret_key=dashboard_secret,
        dashboard_secure_cookies=_flag(get("DASHBOARD_SECURE_COOKIES"), "DASHBOARD_SECURE_COOKIES"),
        dashboard_session_hours=_count(
            get("DASHBOARD_SESSION_HOURS"), "DASHBOARD_SESSION_HOURS", 1
        ),
        rest_channel_token=rest_token,
        webchat_enabled=_flag(get("WEBCHAT_ENABLED"), "WEBCHAT_ENABLED"),
        webchat_bind_address=webchat_address,
        webchat_port=webchat_port,
        webchat_server_url=webchat_server,
        webchat_allowed_origins=webchat_origins,
        webchat_secret_key=webchat_secret,
        messaging=_messaging(get),
        database_pool_size=_count(get("DATABASE_POOL_SIZE"), "DATABASE_POOL_SIZE", 1),
        database_max_overflow=_count(get("DATABASE_MAX_OVERFLOW"), "DATABASE_MAX_OVERFLOW", 0),
        lock_store_url=_lock_store_url(get("LOCK_STORE_URL")),
        prod_local_port=_port(get("PROD_LOCAL_PORT"), "PROD_LOCAL_PORT"),
    )


def _lock_store_url(url: str) -> str:
    if not url:
        return ""
    problem = (
        "LOCK_STORE_URL must be a Redis URL such as redis://127.0.0.1:6379/1 "
        "(rediss:// for TLS), or empty for one server's in-memory locks"
    )
    parts = urlsplit(url)
    try:
        port_ok = parts.port != 0
    except ValueError:
        port_ok = False
    database = parts.path.strip("/")
    if parts.scheme not in ("redis", "rediss") or not (parts.hostname and port_ok):
        raise SettingsError(problem)
    if not database.isdigit():  # the Redis database number, /1
        raise SettingsError(problem)
    return url


def _messaging(get: Callable[[str], str]) -> Messaging:
    for channel, names in MESSAGING_CHANNELS.items():
        missing = [name for name in names if not get(name)]
        if get(names[0]) and missing:
            raise SettingsError(f"the {channel} channel also needs {', '.join(missing)}")
        if not get(names[0]) and len(missing) < len(names):
            raise SettingsError(
                f"set {names[0]} to switch the {channel} channel on, or unset "
                f"{', '.join(n for n in names if n not in missing)}"
            )
    telegram_secret = get("TELEGRAM_SECRET_TOKEN")
    if telegram_secret and not re.fullmatch(r"[A-Za-z0-9_-]{16,256}", telegram_secret):
        # Telegram's own rule for secret_token, plus a floor so it cannot be guessed.
        raise SettingsError("TELEGRAM_SECRET_TOKEN must be 16 to 256 letters, digits, _ or -")
    sid = get("TWILIO_ACCOUNT_SID")
    if sid and not re.fullmatch(r"AC[0-9a-fA-F]{32}", sid):
        raise SettingsError(
            f"TWILIO_ACCOUNT_SID looks like AC followed by 32 hex digits, not {sid!r}"
        )
    number = get("TWILIO_NUMBER")
    if number and not re.fullmatch(r"\+[1-9][0-9]{6,14}", number):
        raise SettingsError(
            f"TWILIO_NUMBER must be an E.164 number such as +15551234567, not {number!r}"
        )
    hook = get("TWILIO_WEBHOOK_URL")
    if hook and not hook.startswith(("https://", "http://127.0.0.1", "http://localhost")):
        # Twilio signs the URL it called: it must be the public https:// one.
        raise SettingsError("TWILIO_WEBHOOK_URL must be the https:// URL Twilio posts to")
    key = get("CHANNEL_ID_KEY")
    if key and len(key) < 32:
        raise SettingsError("CHANNEL_ID_KEY must be 32+ characters (or empty for a key file)")
    return Messaging(
        telegram_access_token=get("TELEGRAM_ACCESS_TOKEN"),
        telegram_secret_token=telegram_secret,
        telegram_api_url=_api_url(get("TELEGRAM_API_URL"), "TELEGRAM_API_URL"),
        slack_bot_token=get("SLACK_BOT_TOKEN"),
        slack_signing_secret=get("SLACK_SIGNING_SECRET"),
        slack_api_url=_api_url(get("SLACK_API_URL"), "SLACK_API_URL"),
        twilio_account_sid=sid,
        twilio_auth_token=get("TWILIO_AUTH_TOKEN"),
        twilio_number=number,
        twilio_webhook_url=hook,
        twilio_api_url=_api_url(get("TWILIO_API_URL"), "TWILIO_API_URL"),
        channel_id_key=key,
    )


def _api_url(value: str, name: str) -> str:
    if not re.fullmatch(r"https?://\S+", value):
        raise SettingsError(f"{name} must be an http(s) URL, not {value!r}")
    return value


def _loopback(address: str) -> bool:
    return address == "localhost" or ipaddress.ip_address(address).is_loopback


def _address(value: str, name: str) -> str:
    try:
        ipaddress.ip_address(value)
    except ValueError:
        if value != "localhost":
            raise SettingsError(
                f"{name} must be an IP address such as 127.0.0.1 or 0.0.0.0, not {value!r}"
            ) from None
    return value


def _origin(value: str, name: str) -> str:
    """'https://clinic.example' or 'http://127.0.0.1:8000': scheme, host, port, no path."""
    if not re.fullmatch(r"https?://[A-Za-z0-9.\-\[\]:]+", value):
        raise SettingsError(
            f"{name} lists origins such as https://www.clinic.example (no path), not {value!r}"
        )
    return value


def _port(value: str, name: str) -> int:
    if not value.isdigit() or not 1 <= int(value) <= 65535:
        raise SettingsError(f"{name} must be a port number from 1 to 65535, not {value!r}")
    return int(value)


def _count(value: str, name: str, minimum: int) -> int:
    if not value.isdigit() or int(value) < minimum:
        raise SettingsError(f"{name} must be a whole number of at least {minimum}, not {value!r}")
    return int(value)


def _fraction(value: str, name: str) -> float:
    try:
        number = float(value)
    except ValueError:
        number = -1.0
    if not 0.0 < number < 1.0:
        raise SettingsError(f"{name} must be a number between 0 and 1, such as 0.5, not {value!r}")
    return number


def _flag(value: str, name: str) -> bool:
    lowered = value.lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise SettingsError(f"{name} must be true or false, not {value!r}")


def _resolve(value: str, project_root: Path) -> Path:
    path = Path(value).expanduser()
    return path if path.is_absolute() else project_root / path


def _absolute_sqlite_url(url: str, project_root: Path, name: str) -> str:
    """Anchors a relative SQLite path at the project root, whatever the working directory."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        parsed = make_url(url)
    except ArgumentError:
        raise SettingsError(
            f"{name} is not a database URL (e.g. sqlite:///var/tracker.db or "
            f"postgresql://user:password@host/db): {url!r}"
        ) from None
    if parsed.get_backend_name() != "sqlite":
        return url
    if parsed.database in (None, "", ":memory:"):
        raise SettingsError(
            f"{name} must name a file: an in-memory SQLite database loses everything"
        )
    anchored = parsed.set(database=str(_resolve(parsed.database, project_root)))
    return anchored.render_as_string(hide_password=False)


def _client_host(bind_address: str) -> str:
    """The address a local client uses to reach a server bound to `bind_address`."""
    if bind_address in ("0.0.0.0", "::"):
        return "127.0.0.1"
    if ":" in bind_address:
        return f"[{bind_address}]"
    return bind_address
