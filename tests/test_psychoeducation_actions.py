"""The psychoeducation actions on tracker fixtures: which topic, how deep, and
what happens when the topic ranking is not sure."""

from __future__ import annotations

import asyncio
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.fallback import ActionNotUnderstood
from actions.psychoeducation import (
    ActionAnswerQuestion,
    ActionNameSource,
    ActionShowTopics,
    ActionTellMore,
)
from bot.content.psychoeducation import psychoeducation

CONTENT = psychoeducation()


def tracker(
    ranking: list[tuple[str, float]] | None = None,
    entities: list[dict[str, Any]] | None = None,
    intents: list[str] | None = None,
    text: str = "what does that mean?",
    **slots: Any,
) -> Tracker:
    intents = intents or ["faq"]
    message: dict[str, Any] = {
        "text": text,
        "intent": {"name": intents[0]},
        "intent_ranking": [{"name": name, "confidence": 0.3} for name in intents],
    }
    if ranking is not None:
        message["response_selector"] = {
            "faq": {
                "ranking": [
                    {"intent_response_key": f"faq/{topic}", "confidence": confidence}
                    for topic, confidence in ranking
                ]
            }
        }
    message["entities"] = entities or []
    return Tracker(
        sender_id="visitor",
        slots=slots,
        latest_message=message,
        events=[],
        paused=False,
        followup_action=None,
        active_loop={},
        latest_action_name="action_listen",
    )


def run(action: Any, given: Tracker) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    dispatcher = CollectingDispatcher()
    events = asyncio.run(action.run(dispatcher, given, {}))
    return {e["name"]: e["value"] for e in events if e.get("event") == "slot"}, dispatcher.messages


def payloads(message: dict[str, Any]) -> list[str]:
    return [button["payload"] for button in message.get("buttons", [])]


def test_a_confident_ranking_gets_that_topics_answer_more_and_related(settings: Any) -> None:
    slots, said = run(
        ActionAnswerQuestion(), tracker([("grief", 0.93), ("role_transitions", 0.03)])
    )
    assert said[0]["response"] == "utter_faq/grief"
    buttons = payloads(said[0])
    assert buttons[0] == "/tell_me_more"
    for other in CONTENT.topics["grief"].related:
        assert f'/faq{{"topic": "{other}"}}' in buttons
    assert slots == {"faq_topic": "grief", "faq_depth": "answer"}


def test_an_unsure_ranking_says_so_and_offers_the_closest_topics(settings: Any) -> None:
    ranking = [("phases", 0.34), ("initial_phase", 0.31), ("termination", 0.2), ("grief", 0.1)]
    slots, said = run(ActionAnswerQuestion(), tracker(ranking))
    assert said[0]["response"] == "utter_faq_unsure"
    assert payloads(said[0]) == [
        '/faq{"topic": "phases"}',
        '/faq{"topic": "initial_phase"}',
        '/faq{"topic": "termination"}',
        "/ipt_topics",
    ]
    assert slots == {}  # nothing answered, so "tell me more" has nothing to go deeper on


def test_an_unsure_reading_of_a_remark_acknowledges_it_before_offering_topics(
    settings: Any,
) -> None:
    ranking = [("diagnosis", 0.3), ("limits", 0.2)]
    remark = tracker(ranking, text="work has been crazy and my boss keeps shouting")
    _, said = run(ActionAnswerQuestion(), remark)
    assert said[0]["response"] == "utter_faq_unsure_remark"
    assert payloads(said[0])[-1] == "/ipt_topics"
    _, said = run(ActionAnswerQuestion(), tracker(ranking, text="how long does it last"))
    assert said[0]["response"] == "utter_faq_unsure"


def test_the_confidence_needed_comes_from_the_settings(settings: Any, monkeypatch: Any) -> None:
    from dataclasses import replace

    from actions import context

    strict = replace(settings, faq_answer_confidence=0.95)
    monkeypatch.setattr(context, "settings", lambda: strict)
    _, said = run(ActionAnswerQuestion(), tracker([("grief", 0.93)]))
    assert said[0]["response"] == "utter_faq_unsure"


def test_a_second_question_in_the_same_message_is_offered_first(settings: Any) -> None:
    _, said = run(ActionAnswerQuestion(), tracker([("what_is_ipt", 0.6), ("format", 0.35)]))
    assert said[0]["response"] == "utter_faq/what_is_ipt"
    assert payloads(said[0])[:2] == ["/tell_me_more", '/faq{"topic": "format"}']
    # Offered once, even though format is also a related topic of what_is_ipt.
    assert payloads(said[0]).count('/faq{"topic": "format"}') == 1


def test_a_button_names_its_topic_whatever_the_ranking(settings: Any) -> None:
    chosen = tracker([("grief", 0.2)], entities=[{"entity": "topic", "value": "role_play"}])
    slots, said = run(ActionAnswerQuestion(), chosen)
    assert said[0]["response"] == "utter_faq/role_play"
    assert slots["faq_topic"] == "role_play"


def test_an_unknown_topic_in_a_button_is_not_trusted(settings: Any) -> None:
    forged = tracker([], entities=[{"entity": "topic", "value": "drop_tables"}])
    _, said = run(ActionAnswerQuestion(), forged)
    assert said[0]["response"] == "utter_faq_unsure"


def test_tell_me_more_goes_deeper_once_then_offers_related_topics(settings: Any) -> None:
    slots, said = run(
        ActionTellMore(), tracker(faq_topic="communication_analysis", faq_depth="answer")
    )
    topic = CONTENT.topics["communication_analysis"]
    assert said[0]["text"].startswith(topic.more)
    assert "Source: " + CONTENT.sources[topic.sources[0]] in said[0]["text"]
    assert slots == {"faq_depth": "more"}
    _, again = run(ActionTellMore(), tracker(faq_topic="communication_analysis", faq_depth="more"))
    assert again[0]["response"] == "utter_faq_said_all"
    assert again[0]["title"] == topic.title.lower()
    assert len(payloads(again[0])) == len(topic.related)


def test_tell_me_more_with_no_topic_yet_offers_the_menu(settings: Any) -> None:
    _, said = run(ActionTellMore(), tracker())
    assert said[0]["response"] == "utter_faq_no_topic"
    assert len(payloads(said[0])) == len(CONTENT.menu)


def test_the_topic_menu_follows_menu_yml(settings: Any) -> None:
    _, said = run(ActionShowTopics(), tracker())
    assert payloads(said[0]) == [f'/faq{{"topic": "{t}"}}' for t in CONTENT.menu]


def test_the_source_of_the_last_answer_is_named(settings: Any) -> None:
    _, said = run(ActionNameSource(), tracker(faq_topic="evidence"))
    assert said[0]["response"] == "utter_faq_source"
    for source in CONTENT.topics["evidence"].sources:
        assert CONTENT.sources[source] in said[0]["sources"]
    _, general = run(ActionNameSource(), tracker())
    assert general[0]["response"] == "utter_faq_source_general"


def test_not_understood_offers_the_closest_topics_when_it_was_probably_an_ipt_question(
    settings: Any,
) -> None:
    ranking = [("origins", 0.41), ("what_is_ipt", 0.3), ("evidence", 0.1)]
    _, said = run(ActionNotUnderstood(), tracker(ranking, intents=["nlu_fallback", "faq"]))
    assert said[0]["response"] == "utter_faq_unsure"
    assert payloads(said[0]) == [
        '/faq{"topic": "origins"}',
        '/faq{"topic": "what_is_ipt"}',
        '/faq{"topic": "evidence"}',
        "/ipt_topics",
    ]


def test_not_understood_offers_the_menu_when_it_was_not_an_ipt_question(settings: Any) -> None:
    ranking = [("origins", 0.9)]
    _, said = run(ActionNotUnderstood(), tracker(ranking, intents=["nlu_fallback", "greet", "faq"]))
    assert [message["response"] for message in said] == ["utter_default"]
    _, said = run(
        ActionNotUnderstood(),
        tracker(ranking, intents=["nlu_fallback", "share_feelings"], faq_only=True),
    )
    assert [message["response"] for message in said] == ["utter_default_faq"]
