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
    ],
)
def test_wording_that_would_leave_a_case_unsaid_is_refused(edit, message: str) -> None:
    wording = copy.deepcopy(load_wording())
    edit(wording)
    with pytest.raises(CrisisLinesError, match=message):
        validate_check(wording, "replies.yml")
