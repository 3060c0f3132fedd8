"""Rasa's REST channel, through the gate, with a credential when the clinic sets one.

The stock channel takes the conversation id from the request body, so anyone who
can reach it can write into any conversation and read the replies, by id. With
REST_CHANNEL_TOKEN set, every request must carry `Authorization: Bearer <token>`:
the channel is then for the clinic's own trusted back end, which vouches for the
ids it sends. Settings refuse an address off this machine without a token.

The stock receive route also reads the body with `request.json.get(...)`, so a
JSON array as the body was a 500, and it passes a null or object `message` on
to the NLU graph. Here the body goes through bot/channels/gate.py first: a
malformed request is a 400 with {"error": "..."} and never reaches Rasa. The
same URL and the same JSON answer (a list of replies) as the stock channel;
its `?stream=true` variant is not offered.
"""

from __future__ import annotations

import hmac
from collections.abc import Awaitable, Callable
from typing import Any

from rasa.core.channels.channel import CollectingOutputChannel, InputChannel, UserMessage
from rasa.core.channels.rest import RestInput
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.channels import gate
from bot.settings import load_settings


class TokenRestInput(RestInput):
    """Registered in credentials.yml; keeps the name "rest" and its URL."""

    def __init__(self, token: str = "") -> None:
        self.token = token

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> InputChannel:
        return cls(load_settings().rest_channel_token)

    def authorised(self, request: Request) -> bool:
        if not self.token:
            return True
        given = request.headers.get("Authorization", "")
        expected = f"Bearer {self.token}"
        return hmac.compare_digest(given.encode("utf-8"), expected.encode("utf-8"))

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        on_new_message = gate.guarded(on_new_message)
        blueprint = Blueprint("rest_webhook", __name__)

        @blueprint.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @blueprint.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            if not self.authorised(request):
                return response.json(
                    {"error": "a REST_CHANNEL_TOKEN bearer token is required"}, status=401
                )
            try:
                body = gate.json_body(request)
                message = UserMessage(
                    gate.message_text(body.get("message")),
                    CollectingOutputChannel(),
                    gate.sender_id(body.get("sender")),
                    input_channel=self.name(),
                    metadata=gate.metadata(body.get("metadata")),
                )
            except gate.Refused as refused:
                return response.json({"error": str(refused)}, status=400)
            collector = message.output_channel
            await on_new_message(message)
            return response.json(collector.messages)

        return blueprint
