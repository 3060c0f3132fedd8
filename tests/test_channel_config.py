"""Messaging channels: which are on, what a half-configured one says, how a
typed number or title picks a button, and what the conversation id reveals."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from conftest import MESSAGING_ENV

from bot.channels.choices import chosen, numbered
from bot.channels.pseudonyms import Pseudonyms
from bot.credentials_build import build_credentials, credentials_path
from bot.settings import PROJECT_ROOT, SettingsError, load_settings

BUTTONS = [
    {"title": "Tell me more", "payload": "/tell_me_more"},
    {"title": "Grief", "payload": '/faq{"topic": "grief"}'},
    {"title": "2", "payload": "/two"},
]


def settings_with(tmp_path: Path, **env: str) -> Any:
    return load_settings(environ=env, dotenv_path=tmp_path / "none.env", project_root=PROJECT_ROOT)


def channels_in(path: Path) -> list[str]:
    return list(yaml.safe_load(path.read_text(encoding="utf-8")))


def test_no_messaging_channel_runs_without_its_credentials(tmp_path: Path) -> None:
    settings = settings_with(tmp_path)
    assert settings.messaging.enabled == frozenset()
    listed = channels_in(credentials_path(settings).parent.parent / "credentials.yml")
    channels = channels_in(build_credentials(settings))
    assert [c for c in listed if "telegram" in c or "slack" in c or "twilio" in c]
    assert channels == [c for c in listed if c.split(".")[2] not in ("telegram", "slack", "twilio")]
    assert "bot.channels.rest.TokenRestInput" in channels


def test_each_channel_is_switched_on_by_its_own_credentials(tmp_path: Path) -> None:
    telegram = {k: v for k, v in MESSAGING_ENV.items() if k.startswith("TELEGRAM")}
    settings = settings_with(tmp_path, **telegram)
    assert settings.messaging.enabled == {"telegram"}
    channels = channels_in(build_credentials(settings))
    assert "bot.channels.telegram.SecureTelegramInput" in channels
    assert not any("slack" in c or "twilio" in c for c in channels)
    everything = settings_with(tmp_path, **MESSAGING_ENV)
    assert everything.messaging.enabled == {"telegram", "slack", "twilio"}
    # Different channel sets never share a file: two instances can start at once.
    assert credentials_path(settings) != credentials_path(everything)
    # No secret is written into the file Rasa reads.
    text = build_credentials(everything).read_text(encoding="utf-8")
    assert not any(secret in text for secret in MESSAGING_ENV.values())


@pytest.mark.parametrize(
    "env, message",
    [
        ({"TELEGRAM_ACCESS_TOKEN": "1:x"}, "telegram channel also needs TELEGRAM_SECRET_TOKEN"),
        ({"TELEGRAM_SECRET_TOKEN": "x" * 20}, "set TELEGRAM_ACCESS_TOKEN to switch"),
        (
            {"TELEGRAM_ACCESS_TOKEN": "1:x", "TELEGRAM_SECRET_TOKEN": "short"},
            "TELEGRAM_SECRET_TOKEN must be 16 to 256",
        ),
        ({"SLACK_BOT_TOKEN": "xoxb-1"}, "slack channel also needs SLACK_SIGNING_SECRET"),
        (
            {**MESSAGING_ENV, "TWILIO_ACCOUNT_SID": "AC123"},
            "TWILIO_ACCOUNT_SID looks like AC followed by 32 hex",
        ),
        ({**MESSAGING_ENV, "TWILIO_NUMBER": "555-0100"}, "TWILIO_NUMBER must be an E.164"),
        (
            {**MESSAGING_ENV, "TWILIO_WEBHOOK_URL": "http://chat.clinic.example/hook"},
            "TWILIO_WEBHOOK_URL must be the https://",
        ),
        ({"CHANNEL_ID_KEY": "short"}, "CHANNEL_ID_KEY must be 32+"),
        ({"SLACK_API_URL": "slack.com"}, "SLACK_API_URL must be an http(s) URL"),
    ],
)
def test_half_configured_channels_are_refused_with_the_reason(
    tmp_path: Path, env: dict[str, str], message: str
) -> None:
    with pytest.raises(SettingsError, match=message.replace("(", r"\(").replace(")", r"\)")):
        settings_with(tmp_path, **env)


def test_numbered_choices_list_every_title_in_order() -> None:
    text = numbered("Which one?", BUTTONS)
    assert text == "Which one?\n\n1. Tell me more\n2. Grief\n3. 2\n(Reply with a number.)"


@pytest.mark.parametrize(
    "reply, payload",
    [
        ("1", "/tell_me_more"),
        (" 1. ", "/tell_me_more"),
        ("1)", "/tell_me_more"),
        ("grief", '/faq{"topic": "grief"}'),
        ("GRIEF ", '/faq{"topic": "grief"}'),
        # A title that is a number means that button, not the second one.
        ("2", "/two"),
        ("3", "/two"),
        ("4", None),
        ("0", None),
        ("1 more thing", None),
        ("tell me about grief", None),
    ],
)
def test_a_reply_picks_a_button_by_title_or_number(reply: str, payload: str | None) -> None:
    assert chosen(reply, BUTTONS) == payload


def test_pseudonyms_are_stable_per_key_and_channel_and_hide_the_address() -> None:
    one, other = Pseudonyms("k" * 48), Pseudonyms("j" * 48)
    number = "+15551234567"
    assert one.of("twilio", number) == one.of("twilio", number)
    assert one.of("twilio", number) != other.of("twilio", number)
    assert one.of("twilio", number) != one.of("telegram", number)
    assert number[1:] not in one.of("twilio", number)
    assert one.of("twilio", number).startswith("twilio-")
