"""Slack, through Rasa's connector.

The stock connector already verifies Slack's signing secret (and refuses
requests more than five minutes old); it is required here. Two changes:

- the conversation id is a keyed hash of the Slack user (and channel or thread,
  with conversation_granularity), not the user id itself;
- the Slack user and channel ids the stock connector copies into each message's
  metadata, and so into the stored conversation, are used to address the reply
  and then dropped.

Buttons are Slack's own.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from http import HTTPStatus
from typing import Any

from rasa.core.channels.channel import InputChannel, OutputChannel, UserMessage
from rasa.core.channels.slack import SlackBot, SlackInput
from sanic import response
from sanic.request import Request
from slack_sdk.web.async_client import AsyncWebClient

from bot.channels.limits import MAX_MESSAGE_CHARS
from bot.channels.pseudonyms import Pseudonyms
from bot.channels.turn_order import crisis_first
from bot.settings import load_settings


class SlackApiBot(SlackBot):
    def __init__(self, token: str, api_url: str, channel: str | None, thread: str | None) -> None:
        super().__init__(token, channel, thread)
        self.client = AsyncWebClient(token, base_url=api_url)


class PseudonymousSlackInput(SlackInput):
    """Registered in credentials.yml; keeps the name "slack" and its URL,
    /webhooks/slack/webhook."""

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> InputChannel:
        credentials = credentials or {}
        settings = load_settings()
        channel = cls(
            settings.messaging.slack_bot_token,
            slack_retry_reason_header="x-slack-retry-reason",
            slack_retry_number_header="x-slack-retry-num",
            slack_signing_secret=settings.messaging.slack_signing_secret,
            use_threads=bool(credentials.get("use_threads", False)),
            conversation_granularity=credentials.get("conversation_granularity", "sender"),
        )
        channel.api_url = settings.messaging.slack_api_url
        channel.pseudonyms = Pseudonyms.for_settings(settings)
        return channel

    def _get_conversation_id(
        self, sender_id: str | None, channel_id: str | None, thread_id: str | None
    ) -> str | None:
        conversation = super()._get_conversation_id(sender_id, channel_id, thread_id)
        return self.pseudonyms.of("slack", conversation) if conversation else None

    def get_output_channel(
        self, channel: str | None = None, thread_id: str | None = None
    ) -> OutputChannel:
        return SlackApiBot(self.slack_token, self.api_url, channel or self.slack_channel, thread_id)

    async def process_message(
        self,
        request: Request,
        on_new_message: Callable[[UserMessage], Awaitable[Any]],
        text: str,
        sender_id: str | None,
        metadata: dict[str, Any] | None,
    ) -> Any:
        retry_reason = request.headers.get(self.retry_reason_header)
        if request.headers.get(self.retry_num_header) and retry_reason in self.errors_ignore_retry:
            # Slack resends an event it thinks timed out; the first one is being answered.
            return response.text("", status=HTTPStatus.CREATED, headers={"X-Slack-No-Retry": "1"})
        metadata = metadata or {}
        thread = metadata.get("thread_id") if self.use_threads else None
        message = UserMessage(
            text[:MAX_MESSAGE_CHARS],
            self.get_output_channel(metadata.get("out_channel"), thread),
            sender_id,
            input_channel=self.name(),
        )
        # Slack wants its answer within three seconds: the reply goes out by API.
        task = asyncio.create_task(crisis_first(on_new_message)(message))
        self._background_tasks.add(task)
        task.add_done_callback(self._background_tasks.discard)
        return response.text("")
