"""The web chat through the real servers (`make run`'s launcher on free ports):
a conversation in headless Chromium, and the channel's refusals over socket.io."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

from bot.channels.webchat import SessionIds
from bot.local_instance import LocalAssistant

pytestmark = pytest.mark.server
REST_TOKEN = "rest-token-0123456789"


@pytest.fixture(scope="module")
def assistant(tmp_path_factory: pytest.TempPathFactory, model_path: Path) -> Iterator[Any]:
    running = LocalAssistant(
        tmp_path_factory.mktemp("webchat"),
        model_path,
        REMINDER_TIMEZONE="UTC",
        REST_CHANNEL_TOKEN=REST_TOKEN,
    )
    running.start()
    yield running
    assert running.stop() == 0


def _bot_says(page: Any, text: str) -> None:
    page.locator(".ipt-bot", has_text=text).last.wait_for(timeout=60_000)


def test_a_whole_conversation_with_buttons_a_reload_and_the_help_control(
    assistant: Any, chromium: Any
) -> None:
    page = chromium.new_context(viewport={"width": 390, "height": 760}).new_page()
    page.goto(f"http://127.0.0.1:{assistant.webchat_port}/")
    # A new visitor is greeted with the disclosure and the menu, unasked.
    _bot_says(page, "not a therapist")
    _bot_says(page, "Here is what I can do")
    page.get_by_role("button", name="Learn about IPT").click()
    _bot_says(page, "Pick one, or ask in your own words")
    assert page.get_by_role("button", name="Learn about IPT").is_disabled()
    page.get_by_role("button", name="The four problem areas").click()
    _bot_says(page, "grief")
    page.get_by_label("Your message").fill("tell me more")
    page.get_by_label("Your message").press("Enter")
    _bot_says(page, "Source: ")
    answers = page.locator(".ipt-bot").count()

    # A reload keeps the conversation: the transcript, and the same conversation
    # on the server, which still knows what "tell me more" was about.
    token = page.evaluate("sessionStorage.getItem('ipt-chat-token')")
    page.reload()
    page.locator(".ipt-bot").nth(answers - 1).wait_for()
    assert page.evaluate("sessionStorage.getItem('ipt-chat-token')") == token
    assert page.locator(".ipt-user", has_text="tell me more").count() == 1
    page.get_by_label("Your message").fill("where is that from?")
    page.get_by_label("Your message").press("Enter")
    _bot_says(page, "That answer is based on")

    # "Get help now" is always in view, and answers with the crisis lines first.
    help_button = page.get_by_role("button", name="Get help now").first
    assert help_button.is_visible()
    help_button.click()
    _bot_says(page, "988")
    # The page fits a phone: nothing sideways.
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_a_daily_reminder_reaches_the_open_page(assistant: Any, chromium: Any) -> None:
    """End to end through Rasa's own scheduler: set for the next minute or two
    (REMINDER_TIMEZONE is UTC here), then wait for it to fire into the page."""
    page = chromium.new_context().new_page()
    page.goto(f"http://127.0.0.1:{assistant.webchat_port}/")
    _bot_says(page, "Here is what I can do")
    now = datetime.now(timezone.utc)
    at = now + timedelta(minutes=2 if now.second < 40 else 3)
    # With am/pm: "10:19" alone is rightly asked about (morning or evening?), so a
    # 24-hour time would fail this test between 10:00 and 12:59.
    half = "am" if at.hour < 12 else "pm"
    page.get_by_label("Your message").fill(f"remind me to check in every day at {at:%I:%M}{half}")
    page.get_by_label("Your message").press("Enter")
    _bot_says(page, "I'll remind you to check in every day")
    nudge = page.locator(".ipt-bot", has_text="check-in time").last
    nudge.wait_for(timeout=240_000)
    assert nudge.get_by_role("button").count() >= 1
    page.get_by_label("Your message").fill("stop reminders")
    page.get_by_label("Your message").press("Enter")
    _bot_says(page, "no more reminders")


def test_one_script_tag_embeds_it_in_a_clinics_page(assistant: Any, chromium: Any) -> None:
    page = chromium.new_context().new_page()
    chat = f"http://127.0.0.1:{assistant.webchat_port}"
    # The clinic's page: any site; here a blank one on the chat's origin.
    page.goto(f"{chat}/health")
    page.set_content(f'<h1>Clinic</h1><script src="{chat}/webchat.js"></script>')
    opener = page.get_by_role("button", name="Chat")
    opener.click()
    assert opener.get_attribute("aria-expanded") == "true"
    _bot_says(page, "Here is what I can do")


def test_the_page_loads_nothing_from_elsewhere(assistant: Any, chromium: Any) -> None:
    page = chromium.new_context().new_page()
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    page.goto(f"http://127.0.0.1:{assistant.webchat_port}/")
    _bot_says(page, "Here is what I can do")
    hosts = {url.split("/")[2] for url in requested if url.startswith("http")}
    assert hosts <= {
        f"127.0.0.1:{assistant.webchat_port}",
        f"127.0.0.1:{assistant.rasa_port}",
    }


def test_nobody_can_take_over_someone_elses_conversation(assistant: Any, chromium: Any) -> None:
    # A second socket from the chat page's own origin, with the vendored client.
    page = chromium.new_context().new_page()
    page.goto(f"http://127.0.0.1:{assistant.webchat_port}/")
    _bot_says(page, "Here is what I can do")
    seen = page.evaluate(
        """server => new Promise(resolve => {
            const seen = {};
            const socket = io(server, {path: "/socket.io", transports: ["websocket"]});
            socket.on("session_error", text => {
                seen.error = text;
                // Asking for someone's id, or one made up, gets a fresh one instead.
                socket.emit("session_request", {session_id: "victim"});
            });
            socket.on("session_confirm", token => { seen.token = token; resolve(seen); });
            // A message before any session has nowhere to go.
            socket.on("connect", () =>
                socket.emit("user_uttered", {message: "hello", session_id: "victim"}));
            setTimeout(() => resolve(seen), 20000);
        })""",
        f"http://127.0.0.1:{assistant.rasa_port}",
    )
    assert seen.get("error") == "request a session first"
    assert seen.get("token") and seen["token"] != "victim" and "." in seen["token"]

    # Another web site may not connect at all. "localhost" is another origin than
    # the allowed 127.0.0.1 (and, unlike a public name, Chromium lets it load the client).
    stranger = chromium.new_context().new_page()
    stranger.goto(f"http://localhost:{assistant.webchat_port}/")
    stranger.get_by_text("Cannot reach the assistant").wait_for(timeout=30_000)
    outcome = stranger.evaluate(
        """server => new Promise(resolve => {
            const socket = io(server, {path: "/socket.io", transports: ["websocket"],
                                       reconnection: false});
            socket.on("connect", () => resolve("connected"));
            socket.on("connect_error", () => resolve("refused"));
            setTimeout(() => resolve("timeout"), 20000);
        })""",
        f"http://127.0.0.1:{assistant.rasa_port}",
    )
    assert outcome == "refused"


def test_with_a_token_set_the_rest_channel_needs_it(assistant: Any) -> None:
    # LocalAssistant sends the token, as the clinic's back end would.
    assert assistant.say("backend-1", "hello")
    for headers in ({}, {"Authorization": "Bearer wrong-token-0123456789"}):
        request = urllib.request.Request(
            f"http://127.0.0.1:{assistant.rasa_port}/webhooks/rest/webhook",
            data=json.dumps({"sender": "backend-1", "message": "hello"}).encode(),
            headers={"Content-Type": "application/json", **headers},
        )
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(request, timeout=30)
        assert refused.value.code == 401


def test_session_ids_are_signed_and_checked() -> None:
    ids = SessionIds("k" * 40)
    token = ids.issue()
    sender = ids.sender(token)
    assert sender is not None and len(sender) >= 24 and token.startswith(sender + ".")
    assert ids.sender(sender + ".0" * 16) is None
    assert ids.sender(SessionIds("x" * 40).issue()) is None
    assert ids.sender("victim") is None and ids.sender(None) is None
    assert ids.issue() != ids.issue()
