"""The web chat's socket.io channel: Rasa's own, with two things it lacks.

Rasa's stock channel takes the conversation id from the browser, so anyone who
sends someone else's id writes into and reads from their conversation. Here the
server issues every id: a random value plus an HMAC of it under the server's
key. A browser keeps the pair and presents it again after a reload; a pair the
server did not sign is refused, and a new id is issued instead.

The stock channel also accepts socket.io connections from any web site. Here only
the chat page's own origin and the clinic's WEBCHAT_ALLOWED_ORIGINS may connect.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import secrets
from collections.abc import Awaitable, Callable
from typing import Any

from rasa.core.channels.channel import InputChannel, UserMessage
from rasa.core.channels.socketio import SocketBlueprint, SocketIOInput, SocketIOOutput
from sanic import Blueprint, Sanic, response
from sanic.request import Request
from sanic.response import HTTPResponse
from socketio import AsyncServer

from bot.channels import gate
from bot.local_keys import server_secret
from bot.settings import Settings, load_settings

logger = logging.getLogger(__name__)
KEY_FILE = "webchat.key"


class SessionIds:
    """Issues conversation ids and checks the ones browsers bring back."""

    def __init__(self, key: str) -> None:
        self._key = key.encode("utf-8")

    def issue(self) -> str:
        sender = secrets.token_urlsafe(18)
        return f"{sender}.{self._sign(sender)}"

    def sender(self, token: object) -> str | None:
        """The conversation id inside a token this server issued, else None."""
        if not isinstance(token, str) or token.count(".") != 1 or len(token) > 200:
            return None
        sender, signature = token.split(".")
        if not sender or not hmac.compare_digest(signature, self._sign(sender)):
            return None
        return sender

    def _sign(self, sender: str) -> str:
        return hmac.new(self._key, sender.encode("utf-8"), hashlib.sha256).hexdigest()[:32]


class GatedSocketBlueprint(SocketBlueprint):
    """Rasa's socket.io blueprint, with the gate in front of python-engineio's
    route: a long-polling POST whose packets it cannot parse is a 400 here
    (its parsers would raise and leave the request unanswered)."""

    def register(self, app: Sanic, options: dict[str, Any]) -> None:
        path = "/" + self.ctx.socketio_path.strip("/") + "/"

        async def through_the_gate(request: Request) -> HTTPResponse | None:
            if request.method != "POST" or not request.path.startswith(path):
                return None
            problem = gate.engineio_body_problem(request.body or b"")
            return response.json({"error": problem}, status=400) if problem else None

        app.register_middleware(through_the_gate, "request")
        super().register(app, options)


def allowed_origins(settings: Settings) -> list[str]:
    return [settings.webchat_url, *settings.webchat_allowed_origins]


class WebChatInput(SocketIOInput):
    """Registered in credentials.yml; keeps the name "socketio", so Rasa's
    reminders and everything keyed by channel name treat it as socket.io."""

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> InputChannel:
        credentials = credentials or {}
        return cls(
            credentials.get("user_message_evt", "user_uttered"),
            credentials.get("bot_message_evt", "bot_uttered"),
            session_persistence=True,
            socketio_path=credentials.get("socketio_path", "/socket.io"),
        )

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        on_new_message = gate.guarded(on_new_message)
        settings = load_settings()
        ids = SessionIds(server_secret(settings, settings.webchat_secret_key, KEY_FILE))
        sio = AsyncServer(async_mode="sanic", cors_allowed_origins=allowed_origins(settings))
        blueprint = GatedSocketBlueprint(sio, self.socketio_path, "socketio_webhook", __name__)
        # get_output_channel (reminders) sends through this server.
        self.sio = sio

        @blueprint.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @sio.on("session_request")
        async def session_request(sid: str, data: Any) -> None:
            presented = data.get("session_id") if isinstance(data, dict) else None
            token = presented if ids.sender(presented) else ids.issue()
            sender = ids.sender(token)
            # The room is the conversation: replies and reminders reach every tab of it.
            await sio.enter_room(sid, sender)
            await sio.save_session(sid, {"sender": sender})
            await sio.emit("session_confirm", token, room=sid)

        @sio.on(self.user_message_evt)
        async def handle_message(sid: str, data: Any) -> None:
            session = await sio.get_session(sid)
            sender = session.get("sender")
            if sender is None or not isinstance(data, dict):
                # No session_request first: nothing to write into.
                await sio.emit("session_error", "request a session first", room=sid)
                return
            metadata = data.get(self.metadata_key)
            if isinstance(metadata, str):
                # Rasa's own chat widget sends its metadata as a JSON string.
                try:
                    metadata = json.loads(metadata)
                except json.JSONDecodeError:
                    metadata = None
            try:
                text = gate.message_text(data.get("message"))
                metadata = gate.metadata(metadata)
            except gate.Refused as refused:
                # The page shows the reason; what the person typed stays in their box.
                await sio.emit("message_refused", {"error": refused.for_person}, room=sid)
                return
            await on_new_message(
                UserMessage(
                    text,
                    SocketIOOutput(sio, self.bot_message_evt),
                    sender,
                    input_channel=self.name(),
                    metadata=metadata,
                )
            )

        return blueprint
