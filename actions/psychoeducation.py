"""Answers about IPT: the answer, "tell me more", the topic menu, the source.

The words live in content/psychoeducation/ (bot/content/psychoeducation.py);
these actions only decide which topic and how deep. A topic comes from a button
(`/faq{"topic": "grief"}`) or from the topic ranking (bot/nlp/topic_classifier.py); when the
ranking is not confident enough, the client is told so and offered the closest
topics instead of a confident answer to a different question.
"""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import context
from actions.context import in_thread
from actions.forms import latest_text
from bot.content.psychoeducation import (
    RETRIEVAL_INTENT,
    Psychoeducation,
    Topic,
    psychoeducation,
)
from bot.crisis import CATEGORIES
from bot.crisis.graded import topic_line_response
from bot.nlp.questions import is_question

TOPIC_SLOT = "faq_topic"
DEPTH_SLOT = "faq_depth"
# A second topic this close to the first is probably a second question in the
# same message ("what is ipt and how long does it take"): offered as a button.
SECOND_QUESTION_CONFIDENCE = 0.15
UNSURE_CHOICES = 3


def topic_button(topic: Topic) -> dict[str, str]:
    return {"title": topic.title, "payload": f'/{RETRIEVAL_INTENT}{{"topic": "{topic.id}"}}'}


def more_button() -> dict[str, str]:
    return {"title": "Tell me more", "payload": "/tell_me_more"}


def related_buttons(content: Psychoeducation, topic: Topic) -> list[dict[str, str]]:
    return [topic_button(content.topics[other]) for other in topic.related]


def menu_buttons(content: Psychoeducation) -> list[dict[str, str]]:
    return [topic_button(content.topics[topic_id]) for topic_id in content.menu]


def ranked_topics(tracker: Tracker, known: dict[str, Topic]) -> list[tuple[str, float]]:
    """(topic id, confidence), best first, from the response selector's output."""
    selector = (tracker.latest_message.get("response_selector") or {}).get(RETRIEVAL_INTENT)
    ranking = (selector or {}).get("ranking") or []
    ranked = []
    for candidate in ranking:
        key = str(candidate.get("intent_response_key", ""))
        topic_id = key.split("/", 1)[1] if "/" in key else ""
        if topic_id in known:
            ranked.append((topic_id, float(candidate.get("confidence", 0.0))))
    return ranked


def requested_topic(tracker: Tracker, known: dict[str, Topic]) -> str | None:
    """The topic a button asked for by id, if any."""
    for entity in tracker.latest_message.get("entities") or []:
        if entity.get("entity") == "topic" and entity.get("value") in known:
            return str(entity["value"])
    return None


def current_topic(tracker: Tracker, content: Psychoeducation) -> Topic | None:
    """The topic the conversation is on: the last one answered."""
    return content.topics.get(tracker.get_slot(TOPIC_SLOT) or "")


def sources_line(content: Psychoeducation, topic: Topic) -> str:
    return "; ".join(content.source_titles(topic))


def offer_closest(
    dispatcher: CollectingDispatcher,
    tracker: Tracker,
    content: Psychoeducation,
    ranked: list[tuple[str, float]],
) -> list[EventType]:
    """Says it is not sure and lets the client pick: never a confident wrong answer.
    A remark rather than a question ("work has been a lot lately") is first
    acknowledged as one: it is more likely someone telling how they are."""
    closest = [content.topics[topic_id] for topic_id, _ in ranked[:UNSURE_CHOICES]]
    buttons = [topic_button(topic) for topic in closest] or menu_buttons(content)
    buttons.append({"title": "All topics", "payload": "/ipt_topics"})
    asked = is_question(latest_text(tracker))
    response = "utter_faq_unsure" if asked else "utter_faq_unsure_remark"
    dispatcher.utter_message(response=response, buttons=buttons)
    return []


def answer(
    dispatcher: CollectingDispatcher,
    content: Psychoeducation,
    topic: Topic,
    also: Topic | None = None,
) -> list[EventType]:
    buttons = [more_button()]
    if also is not None:
        buttons.append(topic_button(also))
    buttons += [b for b in related_buttons(content, topic) if b not in buttons]
    dispatcher.utter_message(response=topic.response, buttons=buttons)
    return [SlotSet(TOPIC_SLOT, topic.id), SlotSet(DEPTH_SLOT, "answer")]


def topic_line(tracker: Tracker) -> str | None:
    """The one line under the answer to a question about a crisis topic ("does IPT
    help with bulimia?"): the crisis layer marks such a question (level "topic",
    bot/nlp/crisis_component.py) and names its category."""
    decision = tracker.latest_message.get("crisis") or {}
    category = decision.get("category")
    if decision.get("level") != "topic" or category not in CATEGORIES:
        return None
    return topic_line_response(category)


class ActionAnswerQuestion(Action):
    def name(self) -> str:
        return "action_answer_question"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        return await answer_question(dispatcher, tracker)


async def answer_question(dispatcher: CollectingDispatcher, tracker: Tracker) -> list[EventType]:
    """The answer to the question just asked, or the closest topics when the
    ranking is unsure; also what a form says to a question put in mid-form."""
    events = await _answer(dispatcher, tracker)
    line = topic_line(tracker)
    if line:
        dispatcher.utter_message(response=line)
    return events


async def _answer(dispatcher: CollectingDispatcher, tracker: Tracker) -> list[EventType]:
    content = await in_thread(psychoeducation)
    chosen = requested_topic(tracker, content.topics)
    if chosen:
        return answer(dispatcher, content, content.topics[chosen])
    ranked = ranked_topics(tracker, content.topics)
    if not ranked or ranked[0][1] < context.settings().faq_answer_confidence:
        return offer_closest(dispatcher, tracker, content, ranked)
    best = content.topics[ranked[0][0]]
    second = ranked[1] if len(ranked) > 1 else None
    also = content.topics[second[0]] if second and second[1] >= SECOND_QUESTION_CONFIDENCE else None
    return answer(dispatcher, content, best, also)


class ActionTellMore(Action):
    def name(self) -> str:
        return "action_tell_more"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        content = await in_thread(psychoeducation)
        topic = current_topic(tracker, content)
        if topic is None:
            dispatcher.utter_message(response="utter_faq_no_topic", buttons=menu_buttons(content))
            return []
        if tracker.get_slot(DEPTH_SLOT) == "more":
            dispatcher.utter_message(
                response="utter_faq_said_all",
                title=topic.title.lower(),
                buttons=related_buttons(content, topic),
            )
            return []
        dispatcher.utter_message(
            text=f"{topic.more}\n\nSource: {sources_line(content, topic)}",
            buttons=related_buttons(content, topic),
        )
        return [SlotSet(DEPTH_SLOT, "more")]


class ActionShowTopics(Action):
    def name(self) -> str:
        return "action_show_topics"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        content = await in_thread(psychoeducation)
        dispatcher.utter_message(response="utter_faq_topics", buttons=menu_buttons(content))
        return []


class ActionNameSource(Action):
    def name(self) -> str:
        return "action_name_source"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        content = await in_thread(psychoeducation)
        topic = current_topic(tracker, content)
        if topic is None:
            dispatcher.utter_message(response="utter_faq_source_general")
        else:
            dispatcher.utter_message(
                response="utter_faq_source", sources=sources_line(content, topic)
            )
        return []
