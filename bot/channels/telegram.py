"""Telegram, through Rasa's connector, with the request check it lacks.

Rasa's stock TelegramInput accepts any POST to its webhook as a message from
whatever chat id the body names (its only check, the bot's user name, is public),
and it calls Telegram at start-up and at every message. Here:

- every update must carry the X-Telegram-Bot-Api-Secret-Token header that
  Telegram sends once the webhook is registered with TELEGRAM_SECRET_TOKEN
  (docs/channels.md), compared in constant time; anything else is a 401;
- the conversation id is a keyed hash of the chat id (bot/channels/pseudonyms.py);
- nothing reaches Telegram at start-up, so the server starts offline;
- buttons are Telegram's inline keyboard; where Telegram cannot carry a payload
  (over 64 bytes) they become numbered choices (bot/channels/choices.py).
"""

from __future__ import annotations

import hmac
from collections.abc import Awaitable, Callable
from typing import Any

from aiogram.bot.api import TelegramAPIServer
from aiogram.types import Update
from rasa.core.channels.channel import InputChannel, UserMessage
from rasa.core.channels.telegram import TelegramInput, TelegramOutput
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.channels import choices, gate
from bot.channels.pseudonyms import Pseudonyms
from bot.channels.webhooks import pass_on, signed_webhook
from bot.settings import load_settings

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
# Telegram's limit for a button's callback data.
MAX_CALLBACK_BYTES = 64


class TelegramBotOutput(TelegramOutput):
    def __init__(self, access_token: str, api_url: str) -> None:
        # aiogram's Bot takes the API address as a server object; a clinic can
        # point it at its own Bot API server.
        super(TelegramOutput, self).__init__(
            access_token, server=TelegramAPIServer.from_base(api_url.rstrip("/"))
        )

    async def send_text_with_buttons(
        self, recipient_id: str, text: str, buttons: list[dict[str, Any]], **kwargs: Any
    ) -> None:
        if any(len(str(b["payload"]).encode("utf-8")) > MAX_CALLBACK_BYTES for b in buttons):
            await self.send_message(recipient_id, choices.numbered(text, buttons))
            return
        await super().send_text_with_buttons(recipient_id, text, buttons, **kwargs)


class SecureTelegramInput(TelegramInput):
    """Registered in credentials.yml; keeps the name "telegram" and its URL,
    /webhooks/telegram/webhook."""

    def __init__(self, access_token: str, secret_token: str, api_url: str) -> None:
        super().__init__(access_token, verify=None, webhook_url=None, debug_mode=False)
        self.secret_token = secret_token
        self.api_url = api_url

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> InputChannel:
        messaging = load_settings().messaging
        return cls(
            messaging.telegram_access_token,
            messaging.telegram_secret_token,
            messaging.telegram_api_url,
        )

    def get_output_channel(self) -> TelegramBotOutput:
        return TelegramBotOutput(self.access_token, self.api_url)

    def authentic(self, request: Request) -> bool:
        given = request.headers.get(SECRET_HEADER, "")
        return hmac.compare_digest(given.encode("utf-8"), self.secret_token.encode("utf-8"))

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        out_channel = self.get_output_channel()
        pseudonyms = Pseudonyms.for_settings(load_settings())

        async def handle(request: Request) -> HTTPResponse:
            try:
                body = gate.json_body(request)
                # aiogram builds the update leniently: a field of the wrong type
                # shows only when it is read.
                chat_id, text = self._read(Update(**body))
            except (gate.Refused, AttributeError, TypeError, ValueError):
                return response.json({"error": "not a Telegram update"}, status=400)
            if chat_id is not None and (isinstance(chat_id, bool) or not isinstance(chat_id, int)):
                return response.json({"error": "a Telegram chat id is a number"}, status=400)
            if chat_id is not None and isinstance(text, str) and text.strip():
                await pass_on(
                    request, on_new_message, self.name(), chat_id, text, out_channel, pseudonyms
                )
            # Stickers, photos, joins: nothing to answer, and Telegram must not retry.
            return response.text("success")

        return signed_webhook(self.name(), self.authentic, ("unauthorised", 401), handle)

    def _read(self, update: Update) -> tuple[int | None, str | None]:
        if self._is_button(update):
            message, text = update.callback_query.message, update.callback_query.data
        elif self._is_edited_message(update):
            message, text = update.edited_message, update.edited_message.text
        else:
            message = update.message
            text = message.text if message is not None else None
        if message is None or message.chat is None:
            return None, None
        return message.chat.id, text
