"""A loopback stand-in for the messaging providers' APIs, for the channel tests.

This machine cannot reach api.telegram.org, slack.com or api.twilio.com, so the
assistant under test is pointed (TELEGRAM_API_URL, SLACK_API_URL, TWILIO_API_URL)
at this server, which answers the three calls the channels make the way the real
APIs document them and records each request as it arrived (path, headers, the
decoded form or JSON body), so tests can read exactly what would have been sent.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl


@dataclass
class Sent:
    path: str
    headers: dict[str, str]
    fields: dict[str, Any]


class ProviderApis:
    def __init__(self) -> None:
        self.sent: list[Sent] = []
        # Telegram chat ids for which the API is down (a provider outage).
        self.failing: set[str] = set()
        self._lock = threading.Lock()
        apis = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                kind = self.headers.get("Content-Type", "")
                if kind.startswith("application/json"):
                    fields = json.loads(body or b"{}")
                else:
                    fields = dict(parse_qsl(body.decode("utf-8"), keep_blank_values=True))
                with apis._lock:
                    apis.sent.append(Sent(self.path, dict(self.headers.items()), fields))
                status, answer = apis._answer(self.path, fields)
                payload = json.dumps(answer).encode("utf-8")
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def _answer(self, path: str, fields: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        number = len(self.sent)
        if path.endswith("/sendMessage") and fields.get("chat_id") in self.failing:
            return 502, {"ok": False, "error_code": 502, "description": "Bad Gateway"}
        if path.endswith("/sendMessage"):
            # https://core.telegram.org/bots/api#sendmessage: the sent Message.
            chat = {"id": int(fields.get("chat_id", 0)), "type": "private"}
            message = {"message_id": number, "date": int(time.time()), "chat": chat}
            return 200, {"ok": True, "result": {**message, "text": fields.get("text", "")}}
        if path.endswith("/chat.postMessage"):
            return 200, {"ok": True, "channel": fields.get("channel"), "ts": f"{number}.000100"}
        if path.endswith("/Messages.json"):
            return 201, {"sid": f"SM{number:032d}", "status": "queued", "to": fields.get("To")}
        return 404, {"ok": False, "error": f"unknown method {path}"}

    def wait_for(
        self, match: Callable[[Sent], bool], count: int = 1, timeout: float = 30.0
    ) -> list[Sent]:
        """The recorded requests that match, once there are `count` of them."""
        deadline = time.monotonic() + timeout
        while True:
            with self._lock:
                found = [sent for sent in self.sent if match(sent)]
            if len(found) >= count or time.monotonic() > deadline:
                return found
            time.sleep(0.1)

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
