"""Rasa's REST channel, with a credential when the clinic sets one.

The stock channel takes the conversation id from the request body, so anyone who
can reach it can write into any conversation and read the replies, by id. With
REST_CHANNEL_TOKEN set, every request must carry `Authorization: Bearer <token>`:
the channel is then for the clinic's own trusted back end, which vouches for the
ids it sends. Settings refuse an address off this machine without a token.
"""

from __future__ import annotations

import hmac
from collections.abc import Awaitable, Callable
from typing import Any

from rasa.core.channels.channel import InputChannel, UserMessage
from rasa.core.channels.rest import RestInput
from sanic import Blueprint
from sanic.exceptions import Unauthorized
from sanic.request import Request

from bot.channels.turn_order import crisis_first
from bot.settings import load_settings


class TokenRestInput(RestInput):
    """Registered in credentials.yml; keeps the name "rest" and its URL."""

    def __init__(self, token: str = "") -> None:
        self.token = token

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> InputChannel:
        return cls(load_settings().rest_channel_token)

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        return super().blueprint(crisis_first(on_new_message))

    async def _extract_sender(self, req: Request) -> str | None:
        if self.token:
            given = req.headers.get("Authorization", "")
            expected = f"Bearer {self.token}"
            if not hmac.compare_digest(given.encode("utf-8"), expected.encode("utf-8")):
                raise Unauthorized("a REST_CHANNEL_TOKEN bearer token is required")
        return await super()._extract_sender(req)
