"""FAQ-only mode (FAQ_ONLY=true) through the real servers: questions about IPT
and crisis help, and nothing stored about the person."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.content.psychoeducation import load_psychoeducation
from bot.local_instance import LocalAssistant

pytestmark = pytest.mark.server
CONTENT = load_psychoeducation()


@pytest.fixture(scope="module")
def faq_site(
    tmp_path_factory: pytest.TempPathFactory, model_path: Path
) -> Iterator[LocalAssistant]:
    running = LocalAssistant(tmp_path_factory.mktemp("faq-only"), model_path, FAQ_ONLY="true")
    running.start()
    yield running
    running.stop()


def test_the_visitor_is_told_nothing_is_kept_and_gets_answers(faq_site: LocalAssistant) -> None:
    first = [reply.get("text", "") for reply in faq_site.say("visitor-1", "hello")]
    assert "don't keep anything you write" in first[0]
    assert "Learn about IPT" in [
        b["title"] for b in faq_site.say("visitor-1", "menu")[-1]["buttons"]
    ]
    answer = faq_site.say("visitor-1", "how long does ipt usually last")[-1]["text"]
    assert answer == CONTENT.topics["format"].answer
    assert faq_site.say("visitor-1", "tell me more")[-1]["text"].startswith(
        CONTENT.topics["format"].more
    )


@pytest.mark.parametrize(
    "request_text",
    ["I want to log an incident", "mood check-in", "show my entries", "my code is 7KQ-2MD"],
)
def test_journal_requests_are_explained_not_started(
    faq_site: LocalAssistant, request_text: str
) -> None:
    sender = f"visitor-{abs(hash(request_text))}"
    faq_site.say(sender, "hi")
    reply = faq_site.say(sender, request_text)[-1]["text"]
    assert "I don't keep journals" in reply


def test_crisis_lines_still_come_first_and_nothing_is_stored(faq_site: LocalAssistant) -> None:
    faq_site.say("visitor-crisis", "hi")
    replies = faq_site.say("visitor-crisis", "i want to kill myself")
    assert "988" in replies[0]["text"]
    assert replies[-1]["text"] == "Are you safe right now?"
    # No conversation store, no journal database, no key file: nothing on disk.
    stored = [p.name for p in faq_site.data_dir.iterdir() if not p.name.startswith("launcher-")]
    assert stored == []
