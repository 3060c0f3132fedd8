"""The gate at the edge of every channel: what may reach Rasa from outside.

Every channel (REST, the web chat's socket.io, Telegram, Slack, Twilio) reads a
person's message, their conversation id and any metadata through this module
before anything else sees them, and hands the turn to Rasa through `guarded`.

Why it exists: one REST message whose sender id held an unpaired UTF-16
surrogate (the JSON text "\\ud800") raised inside Rasa's SQL tracker store, which
turns such errors into sys.exit, and the server stopped for every client. Rasa's
channels pass on whatever JSON they are given (a list body, a null or object
`message`), and its NLU graph then raises on it. Here:

- the message must be a string; lone surrogates become U+FFFD (they cannot be
  encoded, stored or sent back), control characters other than newline and tab
  are dropped, and so are invisible format characters (zero-width spaces and
  joiners, bidirectional overrides, soft hyphens, byte-order marks), which the
  crisis normaliser (bot/crisis/normalize.py) would drop too: they can split a
  word such as "su\\u200bicide" so that no pattern sees it;
- it must not be empty after that, nor longer than MAX_MESSAGE_CHARS: a longer
  one is refused with a message saying so rather than cut, so that nothing a
  person wrote is silently lost;
- a conversation id is a non-empty string of at most MAX_SENDER_CHARS printable
  characters (Rasa stores it in a 255-character column and in every log line);
- metadata is a JSON object or nothing.

What fails these checks is `Refused`: the HTTP channels answer 400 with
{"error": "..."}; the web chat emits the reason to the browser. Nothing refused
reaches Rasa, the tracker store or the database.

`guarded` wraps a channel's `on_new_message`: replies in crisis-first order
(bot/channels/turn_order.py), and a turn that fails (the lock store down, an
error of ours or Rasa's) ends with the crisis reply when the message was a
crisis and none went out, then a plain "something went wrong, please try
again", instead of silence; the failure stays with that one conversation.
"""

from __future__ import annotations

import json
import logging
import re
import unicodedata
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from rasa.core.channels.channel import UserMessage

from bot.channels.notice import NoticeClock, agent_session_start
from bot.channels.turn_order import CrisisFirst, crisis_first
from bot.content.compliance import continuing_use_notice

logger = logging.getLogger(__name__)

# The longest message a person types in a chat box; longer is an abuse of the
# channel, and Rasa would otherwise read, store and encrypt all of it.
MAX_MESSAGE_CHARS = 5000
# Conversation ids are ours (pseudonyms, signed web chat ids: under 70
# characters) or the clinic's back end's over REST.
MAX_SENDER_CHARS = 128

_SURROGATES = re.compile("[\ud800-\udfff]")
_NEWLINES = re.compile(r"\r\n?")
# Kept although they are control characters: they shape what a person wrote.
_KEPT_CONTROLS = frozenset("\n\t")
# Unicode categories dropped from messages: Cc controls, Cf invisible formatting.
_DROPPED = frozenset({"Cc", "Cf"})

TURN_FAILED = (
    "Sorry, something went wrong on my side and I could not take in your last "
    "message. Please try again in a moment."
)
# A turn that ended without a word: Rasa carries on silently when a custom
# action fails (the action server died under it), and silence reads as being
# ignored. A save cut off that way is saved by "try again" (actions/entry_saving.py).
TURN_SILENT = (
    "Sorry, something went wrong on my side and I could not finish answering that. "
    'Please try again in a moment. If you were saving something, say "try again".'
)


class Refused(ValueError):
    """A request the gate does not pass on. str() is for the caller's developer (the
    HTTP 400 body); `for_person` is what a person in a chat is told instead."""

    def __init__(self, reason: str, for_person: str = "") -> None:
        super().__init__(reason)
        self.for_person = for_person or "Sorry, I could not read that message. Please try again."


def clean_text(text: str) -> str:
    """`text` as it may reach Rasa: lone surrogates replaced, invisible and control
    characters dropped, line ends as "\\n". Never raises; never lengthens."""
    if text.isascii() and text.isprintable():
        return text
    text = _SURROGATES.sub("\ufffd", _NEWLINES.sub("\n", text))
    return "".join(
        ch for ch in text if ch in _KEPT_CONTROLS or unicodedata.category(ch) not in _DROPPED
    )


def message_text(value: Any) -> str:
    """The message of a request, cleaned; Refused when it is not a usable message."""
    if not isinstance(value, str):
        raise Refused("'message' must be a string")
    text = clean_text(value)
    if not text.strip():
        raise Refused("'message' is empty")
    if len(text) > MAX_MESSAGE_CHARS:
        raise Refused(
            f"'message' is longer than {MAX_MESSAGE_CHARS} characters",
            f"Sorry, that message is too long for me (over {MAX_MESSAGE_CHARS:,} characters). "
            "Could you send it in parts?",
        )
    return text


def sender_id(value: Any) -> str:
    """A conversation id as given by a caller; Refused unless it is one we can store."""
    if value is None:
        # Rasa would file it under one shared "default" conversation.
        raise Refused("'sender' is required")
    if not isinstance(value, str):
        raise Refused("'sender' must be a string")
    # isprintable() is False for controls, invisible formatting, separators other
    # than the ASCII space, and lone surrogates: all that cannot be stored or logged.
    if not value or len(value) > MAX_SENDER_CHARS or not value.isprintable() or " " in value:
        raise Refused(
            f"'sender' must be 1 to {MAX_SENDER_CHARS} printable characters, without spaces"
        )
    return value


def metadata(value: Any) -> dict[str, Any]:
    """Metadata as given by a caller: a JSON object, or nothing."""
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise Refused("'metadata' must be an object")
    return _cleaned(value)


def _cleaned(value: Any) -> Any:
    # Metadata is stored with the message: no surrogate may hide inside it.
    if isinstance(value, str):
        return clean_text(value)
    if isinstance(value, dict):
        return {clean_text(str(key)): _cleaned(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_cleaned(item) for item in value]
    return value


def json_body(request: Any) -> Mapping[str, Any]:
    """A request's JSON body, which must be an object."""
    try:
        body = request.json
    except Exception:  # Sanic raises its own BadRequest for a body that is not JSON.
        raise Refused("the body is not valid JSON") from None
    if not isinstance(body, dict):
        raise Refused("the body must be a JSON object")
    return body


# Engine.IO long-polling bodies: packets separated by the record separator.
_EIO_SEPARATOR = "\x1e"
_SIO_HEADER = re.compile(r"(?P<type>[0-6])(?:\d+-)?(?:/[^,]*,)?\d*")


def engineio_body_problem(body: bytes) -> str | None:
    """Why an Engine.IO polling POST body is not one python-socketio can take, or
    None. Its parsers raise on empty packets, undecodable bytes, JSON that is not
    JSON and an event that is not a list, and drop the request without an answer."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        return "the body is not UTF-8"
    for packet in text.split(_EIO_SEPARATOR):
        # What a client may send in Engine.IO 4: close, pong, message, upgrade, noop.
        # (A client's "ping" left the polling request hanging.)
        if not packet or packet[0] not in "13456":
            return "not an Engine.IO packet a client sends"
        if packet[0] != "4":  # only message packets carry Socket.IO data
            continue
        header = _SIO_HEADER.match(packet, 1)
        if header is None:
            return "not a Socket.IO packet"
        kind, data = header.group("type"), packet[header.end() :]
        if kind in "56":
            return "binary Socket.IO packets are not accepted"
        if not data:
            if kind in "23":
                return "a Socket.IO event or acknowledgement needs its data"
            continue
        try:
            value = json.loads(data)
        except ValueError:
            return "Socket.IO data that is not JSON"
        if kind == "2" and not (isinstance(value, list) and value and isinstance(value[0], str)):
            return "a Socket.IO event must be a list that starts with its name"
        if kind == "3" and not isinstance(value, list):
            return "a Socket.IO acknowledgement must be a list"
    return None


CrisisReply = Callable[[str], Awaitable[dict[str, Any] | None]]


_notices: NoticeClock | None = None


def notice_clock() -> NoticeClock:
    """The process's one clock for the continuing-use notice (bot/channels/notice.py)."""
    global _notices
    if _notices is None:
        notice = continuing_use_notice()
        _notices = NoticeClock(notice.every_hours * 3600, agent_session_start)
    return _notices


def guarded(
    on_new_message: Callable[[UserMessage], Awaitable[Any]],
    crisis_reply: CrisisReply | None = None,
    notices: NoticeClock | None = None,
) -> Callable[[UserMessage], Awaitable[Any]]:
    """`on_new_message` with replies in crisis-first order, a turn that fails
    answered instead of dropped, and the continuing-use notice after a turn when
    it is due. `crisis_reply(text)` gives the crisis reply a failed turn still
    owes the person (None when the text is no crisis); the default asks the
    running Rasa agent (`agent_crisis_reply`)."""
    find_crisis_reply = crisis_reply or agent_crisis_reply
    clock = notices or notice_clock()
    notice_text = continuing_use_notice().text

    async def after_turn(ordered: CrisisFirst, message: UserMessage) -> None:
        sender = message.sender_id or ""
        if not ordered.replied:
            await ordered.send_response(sender, {"text": TURN_SILENT})
        if ordered.disclosed:
            clock.heard(sender)
        elif await clock.due(sender):
            await ordered.send_response(sender, {"text": notice_text})
            clock.heard(sender)

    async def answer_failed_turn(ordered: CrisisFirst, message: UserMessage) -> None:
        recipient = message.sender_id or ""
        if not ordered.crisis_sent:
            try:
                reply = await find_crisis_reply(message.text or "")
            except Exception:
                logger.exception("No crisis check was possible for a failed turn")
                reply = None
            if reply is not None:
                await ordered.send_response(recipient, reply)
        await ordered.send_response(recipient, {"text": TURN_FAILED})

    return crisis_first(on_new_message, on_failure=answer_failed_turn, after=after_turn)


async def agent_crisis_reply(text: str) -> dict[str, Any] | None:
    """The crisis reply for `text` from the running Rasa agent's own NLU and domain
    (the same layers and words as a normal turn), or None when it is no crisis.
    Another person's risk gets how to help, with the lines. A message the layers
    are not sure of gets its category's full reply here: a
    failed turn cannot carry the question and its answer."""
    from sanic import Sanic

    from bot.crisis import category_of, reply_for
    from bot.crisis.graded import CHECK_INTENT, SOMEONE_ELSE_INTENT, someone_else_response

    agent = Sanic.get_app().ctx.agent
    parsed = await agent.parse_message(text)
    intent = (parsed.get("intent") or {}).get("name")
    category = category_of(intent)
    graded = (parsed.get("crisis") or {}).get("category")
    if category is None and intent in (CHECK_INTENT, SOMEONE_ELSE_INTENT):
        category = graded
    if category is None:
        return None
    name = someone_else_response(category) if intent == SOMEONE_ELSE_INTENT else reply_for(category)
    responses = agent.domain.responses.get(name) or []
    return {"text": responses[0]["text"], "utter_action": name} if responses else None
