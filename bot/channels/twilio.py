"""SMS through Twilio, in place of Rasa's stock TwilioInput.

The stock connector believes any POST to its webhook (no signature check), keys
the conversation by the phone number, and sends replies with Twilio's blocking
client inside the server's event loop. Here:

- every request must carry a valid X-Twilio-Signature: Twilio's HMAC-SHA1 of the
  URL it called (TWILIO_WEBHOOK_URL, the public one) and the form fields, under
  the account's auth token; anything else is a 403;
- the conversation id is a keyed hash of the number (bot/channels/pseudonyms.py);
- replies go out through Twilio's Messages API without blocking the server;
- buttons become numbered choices, and "2" picks the second (choices.py).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

import aiohttp
from rasa.core.channels.channel import InputChannel, OutputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse
from twilio.request_validator import RequestValidator

from bot.channels import choices
from bot.channels.pseudonyms import Pseudonyms
from bot.channels.webhooks import pass_on, signed_webhook
from bot.settings import Messaging, load_settings

logger = logging.getLogger(__name__)
# Twilio joins longer bodies into one message of up to 1,600 characters.
MAX_SMS_CHARS = 1600
SEND_TIMEOUT = aiohttp.ClientTimeout(total=15)


class TwilioSmsOutput(OutputChannel):
    @classmethod
    def name(cls) -> str:
        return "twilio"

    def __init__(self, messaging: Messaging) -> None:
        base = messaging.twilio_api_url.rstrip("/")
        self.url = f"{base}/2010-04-01/Accounts/{messaging.twilio_account_sid}/Messages.json"
        self.auth = aiohttp.BasicAuth(messaging.twilio_account_sid, messaging.twilio_auth_token)
        self.number = messaging.twilio_number

    async def send_text_message(self, recipient_id: str, text: str, **kwargs: Any) -> None:
        form = {"To": recipient_id, "From": self.number, "Body": text.strip()[:MAX_SMS_CHARS]}
        async with (
            aiohttp.ClientSession(timeout=SEND_TIMEOUT) as session,
            session.post(self.url, data=form, auth=self.auth) as answer,
        ):
            if answer.status >= 300:
                # The body names Twilio's error code; never the message text.
                logger.error(
                    "Twilio refused an SMS (HTTP %s): %s", answer.status, await answer.text()
                )

    async def send_text_with_buttons(
        self, recipient_id: str, text: str, buttons: list[dict[str, Any]], **kwargs: Any
    ) -> None:
        await self.send_text_message(recipient_id, choices.numbered(text, buttons))

    async def send_image_url(self, recipient_id: str, image: str, **kwargs: Any) -> None:
        await self.send_text_message(recipient_id, image)


class SignedTwilioInput(InputChannel):
    """Registered in credentials.yml; keeps the name "twilio" and its URL,
    /webhooks/twilio/webhook."""

    @classmethod
    def name(cls) -> str:
        return "twilio"

    def __init__(self, messaging: Messaging) -> None:
        self.messaging = messaging
        self.validator = RequestValidator(messaging.twilio_auth_token)

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> InputChannel:
        return cls(load_settings().messaging)

    def get_output_channel(self) -> OutputChannel:
        return TwilioSmsOutput(self.messaging)

    def authentic(self, request: Request) -> bool:
        fields = {name: values[0] for name, values in request.form.items()}
        signature = request.headers.get("X-Twilio-Signature", "")
        return bool(signature) and self.validator.validate(
            self.messaging.twilio_webhook_url, fields, signature
        )

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        out_channel = self.get_output_channel()
        pseudonyms = Pseudonyms.for_settings(load_settings())

        async def handle(request: Request) -> HTTPResponse:
            number = request.form.get("From")
            text = request.form.get("Body")
            if number and text and text.strip():
                # Some carriers turn @ into ¡ (Rasa's stock connector undoes it too).
                text = text.replace("¡", "@")
                await pass_on(
                    request, on_new_message, self.name(), number, text, out_channel, pseudonyms
                )
            # Empty TwiML: the replies go out through the API, reminders later too.
            return response.text(
                "<?xml version='1.0' encoding='UTF-8'?><Response/>", content_type="text/xml"
            )

        refusal = ("invalid Twilio signature", 403)
        return signed_webhook(self.name(), self.authentic, refusal, handle)
