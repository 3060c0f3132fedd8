"""Slack, through Rasa's connector.

The stock connector already verifies Slack's signing secret (and refuses
requests more than five minutes old); it is required here. Two changes:

- the conversation id is a keyed hash of the Slack user (and channel or thread,
  with conversation_granularity), not the user id itself;
- the Slack user and channel ids the stock connector copies into each message's
  metadata, and so into the stored conversation, are used to address the reply
  and then dropped.

Buttons are Slack's own.

The stock webhook reads Slack's JSON with chained `.get()` calls and answers an
interaction it cannot read with a deliberate HTTP 500. Here a signed request
whose body is not the shape Slack sends is a 400 before the stock route sees
it (`shape_problem`); unsigned ones are still refused by the stock route.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable, Mapping
from http import HTTPStatus
from typing import Any

from rasa.core.channels.channel import InputChannel, OutputChannel, UserMessage
from rasa.core.channels.slack import SlackBot, SlackInput
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse
from slack_sdk.web.async_client import AsyncWebClient

from bot.channels import gate
from bot.channels.pseudonyms import Pseudonyms
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

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        blueprint = super().blueprint(on_new_message)

        @blueprint.on_request
        async def through_the_gate(request: Request) -> HTTPResponse | None:
            if request.method != "POST" or not request.path.endswith("/webhook"):
                return None
            if not self.is_request_from_slack_authentic(request):
                return None  # the stock route refuses it
            problem = self.shape_problem(request)
            return response.json({"error": problem}, status=400) if problem else None

        return blueprint

    def shape_problem(self, request: Request) -> str | None:
        """Why a signed request is not what Slack sends, or None when it is."""
        content_type = request.headers.get("content-type")
        if content_type == "application/json":
            try:
                body = gate.json_body(request)
            except gate.Refused as refused:
                return str(refused)
            return _event_problem(body)
        if content_type == "application/x-www-form-urlencoded":
            return self._interaction_problem(request.form.get("payload"))
        return None  # the stock route ignores other bodies with a 200

    def _interaction_problem(self, raw: Any) -> str | None:
        try:
            payload = json.loads(raw) if isinstance(raw, str) else None
        except ValueError:
            payload = None
        if not isinstance(payload, dict):
            return "'payload' must be a JSON object"
        user, actions = payload.get("user"), payload.get("actions")
        if not isinstance(user, dict) or not isinstance(user.get("id"), str):
            return "'payload.user.id' must be a string"
        if not isinstance(actions, list) or not actions or not isinstance(actions[0], dict):
            return "'payload.actions' must be a list of objects"
        if not self._is_interactive_message(payload):
            return "this kind of Slack interaction is not supported"
        try:
            value = self._get_interactive_response(actions[0])
        except (AttributeError, IndexError, KeyError, TypeError):
            return "the interaction's value cannot be read"
        if value is None and actions[0].get("type") != "button":
            return "the interaction has no value"
        return None if value is None or isinstance(value, str) else "the value must be a string"

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
        out_channel = self.get_output_channel(metadata.get("out_channel"), thread)
        try:
            text = gate.message_text(text)
        except gate.Refused as refused:
            reply = out_channel.send_text_message(sender_id or "", refused.for_person)
            task = asyncio.create_task(reply)
        else:
            message = UserMessage(text, out_channel, sender_id, input_channel=self.name())
            # Slack wants its answer within three seconds: the reply goes out by API.
            task = asyncio.create_task(gate.guarded(on_new_message)(message))
        self._background_tasks.add(task)
        task.add_done_callback(self._background_tasks.discard)
        return response.text("")


_EVENT_TEXT_FIELDS = ("type", "text", "user", "channel", "channel_type", "thread_ts", "ts")


def _event_problem(body: Mapping[str, Any]) -> str | None:
    """Why a JSON body is not a Slack event callback the stock route can read."""
    event = body.get("event", {})
    if not isinstance(event, dict):
        return "'event' must be an object"
    for name in _EVENT_TEXT_FIELDS:
        if event.get(name) is not None and not isinstance(event[name], str):
            return f"'event.{name}' must be a string"
    users = body.get("authed_users", [])
    if not isinstance(users, list) or not all(isinstance(user, str) for user in users):
        return "'authed_users' must be a list of strings"
    authorizations = body.get("authorizations", [])
    if not isinstance(authorizations, list) or not all(
        isinstance(item, dict) for item in authorizations
    ):
        return "'authorizations' must be a list of objects"
    return None
