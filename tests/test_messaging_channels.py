"""Telegram, Slack and Twilio SMS, end to end through the running server.

Each test posts the provider's own webhook payload shape to the shared instance
(conftest: the three channels on, their APIs stood in for on loopback by
tests/provider_apis.py) and reads what the assistant would have sent back. The
refusals matter as much as the answers: a request without the provider's
signature must neither reach a conversation nor cause a message.
"""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import sqlite3
import time
import urllib.error
import urllib.parse
import urllib.request
from typing import Any

import pytest
from conftest import MESSAGING_ENV
from twilio.request_validator import RequestValidator

from bot.channels.pseudonyms import KEY_FILE, Pseudonyms

_ids = itertools.count(int(time.time()) % 100000 * 100)
REPLY_WAIT = 30.0
# A refused request must cause nothing: accepted ones are answered in well under
# a second here, so a few seconds of silence is telling.
NOTHING_SENT_WAIT = 3.0


def post(assistant: Any, path: str, body: bytes, headers: dict[str, str]) -> tuple[int, str]:
    request = urllib.request.Request(
        f"http://127.0.0.1:{assistant.rasa_port}{path}", data=body, headers=headers
    )
    try:
        with urllib.request.urlopen(request, timeout=60) as answer:
            return answer.status, answer.read().decode("utf-8")
    except urllib.error.HTTPError as refused:
        return refused.code, refused.read().decode("utf-8")


def pseudonym(assistant: Any, channel: str, address: object) -> str:
    key = (assistant.data_dir / KEY_FILE).read_text(encoding="ascii").strip()
    return Pseudonyms(key).of(channel, address)


def stored_anywhere(assistant: Any, needle: str) -> bool:
    """Whether the text appears in any column of any row of either database."""
    for name in ("tracker.db", "ipt.db"):
        with sqlite3.connect(assistant.data_dir / name) as db:
            tables = [r[0] for r in db.execute("select name from sqlite_master where type='table'")]
            for table in tables:
                for row in db.execute(f'select * from "{table}"'):
                    if any(needle in str(value) for value in row):
                        return True
    return False


def sent_to(
    provider_apis: Any, method: str, field: str, value: str, count: int, timeout: float
) -> list[dict[str, Any]]:
    """The fields of the API calls to `method` addressed to `value`, once `count` arrived."""
    found = provider_apis.wait_for(
        lambda s: s.path.endswith(method) and s.fields.get(field) == value, count, timeout
    )
    return [s.fields for s in found]


def user_texts(assistant: Any, sender: str) -> list[str]:
    events = assistant.tracker(sender)["events"]
    return [e["text"] for e in events if e["event"] == "user"]


def reference_replies(assistant: Any, *texts: str) -> list[list[dict[str, Any]]]:
    """What the REST channel answers a new conversation: the same bot, no channel."""
    sender = f"reference-{next(_ids)}"
    return [assistant.say(sender, text) for text in texts]


# Telegram -------------------------------------------------------------------

TELEGRAM = "/webhooks/telegram/webhook"


def telegram_update(chat_id: int, text: str | None = None, button: str | None = None) -> bytes:
    """A Telegram Update as the Bot API posts it (https://core.telegram.org/bots/api#update)."""
    person = {"id": chat_id, "is_bot": False, "first_name": "Sam", "language_code": "en"}
    message = {
        "message_id": next(_ids),
        "from": person,
        "chat": {"id": chat_id, "first_name": "Sam", "type": "private"},
        "date": int(time.time()),
        "text": text or "",
    }
    update: dict[str, Any] = {"update_id": next(_ids)}
    if button is None:
        update["message"] = message
    else:
        update["callback_query"] = {
            "id": str(next(_ids)),
            "from": person,
            "message": {**message, "from": {"id": 1, "is_bot": True, "first_name": "IPT"}},
            "chat_instance": "-1234567890",
            "data": button,
        }
    return json.dumps(update).encode("utf-8")


def telegram_headers(secret: str | None) -> dict[str, str]:
    headers = {"Content-Type": "application/json"}
    if secret is not None:
        headers["X-Telegram-Bot-Api-Secret-Token"] = secret
    return headers


def telegram_sent(
    provider_apis: Any, chat_id: int, count: int, timeout: float = REPLY_WAIT
) -> list[dict[str, Any]]:
    return sent_to(provider_apis, "/sendMessage", "chat_id", str(chat_id), count, timeout)


def test_telegram_answers_an_update_and_a_button_tap_under_a_hashed_id(
    assistant: Any, provider_apis: Any
) -> None:
    chat_id = 700000000 + next(_ids)
    secret = MESSAGING_ENV["TELEGRAM_SECRET_TOKEN"]
    reference, reference_more = reference_replies(assistant, "what is ipt", "/tell_me_more")

    status, _ = post(
        assistant, TELEGRAM, telegram_update(chat_id, "what is ipt"), telegram_headers(secret)
    )
    assert status == 200
    sent = telegram_sent(provider_apis, chat_id, len(reference))
    assert [m["text"] for m in sent] == [r["text"] for r in reference]
    # Buttons are Telegram's inline keyboard, with the same titles and payloads.
    keyboard = json.loads(sent[-1]["reply_markup"])["inline_keyboard"]
    offered = [(b["text"], b["callback_data"]) for row in keyboard for b in row]
    assert offered == [(b["title"], b["payload"]) for b in reference[-1]["buttons"]]

    # Tapping "Tell me more" posts a callback query with that payload.
    more = dict(offered)["Tell me more"]
    post(assistant, TELEGRAM, telegram_update(chat_id, button=more), telegram_headers(secret))
    deeper = telegram_sent(provider_apis, chat_id, len(sent) + 1)[len(sent)]
    assert deeper["text"] == reference_more[0]["text"]

    # The conversation is keyed by a hash; the chat id is stored nowhere.
    sender = pseudonym(assistant, "telegram", chat_id)
    assert user_texts(assistant, sender) == ["what is ipt", more]
    assert not stored_anywhere(assistant, str(chat_id))


def test_a_provider_outage_loses_nothing_the_person_wrote(
    assistant: Any, provider_apis: Any
) -> None:
    chat_id = 720000000 + next(_ids)
    headers = telegram_headers(MESSAGING_ENV["TELEGRAM_SECRET_TOKEN"])
    _, reference_more = reference_replies(assistant, "what is ipt", "tell me more")
    provider_apis.failing.add(str(chat_id))
    status, _ = post(assistant, TELEGRAM, telegram_update(chat_id, "what is ipt"), headers)
    assert status == 200
    sender = pseudonym(assistant, "telegram", chat_id)
    assert user_texts(assistant, sender) == ["what is ipt"]
    attempts = len(telegram_sent(provider_apis, chat_id, 1))

    # Back up: the conversation carried on from the turn whose replies were lost.
    provider_apis.failing.discard(str(chat_id))
    post(assistant, TELEGRAM, telegram_update(chat_id, "tell me more"), headers)
    delivered = telegram_sent(provider_apis, chat_id, attempts + len(reference_more))[attempts:]
    assert [m["text"] for m in delivered] == [r["text"] for r in reference_more]
    # Typing a button's title is tapping it.
    assert user_texts(assistant, sender) == ["what is ipt", "/tell_me_more"]


@pytest.mark.parametrize("secret", [None, "", "telegram-secret-token-012345678X"])
def test_telegram_refuses_updates_without_the_secret_token(
    assistant: Any, provider_apis: Any, secret: str | None
) -> None:
    chat_id = 710000000 + next(_ids)
    status, _ = post(
        assistant, TELEGRAM, telegram_update(chat_id, "what is ipt"), telegram_headers(secret)
    )
    assert status == 401
    assert telegram_sent(provider_apis, chat_id, 1, NOTHING_SENT_WAIT) == []
    assert user_texts(assistant, pseudonym(assistant, "telegram", chat_id)) == []


# Slack ----------------------------------------------------------------------

SLACK = "/webhooks/slack/webhook"


def slack_event(user: str, channel: str, text: str) -> bytes:
    """An Events API message.im callback (https://api.slack.com/events/message.im)."""
    ts = f"{time.time():.6f}"
    event = {
        "type": "message",
        "channel": channel,
        "channel_type": "im",
        "user": user,
        "text": text,
        "ts": ts,
        "event_ts": ts,
    }
    envelope = {
        "token": "verification-token-unused",
        "team_id": "T0ABCDEF1",
        "api_app_id": "A0ABCDEF1",
        "event": event,
        "type": "event_callback",
        "event_id": f"Ev{next(_ids)}",
        "event_time": int(time.time()),
    }
    return json.dumps(envelope).encode("utf-8")


def slack_headers(body: bytes, secret: str, age: float = 0.0) -> dict[str, str]:
    """Slack's request signature (https://api.slack.com/authentication/verifying-requests-from-slack)."""
    stamp = str(int(time.time() - age))
    base = b"v0:" + stamp.encode() + b":" + body
    signature = "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()
    return {
        "Content-Type": "application/json",
        "X-Slack-Request-Timestamp": stamp,
        "X-Slack-Signature": signature,
    }


def post_slack(assistant: Any, user: str, channel: str, text: str) -> int:
    """A direct message as Slack posts it, signed with the right secret; the status."""
    body = slack_event(user, channel, text)
    headers = slack_headers(body, MESSAGING_ENV["SLACK_SIGNING_SECRET"])
    return post(assistant, SLACK, body, headers)[0]


def slack_sent(
    provider_apis: Any, channel: str, count: int, timeout: float = REPLY_WAIT
) -> list[dict[str, Any]]:
    return sent_to(provider_apis, "/chat.postMessage", "channel", channel, count, timeout)


def test_slack_answers_a_signed_direct_message_under_a_hashed_id(
    assistant: Any, provider_apis: Any
) -> None:
    user, channel = f"U0{next(_ids)}", f"D0{next(_ids)}"
    (reference,) = reference_replies(assistant, "what are the four problem areas")

    assert post_slack(assistant, user, channel, "what are the four problem areas") == 200
    sent = slack_sent(provider_apis, channel, len(reference))
    assert sent, "no reply reached Slack's API"
    texts = " ".join(json.dumps(m) for m in sent)
    assert reference[-1]["text"][:60] in texts
    # Buttons as Slack blocks, one per offered button.
    assert all(b["title"] in texts for b in reference[-1]["buttons"])

    sender = pseudonym(assistant, "slack", user)
    assert user_texts(assistant, sender) == ["what are the four problem areas"]
    assert not stored_anywhere(assistant, user) and not stored_anywhere(assistant, channel)


def test_slack_crisis_first_message_gets_the_lines_before_anything_else(
    assistant: Any, provider_apis: Any
) -> None:
    user, channel = f"U0{next(_ids)}", f"D0{next(_ids)}"
    (reference,) = reference_replies(assistant, "i want to end my life")
    assert post_slack(assistant, user, channel, "i want to end my life") == 200
    sent = slack_sent(provider_apis, channel, len(reference))
    assert "988" in json.dumps(sent[0]), sent[0]
    assert "Before we start" not in json.dumps(sent)


@pytest.mark.parametrize(
    "secret, age",
    [("not-the-signing-secret-0000000000", 0.0), (MESSAGING_ENV["SLACK_SIGNING_SECRET"], 600.0)],
    ids=["wrong secret", "replayed after ten minutes"],
)
def test_slack_refuses_unsigned_and_replayed_requests(
    assistant: Any, provider_apis: Any, secret: str, age: float
) -> None:
    user, channel = f"U0{next(_ids)}", f"D0{next(_ids)}"
    body = slack_event(user, channel, "what is ipt")
    status, _ = post(assistant, SLACK, body, slack_headers(body, secret, age))
    assert status == 400
    assert slack_sent(provider_apis, channel, 1, NOTHING_SENT_WAIT) == []
    assert user_texts(assistant, pseudonym(assistant, "slack", user)) == []


# Twilio SMS -----------------------------------------------------------------

TWILIO = "/webhooks/twilio/webhook"


def sms(number: str, text: str) -> dict[str, str]:
    """The form Twilio posts for an incoming SMS (https://www.twilio.com/docs/messaging/guides/webhook-request)."""
    return {
        "ToCountry": "US",
        "SmsMessageSid": f"SM{next(_ids):032d}",
        "NumMedia": "0",
        "SmsSid": f"SM{next(_ids):032d}",
        "SmsStatus": "received",
        "Body": text,
        "To": MESSAGING_ENV["TWILIO_NUMBER"],
        "NumSegments": "1",
        "MessageSid": f"SM{next(_ids):032d}",
        "AccountSid": MESSAGING_ENV["TWILIO_ACCOUNT_SID"],
        "From": number,
        "ApiVersion": "2010-04-01",
    }


def post_sms(
    assistant: Any, form: dict[str, str], url: str | None = None, token: str | None = None
) -> int:
    """Posts the form signed as Twilio signs it: over the URL it called."""
    validator = RequestValidator(token or MESSAGING_ENV["TWILIO_AUTH_TOKEN"])
    signature = validator.compute_signature(url or MESSAGING_ENV["TWILIO_WEBHOOK_URL"], form)
    headers = {
        "Content-Type": "application/x-www-form-urlencoded",
        "X-Twilio-Signature": signature,
    }
    return post(assistant, TWILIO, urllib.parse.urlencode(form).encode(), headers)[0]


def sms_sent(
    provider_apis: Any, number: str, count: int, timeout: float = REPLY_WAIT
) -> list[dict[str, Any]]:
    return sent_to(provider_apis, "/Messages.json", "To", number, count, timeout)


def test_sms_shows_buttons_as_numbered_choices_and_a_number_picks_one(
    assistant: Any, provider_apis: Any
) -> None:
    number = f"+1555{next(_ids) % 10000000:07d}"
    reference, reference_more = reference_replies(assistant, "what is ipt", "/tell_me_more")

    assert post_sms(assistant, sms(number, "what is ipt")) == 200
    sent = sms_sent(provider_apis, number, len(reference))
    answer = sent[-1]
    assert answer["From"] == MESSAGING_ENV["TWILIO_NUMBER"]
    assert answer["Body"].startswith(reference[-1]["text"])
    titles = [b["title"] for b in reference[-1]["buttons"]]
    for position, title in enumerate(titles, 1):
        assert f"\n{position}. {title}" in answer["Body"]
    # The request went to the account's Messages resource, with its credentials.
    request = provider_apis.wait_for(lambda s: s.fields is answer)[0]
    assert f"/Accounts/{MESSAGING_ENV['TWILIO_ACCOUNT_SID']}/Messages.json" in request.path
    assert request.headers["Authorization"].startswith("Basic ")

    # "1" is the first choice, "Tell me more": the same as tapping it.
    assert post_sms(assistant, sms(number, "1")) == 200
    deeper = sms_sent(provider_apis, number, len(sent) + 1)[len(sent)]
    assert deeper["Body"].startswith(reference_more[0]["text"])
    # A number past the end of the list is not a choice: it stays what was typed.
    assert post_sms(assistant, sms(number, "9")) == 200
    sender = pseudonym(assistant, "twilio", number)
    assert user_texts(assistant, sender) == ["what is ipt", "/tell_me_more", "9"]
    assert not stored_anywhere(assistant, number) and not stored_anywhere(assistant, number[1:])


def test_sms_crisis_message_gets_the_crisis_line_at_once(
    assistant: Any, provider_apis: Any
) -> None:
    number = f"+1555{next(_ids) % 10000000:07d}"
    (reference,) = reference_replies(assistant, "i want to end my life")
    crisis = [r["text"] for r in reference if "988" in r.get("text", "")]
    assert crisis, reference

    assert post_sms(assistant, sms(number, "i want to end my life")) == 200
    bodies = [m["Body"] for m in sms_sent(provider_apis, number, len(reference))]
    # The first SMS of a first conversation is the crisis reply, line first.
    assert bodies[0].startswith(crisis[0])
    assert not any("Before we start" in body for body in bodies)


@pytest.mark.parametrize(
    "url, token",
    [
        ("https://chat.clinic.example/webhooks/twilio/webhook", "a-different-auth-token-000000000"),
        ("https://attacker.example/webhooks/twilio/webhook", None),
    ],
    ids=["wrong auth token", "signed for another URL"],
)
def test_sms_refuses_requests_twilio_did_not_sign(
    assistant: Any, provider_apis: Any, url: str, token: str | None
) -> None:
    number = f"+1555{next(_ids) % 10000000:07d}"
    assert post_sms(assistant, sms(number, "what is ipt"), url, token) == 403
    unsigned = urllib.parse.urlencode(sms(number, "what is ipt")).encode()
    headers = {"Content-Type": "application/x-www-form-urlencoded"}
    assert post(assistant, TWILIO, unsigned, headers)[0] == 403
    assert sms_sent(provider_apis, number, 1, NOTHING_SENT_WAIT) == []
    assert user_texts(assistant, pseudonym(assistant, "twilio", number)) == []
