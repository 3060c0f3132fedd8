"""Questions about IPT through the real servers, started the way `make run` starts them."""

from __future__ import annotations

import pytest

from bot.content.psychoeducation import load_psychoeducation, training_examples
from bot.local_instance import LocalAssistant

pytestmark = pytest.mark.server
CONTENT = load_psychoeducation()
EXAMPLES = training_examples()


def titles(reply: dict) -> list[str]:
    return [button["title"] for button in reply.get("buttons", [])]


@pytest.mark.parametrize("topic_id", sorted(CONTENT.topics))
def test_every_topic_is_answered_and_goes_deeper(assistant: LocalAssistant, topic_id: str) -> None:
    topic = CONTENT.topics[topic_id]
    sender = f"topic-{topic_id}"
    reply = assistant.say(sender, EXAMPLES[topic_id][0])[-1]
    assert reply["text"] == topic.answer
    assert titles(reply)[0] == "Tell me more"
    for other in topic.related:
        assert CONTENT.topics[other].title in titles(reply)
    deeper = assistant.say(sender, "tell me more")[-1]
    assert deeper["text"].startswith(topic.more)
    assert "Source: " in deeper["text"]


def test_a_related_topic_button_answers_that_topic(assistant: LocalAssistant) -> None:
    sender = "buttons"
    assistant.say(sender, "what are the problem areas in ipt")
    reply = assistant.say(sender, '/faq{"topic": "grief"}')[-1]
    assert reply["text"] == CONTENT.topics["grief"].answer
    source = assistant.say(sender, "where is that from?")[-1]["text"]
    assert CONTENT.sources[CONTENT.topics["grief"].sources[0]] in source


def test_tell_me_more_twice_offers_related_topics(assistant: LocalAssistant) -> None:
    sender = "twice"
    assistant.say(sender, "what is communication analysis")
    assistant.say(sender, "tell me more")
    enough = assistant.say(sender, "more please")[-1]
    assert enough["text"].startswith("That's all I have on communication analysis")
    assert len(enough["buttons"]) == len(CONTENT.topics["communication_analysis"].related)


def test_the_topic_menu_and_the_main_menu_lead_to_ipt(assistant: LocalAssistant) -> None:
    menu = assistant.say("menu", "what can you do")[-1]
    assert "Learn about IPT" in titles(menu)
    topics = assistant.say("menu", "/ipt_topics")[-1]
    assert titles(topics) == [CONTENT.topics[t].title for t in CONTENT.menu]


def test_medication_and_diagnosis_get_a_kind_redirection(assistant: LocalAssistant) -> None:
    medication = assistant.say("meds", "should i stop taking my antidepressants")[-1]["text"]
    assert medication == CONTENT.topics["medication"].answer
    diagnosis = assistant.say("dx", "am i depressed")[-1]["text"]
    assert diagnosis == CONTENT.topics["diagnosis"].answer


def test_gibberish_is_not_answered_with_a_topic(assistant: LocalAssistant) -> None:
    replies = assistant.say("mash", "qwpoeiru zxmcnv")
    answers = {topic.answer for topic in CONTENT.topics.values()}
    assert not answers & {reply.get("text") for reply in replies}
    # Either "didn't understand" or "outside what I can help with", then the menu.
    assert "Learn about IPT" in titles(replies[-1])


def test_an_ipt_question_mid_form_is_answered_and_the_form_goes_on(
    assistant: LocalAssistant,
) -> None:
    sender = "mid-form"
    assistant.say(sender, "I want to log an incident")
    assert assistant.say(sender, "yes")[-1]["text"].startswith("Who was involved?")
    replies = assistant.say(sender, "wait, what is a role dispute?")
    assert replies[0]["text"] == CONTENT.topics["role_disputes"].answer
    assert replies[-1]["text"].startswith("Who was involved?")
    assert assistant.say(sender, "my sister")[-1]["text"].startswith("When did it happen?")


def test_a_problem_area_named_as_an_answer_is_not_taken_for_a_question(
    assistant: LocalAssistant,
) -> None:
    sender = "area"
    assistant.say(sender, "my brother shouted at me yesterday, 4/10")
    assistant.say(sender, "yes")  # consent
    said = ""
    for _ in range(12):  # answer "skip" until the problem-area question comes
        said = assistant.say(sender, "skip")[-1]["text"]
        if "problem area" in said:
            break
    assert "problem area" in said
    summary = assistant.say(sender, "role dispute")[-1]["text"]
    assert "problem area: role dispute" in summary.lower()
