"""Hostile requests against a running assistant, for the tests and `make bench`.

Generates requests of the kinds an attacker (or a broken client) sends, over every
channel a person can reach: REST, the web chat's socket.io (Engine.IO HTTP long
polling), the therapist dashboard, the web chat page, and Telegram, Slack and
Twilio webhooks signed with the right secrets (so that they get past the
signature check and reach the message handling). Every request is sent once to
loopback, with a bounded count, a per-request timeout and an overall deadline,
and each answer's HTTP status is counted per channel. What counts as a failure:
any 5xx, or no answer at all.

The generator is seeded, so a failing request can be found again.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import random
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from twilio.request_validator import RequestValidator

# Texts that people, broken clients and attackers send. Lone surrogates are
# written into the JSON as escapes (json.dumps does so), exactly as an attacker would.
TEXTS: tuple[str, ...] = (
    "hello",
    "i want to die",
    "",
    " ",
    "\x00",
    "nul\x00inside",
    "a" * 5001,
    "a" * 100_000,
    "\ud800",
    "bad \udfff end",
    "\ud83d",
    "pair \ud83d\ude00 ok",
    "\u202eevil\u202c right-to-left",
    "\u200bsu\u200bici\u200bde",
    "\ufeffbom",
    "🙂😢🔥👨‍👩‍👧",
    "مرحبا، أشعر بالحزن",
    "זה קשה לי",
    "我很难过",
    "'; DROP TABLE events; --",
    '" OR 1=1 --',
    "<script>alert(1)</script>",
    "{{7*7}} ${7*7} #{7*7}",
    "${jndi:ldap://127.0.0.1/a}",
    "../../../../etc/passwd",
    "%s%s%s%n%x",
    "/restart",
    "/session_start",
    "/crisis_help",
    '/inform{"mood": 99}',
    '/inform{"mood": [1, 2, 3]}',
    '/inform{"mood": "\\ud800"}',
    "/greet{not json",
    "/nonexistent_intent",
    "/log_incident{}",
    "/\ud800",
    "/" + "x" * 300,
    "\r\n\r\n",
    "line\nline\rline",
    "\t\t\ttabs",
    "\x1b[31mred\x1b[0m",
    "mood 11/10",
    "delete E-ZZZZZZ",
    "my code is 7KQ-2MD",
)
SENDERS: tuple[Any, ...] = (
    None,
    "",
    5,
    3.5,
    True,
    [],
    {},
    ["a"],
    {"id": "x"},
    "x" * 129,
    "x" * 10_000,
    "bad\ud800",
    "\x00",
    "with space",
    "../../etc",
    "<script>",
    "default",
    "'; DROP TABLE events; --",
)
RAW_BODIES: tuple[bytes, ...] = (
    b"",
    b"{",
    b"}",
    b"[]",
    b"[1, 2]",
    b'[{"sender": "a", "message": "hi"}]',
    b"null",
    b"true",
    b"123",
    b'"a string"',
    b"\xff\xfe\x00",
    b'{"message": "\xff"}',
    b'{"sender": "x", "message": "\\ud800"}',
    b"[" * 5000 + b"]" * 5000,
    b'{"a":' * 3000 + b"1" + b"}" * 3000,
    b"{" + b'"k": 1, ' * 20_000 + b'"message": "hi"}',
)
CONTENT_TYPES = ("application/json", "text/plain", "application/x-www-form-urlencoded", "")


@dataclass
class Target:
    """Where the assistant runs and the channel secrets it was started with."""

    rasa_port: int
    dashboard_port: int | None = None
    webchat_port: int | None = None
    telegram_secret: str = ""
    slack_signing_secret: str = ""
    twilio_auth_token: str = ""
    twilio_webhook_url: str = ""

    @classmethod
    def of(cls, assistant: Any, channels_env: dict[str, str]) -> Target:
        """A LocalAssistant started with `channels_env` (its messaging settings)."""
        return cls(
            rasa_port=assistant.rasa_port,
            dashboard_port=assistant.dashboard_port,
            webchat_port=assistant.webchat_port,
            telegram_secret=channels_env["TELEGRAM_SECRET_TOKEN"],
            slack_signing_secret=channels_env["SLACK_SIGNING_SECRET"],
            twilio_auth_token=channels_env["TWILIO_AUTH_TOKEN"],
            twilio_webhook_url=channels_env["TWILIO_WEBHOOK_URL"],
        )


@dataclass(frozen=True)
class Hostile:
    channel: str
    port: int
    method: str
    path: str
    body: bytes | None = None
    headers: dict[str, str] = field(default_factory=dict)
    # Engine.IO polling needs a session opened first: a function of the session id.
    socketio: Callable[[str], bytes] | None = None


@dataclass
class Report:
    sent: Counter[str] = field(default_factory=Counter)
    statuses: Counter[tuple[str, int]] = field(default_factory=Counter)
    # (channel, method, path, status, first bytes of the body) of each failure.
    failures: list[tuple[str, str, str, int, bytes]] = field(default_factory=list)
    seconds: float = 0.0

    def server_errors(self) -> int:
        return sum(n for (_, status), n in self.statuses.items() if status >= 500 or status == 0)

    def lines(self) -> list[str]:
        out = []
        for channel in sorted(self.sent):
            codes = sorted((s, n) for (c, s), n in self.statuses.items() if c == channel)
            shown = ", ".join(f"{status or 'no answer'}: {n}" for status, n in codes)
            out.append(f"{channel}: {self.sent[channel]} requests ({shown})")
        return out


def _any_text(rng: random.Random) -> str:
    if rng.random() < 0.6:
        return rng.choice(TEXTS)
    # Random code points, surrogates and controls included.
    size = rng.choice((1, 5, 40, 300))
    return "".join(chr(rng.randrange(0, 0x110000)) for _ in range(size))


def _json(value: Any) -> bytes:
    return json.dumps(value).encode("ascii")


def rest_requests(target: Target, rng: random.Random, n: int) -> Iterator[Hostile]:
    path = "/webhooks/rest/webhook"
    for i in range(n):
        kind = rng.random()
        headers = {"Content-Type": rng.choice(CONTENT_TYPES) if kind < 0.1 else "application/json"}
        if kind < 0.25:
            body = rng.choice(RAW_BODIES)
        elif kind < 0.45:
            message = rng.choice((None, 5, [], {"text": "hi"}, ["hi"], True, 1e308))
            body = _json({"sender": f"hostile-rest-{i}", "message": message})
        elif kind < 0.6:
            body = _json({"sender": rng.choice(SENDERS), "message": _any_text(rng)})
        elif kind < 0.7:
            metadata = rng.choice(("x", [1], 5, {"a": "\ud800"}, {"deep": [[[{}]]]}, None))
            body = _json({"sender": f"hostile-rest-{i}", "message": "hi", "metadata": metadata})
        else:
            body = _json({"sender": f"hostile-rest-{i}", "message": _any_text(rng)})
        yield Hostile("rest", target.rasa_port, "POST", path, body, headers)


def socketio_requests(target: Target, rng: random.Random, n: int) -> Iterator[Hostile]:
    for _ in range(n):
        kind = rng.random()
        if kind < 0.5:
            packet = "42" + json.dumps(["user_uttered", {"message": _any_text(rng)}])
        elif kind < 0.6:
            value = rng.choice((None, 5, [], {"x": 1}, "text", ["a"]))
            packet = "42" + json.dumps(["user_uttered", value])
        elif kind < 0.7:
            packet = "42" + json.dumps(["session_request", rng.choice(({}, None, "x", {"a": 1}))])
        elif kind < 0.8:
            packet = "42" + json.dumps(["user_uttered", {"message": "hi", "customData": "{bad"}])
        else:
            packet = rng.choice(("42[", "4", "9", "42", '42["nope"]', "43", "41", "2", "\x1e\x1e"))
        body = packet.encode("utf-8", errors="surrogatepass")
        yield Hostile("socket.io", target.rasa_port, "POST", "", socketio=lambda _sid, b=body: b)


def web_requests(
    channel: str, port: int, rng: random.Random, n: int, posts: tuple[str, ...]
) -> Iterator[Hostile]:
    paths = (
        "/",
        "/health",
        "/sign-in",
        "/clients",
        "/clients/1",
        "/clients/999999999999999999999",
        "/clients/-1/export/csv",
        "/clients/1/export/../../etc/passwd",
        "/static/../../etc/passwd",
        "/%ED%A0%80",
        "/%FF%FE",
        "/?q=%00",
        "/clients?since=%ED%A0%80&until=9999-99-99&area=%00",
        "/clients?since=" + "9" * 5000,
        "/webchat.js?x=<script>",
        "/" + "a" * 8000,
    )
    for _ in range(n):
        if rng.random() < 0.5:
            yield Hostile(channel, port, "GET", rng.choice(paths))
            continue
        fields = {
            rng.choice(("username", "password", "csrf_token", "x\ud800", "")): _any_text(rng)
            for _ in range(rng.randrange(0, 4))
        }
        body = urllib.parse.urlencode(fields, errors="surrogatepass").encode("ascii")
        if rng.random() < 0.2:
            body = rng.choice(RAW_BODIES)
        headers = {"Content-Type": rng.choice((*CONTENT_TYPES[1:], "multipart/form-data"))}
        yield Hostile(channel, port, "POST", rng.choice(posts), body, headers)


def telegram_requests(target: Target, rng: random.Random, n: int) -> Iterator[Hostile]:
    headers = {"Content-Type": "application/json", "X-Telegram-Bot-Api-Secret-Token": ""}
    headers["X-Telegram-Bot-Api-Secret-Token"] = target.telegram_secret
    for i in range(n):
        kind = rng.random()
        chat = {"id": 900_000_000 + i, "type": "private", "first_name": "T"}
        message: dict[str, Any] = {"message_id": i, "date": int(time.time()), "chat": chat}
        if kind < 0.2:
            body = rng.choice(RAW_BODIES)
        elif kind < 0.35:
            message["text"] = rng.choice((5, [], {"a": 1}, None, True))
            body = _json({"update_id": i, "message": message})
        elif kind < 0.45:
            message["chat"] = rng.choice((None, "x", {"id": "abc"}, {"id": 10**40}, {}))
            message["text"] = "hello"
            body = _json({"update_id": i, "message": message})
        elif kind < 0.55:
            query = {"id": str(i), "data": _any_text(rng), "message": rng.choice((message, None))}
            body = _json({"update_id": i, "callback_query": query})
        else:
            message["text"] = _any_text(rng)
            body = _json({"update_id": i, "message": message})
        yield Hostile(
            "telegram", target.rasa_port, "POST", "/webhooks/telegram/webhook", body, headers
        )


def _slack_signed(secret: str, body: bytes, content_type: str) -> dict[str, str]:
    stamp = str(int(time.time()))
    digest = hmac.new(secret.encode(), b"v0:" + stamp.encode() + b":" + body, hashlib.sha256)
    return {
        "Content-Type": content_type,
        "X-Slack-Request-Timestamp": stamp,
        "X-Slack-Signature": "v0=" + digest.hexdigest(),
    }


def slack_requests(target: Target, rng: random.Random, n: int) -> Iterator[Hostile]:
    path = "/webhooks/slack/webhook"
    for i in range(n):
        kind = rng.random()
        event: dict[str, Any] = {
            "type": "message",
            "channel": f"D0HOSTILE{i}",
            "channel_type": "im",
            "user": f"U0HOSTILE{i}",
            "ts": f"{time.time():.6f}",
        }
        content_type = "application/json"
        if kind < 0.15:
            body = rng.choice(RAW_BODIES)
        elif kind < 0.3:
            field_name = rng.choice(("text", "user", "channel", "type", "ts", "channel_type"))
            event[field_name] = rng.choice((5, [], {"a": 1}, True))
            event.setdefault("text", "hello")
            body = _json({"type": "event_callback", "event": event})
        elif kind < 0.4:
            body = _json(
                rng.choice(
                    (
                        {"type": "event_callback", "event": rng.choice(("x", 5, [], None))},
                        {"challenge": _any_text(rng)},
                        {"event": event, "authed_users": rng.choice(("x", [1], {"a": 1}))},
                        {"event": event, "authorizations": rng.choice(("x", [1], [{}]))},
                    )
                )
            )
        elif kind < 0.55:
            content_type = "application/x-www-form-urlencoded"
            payload = rng.choice(
                (
                    "not json",
                    "[]",
                    json.dumps({"user": {"id": "U1"}, "actions": []}),
                    json.dumps({"user": "U1", "actions": [{"type": "button", "value": "hi"}]}),
                    json.dumps({"user": {"id": "U1"}, "actions": [{"type": "datepicker"}]}),
                    json.dumps({"user": {"id": "U1"}, "actions": [{"type": "select"}]}),
                    json.dumps({"user": {"id": "U1"}, "actions": [{"type": "link"}]}),
                    json.dumps(
                        {"user": {"id": f"U0H{i}"}, "actions": [{"type": "button", "value": "hi"}]}
                    ),
                )
            )
            body = urllib.parse.urlencode({"payload": payload}).encode("ascii")
        else:
            event["text"] = _any_text(rng)
            body = _json({"type": "event_callback", "event": event})
        headers = _slack_signed(target.slack_signing_secret, body, content_type)
        yield Hostile("slack", target.rasa_port, "POST", path, body, headers)


def twilio_requests(target: Target, rng: random.Random, n: int) -> Iterator[Hostile]:
    validator = RequestValidator(target.twilio_auth_token)
    for i in range(n):
        form: dict[str, str] = {"From": f"+1555{i:07d}", "Body": _any_text(rng)}
        kind = rng.random()
        if kind < 0.15:
            form.pop(rng.choice(("From", "Body")))
        elif kind < 0.3:
            form["From"] = rng.choice(("", "x" * 5000, "\ud800", "<script>", "+1\x00"))
        encoded = urllib.parse.urlencode(form, errors="surrogatepass").encode("ascii")
        # Twilio signs the fields as it will send them: decoded as the server decodes them.
        decoded = dict(urllib.parse.parse_qsl(encoded.decode("ascii"), keep_blank_values=True))
        signature = validator.compute_signature(target.twilio_webhook_url, decoded)
        headers = {
            "Content-Type": "application/x-www-form-urlencoded",
            "X-Twilio-Signature": signature,
        }
        yield Hostile(
            "twilio", target.rasa_port, "POST", "/webhooks/twilio/webhook", encoded, headers
        )


def generate(target: Target, counts: dict[str, int], seed: int = 1) -> list[Hostile]:
    """`counts` per channel: rest, socket.io, dashboard, chat page, telegram, slack, twilio."""
    rng = random.Random(seed)
    makers: dict[str, Callable[[int], Iterator[Hostile]]] = {
        "rest": lambda n: rest_requests(target, rng, n),
        "socket.io": lambda n: socketio_requests(target, rng, n),
        "telegram": lambda n: telegram_requests(target, rng, n),
        "slack": lambda n: slack_requests(target, rng, n),
        "twilio": lambda n: twilio_requests(target, rng, n),
    }
    if target.dashboard_port:
        port = target.dashboard_port
        makers["dashboard"] = lambda n: web_requests(
            "dashboard", port, rng, n, ("/sign-in", "/sign-out", "/clients/1/session")
        )
    if target.webchat_port:
        port_chat = target.webchat_port
        makers["chat page"] = lambda n: web_requests("chat page", port_chat, rng, n, ("/",))
    requests: list[Hostile] = []
    for channel, count in counts.items():
        requests.extend(makers[channel](count))
    rng.shuffle(requests)
    return requests


def _send(request: Hostile, timeout: float) -> tuple[int, bytes]:
    base = f"http://127.0.0.1:{request.port}"
    try:
        if request.socketio is not None:
            return _socketio_send(base, request.socketio, timeout)
        call = urllib.request.Request(
            base + request.path, data=request.body, headers=request.headers, method=request.method
        )
        with urllib.request.urlopen(call, timeout=timeout) as answer:
            answer.read()
            return answer.status, b""
    except urllib.error.HTTPError as error:
        return error.code, error.read()[:200]
    except (OSError, ValueError):
        return 0, b""  # no answer: refused, reset or timed out


def _socketio_send(base: str, packet: Callable[[str], bytes], timeout: float) -> tuple[int, bytes]:
    """Opens an Engine.IO polling session, joins the namespace, asks for a
    conversation (so that messages reach the gate), then posts the packet."""
    polling = base + "/socket.io/?EIO=4&transport=polling"
    with urllib.request.urlopen(polling, timeout=timeout) as answer:
        opened = answer.read().decode("utf-8")
    sid = json.loads(opened[1:])["sid"]
    session = f"{polling}&sid={sid}"
    for body in (b"40", b'42["session_request",{}]', packet(sid)):
        call = urllib.request.Request(
            session, data=body, headers={"Content-Type": "text/plain;charset=UTF-8"}
        )
        with urllib.request.urlopen(call, timeout=timeout) as answer:
            answer.read()
            status = answer.status
    return status, b""


def run(
    requests: list[Hostile], workers: int = 4, timeout: float = 60.0, deadline: float = 900.0
) -> Report:
    """Sends every request (`workers` at a time) and counts the answers' statuses.
    Requests still unsent at `deadline` seconds are counted as unanswered."""
    report = Report()
    started = time.monotonic()

    def one(request: Hostile) -> tuple[Hostile, int, bytes]:
        if time.monotonic() - started > deadline:
            return request, 0, b"deadline passed"
        status, body = _send(request, timeout)
        return request, status, body

    with ThreadPoolExecutor(max_workers=workers) as pool:
        for request, status, body in pool.map(one, requests):
            report.sent[request.channel] += 1
            report.statuses[(request.channel, status)] += 1
            if status >= 500 or status == 0:
                report.failures.append(
                    (request.channel, request.method, request.path, status, body)
                )
    report.seconds = time.monotonic() - started
    return report
