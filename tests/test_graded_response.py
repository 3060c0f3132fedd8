"""The graded response's wording and answer reading (bot/crisis/graded.py)."""

from __future__ import annotations

import copy

import pytest

from bot.crisis import CATEGORIES
from bot.crisis.graded import AnswerReader, graded_responses, validate_check
from bot.crisis.lines import CrisisLinesError, load_locale
from bot.crisis.replies import load_wording


@pytest.fixture(scope="module")
def reader() -> AnswerReader:
    return AnswerReader(load_wording()["check"]["answers"])


@pytest.mark.parametrize(
    ("text", "answer"),
    [
        ("Yes", "yes"),
        ("yeah kind of", "yes"),
        ("maybe", "yes"),
        ("I'm not sure", "yes"),
        ("idk", "yes"),
        ("No", "no"),
        ("no, just a bad day", "no"),
        ("Nope!", "no"),
        ("I\u2019m fine", "no"),
        ("not really", "no"),
        ("what is a role dispute", None),
        ("", None),
    ],
)
def test_typed_answers_are_read_and_unsure_counts_as_yes(
    reader: AnswerReader, text: str, answer: str | None
) -> None:
    assert reader.read(text) == answer


def test_every_category_has_a_question_with_its_lines_and_three_buttons() -> None:
    locale = load_locale("UK")
    responses = graded_responses(locale, load_wording(), "Call 999.", None)
    for category in CATEGORIES:
        [response] = responses[f"utter_risk_check_{category}"]
        text = response["text"]
        assert text.splitlines()[0].endswith("?")
        for service in locale.services_for(category):
            assert f"• {service.line()}" in text
        assert "Call 999." in text
        assert [b["payload"] for b in response["buttons"]] == [
            "/risk_confirmed",
            "/risk_denied",
            "/crisis_help",
        ]


def test_not_safe_leads_with_the_emergency_number_and_asks_no_second_question() -> None:
    locale = load_locale("UK")
    [response] = graded_responses(locale, load_wording(), "Call 999.", None)["utter_not_safe"]
    first = response["text"].splitlines()[0]
    assert locale.emergency in first
    assert "Are you safe" not in response["text"]
    assert "/safety_plan" in [b["payload"] for b in response["buttons"]]


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda w: w["check"]["questions"].pop("abuse"), "questions missing"),
        (lambda w: w["check"]["answers"]["no"].append("Yes"), "both yes and no"),
        (lambda w: w["check"].pop("denied"), "'denied'"),
        (lambda w: w["not_safe"].update(lead="Call now."), "{number}"),
        (lambda w: w.pop("check"), "'check' section"),
        (lambda w: w["someone_else"]["help"].pop("overdose"), "someone_else help missing"),
        (lambda w: w["someone_else"].update(emergency_first=["friends"]), "must list"),
        (lambda w: w["someone_else"].update(emergency="Call them."), "{number}"),
        (lambda w: w.pop("someone_else"), "'someone_else' section"),
        (lambda w: w["topic_line"].update(text="Call someone."), "{service}"),
        (lambda w: w["topic_line"]["words"].update(gaming=["kill"]), "under categories"),
        (lambda w: w["topic_line"]["words"]["abuse"].append("  "), "non-empty"),
    ],
)
def test_wording_that_would_leave_a_case_unsaid_is_refused(edit, message: str) -> None:
    wording = copy.deepcopy(load_wording())
    edit(wording)
    with pytest.raises(CrisisLinesError, match=message):
        validate_check(wording, "replies.yml")


def test_someone_elses_risk_gets_how_to_help_with_every_line_and_no_safety_question() -> None:
    locale = load_locale("UK")
    wording = load_wording()
    responses = graded_responses(locale, wording, "Call 999.", None)
    urgent = wording["someone_else"]["emergency_first"]
    assert {"immediate_danger", "overdose"} <= set(urgent)
    for category in CATEGORIES:
        [response] = responses[f"utter_someone_else_{category}"]
        text = response["text"]
        for service in locale.services_for(category):
            assert f"• {service.line()}" in text
        assert locale.emergency in (text.splitlines()[0] if category in urgent else text)
        assert "Are you safe" not in text and "?" not in text
        assert [b["payload"] for b in response["buttons"]] == ["/crisis_help"]


def test_a_topic_question_gets_one_line_with_the_categorys_first_service() -> None:
    locale = load_locale("UK")
    responses = graded_responses(locale, load_wording(), "Call 999.", None)
    for category in CATEGORIES:
        [response] = responses[f"utter_topic_line_{category}"]
        assert locale.services_for(category)[0].line() in response["text"]
        assert len(response["text"].splitlines()) == 1


def test_topic_words_name_the_longest_phrase_in_a_question() -> None:
    from bot.crisis.graded import TopicWords

    topics = TopicWords(load_wording()["topic_line"]["words"])
    assert topics.named("Does IPT help with bulimia?") == "eating_disorder"
    assert topics.named("what about domestic violence and IPT") == "abuse"
    assert topics.named("can IPT help after a Suicide attempt") == "suicide"
    assert topics.named("how long does ipt take") is None
    # Whole words only: "drugstore" names nothing.
    assert topics.named("is the drugstore open") is None
