"""Buttons on channels that cannot show them: numbered choices, and back.

An SMS can only carry text, so a reply with buttons goes out as the text and a
numbered list of the button titles. When the person answers "2" (or types a
title), the channel turns that into the button's payload before Rasa sees it,
exactly as if they had tapped it. The offered buttons are read back from the
conversation itself (the last bot message with buttons since the person last
wrote), so any server of several can resolve the answer, and a restart loses
nothing.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from rasa.core.tracker_store import TrackerStore
from rasa.shared.core.events import BotUttered, UserUttered

# A reply longer than this is a message, not a choice: not worth a tracker read.
LONGEST_CHOICE = 60

logger = logging.getLogger(__name__)


def numbered(text: str, buttons: list[dict[str, Any]]) -> str:
    choices = "\n".join(f"{number}. {button['title']}" for number, button in enumerate(buttons, 1))
    return f"{text.strip()}\n\n{choices}\n(Reply with a number.)"


def chosen(reply: str, buttons: list[dict[str, Any]]) -> str | None:
    """The payload of the button the reply picks, by title or by number; else None."""
    said = reply.strip().rstrip(".)").strip().casefold()
    for button in buttons:
        # A title wins over a position, so a choice titled "2" means that one.
        if said == str(button.get("title", "")).strip().casefold():
            return str(button["payload"])
    if re.fullmatch(r"[0-9]{1,2}", said) and 1 <= int(said) <= len(buttons):
        return str(buttons[int(said) - 1]["payload"])
    return None


async def resolve(reply: str, tracker_store: TrackerStore, sender_id: str) -> str:
    """The reply as Rasa should read it: a picked button's payload, or the reply."""
    if len(reply) > LONGEST_CHOICE:
        return reply
    try:
        tracker = await tracker_store.retrieve(sender_id)
    except Exception:
        # The store is failing: the turn itself will meet it and be answered
        # (bot/channels/gate.py); the reply goes on as typed.
        logger.exception("Could not read the offered choices")
        return reply
    if tracker is None:
        return reply
    for event in reversed(tracker.events):
        if isinstance(event, UserUttered):
            # Buttons offered before the person's last message are no longer on offer.
            return reply
        if isinstance(event, BotUttered) and event.data.get("buttons"):
            return chosen(reply, event.data["buttons"]) or reply
    return reply
