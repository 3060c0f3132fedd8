"""What the Telegram and Twilio webhooks share: refuse what the provider did not
sign, then pass the message on under the address's pseudonym."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from rasa.core.channels.channel import OutputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.channels import choices, gate
from bot.channels.pseudonyms import Addressed, Pseudonyms


def signed_webhook(
    channel: str,
    authentic: Callable[[Request], bool],
    refusal: tuple[str, int],
    handle: Callable[[Request], Awaitable[HTTPResponse]],
) -> Blueprint:
    """GET / (health) and POST /webhook, which answers `refusal` (text, status)
    to any request `authentic` rejects, before anything else reads it."""
    blueprint = Blueprint(f"{channel}_webhook", __name__)

    @blueprint.route("/", methods=["GET"])
    async def health(_: Request) -> HTTPResponse:
        return response.json({"status": "ok"})

    @blueprint.route("/webhook", methods=["POST"])
    async def webhook(request: Request) -> HTTPResponse:
        if not authentic(request):
            return response.text(*refusal)
        return await handle(request)

    return blueprint


async def pass_on(
    request: Request,
    on_new_message: Callable[[UserMessage], Awaitable[Any]],
    channel: str,
    address: object,
    text: str,
    out_channel: OutputChannel,
    pseudonyms: Pseudonyms,
) -> None:
    """Hands Rasa the message as from the address's pseudonym, a typed choice
    turned into its button's payload; replies go to the real address. A message
    the gate refuses (too long) is answered with the reason instead."""
    sender = pseudonyms.of(channel, address)
    to_address = Addressed(out_channel, str(address))
    try:
        text = gate.message_text(text)
    except gate.Refused as refused:
        await to_address.send_response(sender, {"text": refused.for_person})
        return
    text = await choices.resolve(text, request.app.ctx.agent.tracker_store, sender)
    await gate.guarded(on_new_message)(UserMessage(text, to_address, sender, input_channel=channel))
