"""The crisis layer of the NLU pipeline on its own, with the real lexicon."""

from __future__ import annotations

from typing import Any

from rasa.shared.nlu.training_data.message import Message

from bot.crisis.detector import CrisisDetector
from bot.nlp.crisis_component import CrisisClassifier


def component() -> CrisisClassifier:
    return CrisisClassifier(
        {
            "classifier_threshold": 0.6,
            "high_threshold": 0.8,
            "lexicon_confirm": 0.1,
            "context_threshold": 0.8,
        },
        CrisisDetector.load(),
    )


def message(text: str, intent: str, confidence: float, risk: dict[str, Any] | None) -> Message:
    data: dict[str, Any] = {
        "text": text,
        "intent": {"name": intent, "confidence": confidence},
        "intent_ranking": [{"name": intent, "confidence": confidence}],
    }
    if risk is not None:
        data["risk"] = risk
    return Message(data=data)


def parsed(m: Message) -> tuple[str, str | None]:
    component().process([m])
    return m.get("intent")["name"], (m.get("crisis") or {}).get("layer")


def test_a_lexicon_match_wins_over_any_intent() -> None:
    m = message(
        "honestly i just want to kms", "greet", 0.99, {"probability": 0.1, "category": "abuse"}
    )
    assert parsed(m) == ("crisis_suicide", "lexicon")
    assert m.get("crisis")["classifier_confidence"] == 0.1


def test_a_likely_crisis_message_gets_the_crisis_turn_even_from_fallback() -> None:
    risk = {"probability": 0.85, "category": "self_harm"}
    assert parsed(message("ugh the old habit is back", "nlu_fallback", 0.6, risk)) == (
        "crisis_self_harm",
        "classifier",
    )


def test_a_possible_crisis_message_gets_the_question_for_its_category() -> None:
    m = message(
        "ugh the old habit is back",
        "nlu_fallback",
        0.6,
        {"probability": 0.65, "category": "self_harm"},
    )
    assert parsed(m) == ("risk_check", "classifier")
    assert m.get("crisis")["category"] == "self_harm"
    assert m.get("crisis")["level"] == "uncertain"


def test_a_lexicon_match_the_classifier_dismisses_is_asked_about() -> None:
    m = message(
        "honestly i just want to kms", "greet", 0.99, {"probability": 0.05, "category": "suicide"}
    )
    assert parsed(m) == ("risk_check", "lexicon")
    assert m.get("crisis")["category"] == "suicide"


def test_diet_alone_naming_a_risk_is_asked_about_not_taken_over() -> None:
    m = message(
        "tell me something funny",
        "crisis_overdose",
        0.6,
        {"probability": 0.3, "category": "overdose"},
    )
    assert parsed(m) == ("risk_check", "intent model")
    assert m.get("crisis")["category"] == "overdose"


def test_diet_alone_against_a_classifier_that_dismisses_it_is_not_understood() -> None:
    risk = {"probability": 0.03, "category": "suicide"}
    m = message("i'm not suicidal, just exhausted", "crisis_suicide", 0.7, risk)
    assert parsed(m) == ("nlu_fallback", None)


def test_diet_alone_asking_for_help_is_not_understood_rather_than_a_crisis() -> None:
    risk = {"probability": 0.1, "category": "suicide"}
    assert parsed(message("tell me something", "crisis_help", 0.6, risk)) == ("nlu_fallback", None)


def test_thresholds_out_of_order_are_refused() -> None:
    import pytest

    with pytest.raises(ValueError, match="lexicon_confirm"):
        CrisisClassifier(
            {
                "classifier_threshold": 0.9,
                "high_threshold": 0.8,
                "lexicon_confirm": 0.1,
                "context_threshold": 0.9,
            },
            CrisisDetector.load(),
        )


def test_asking_for_help_stays_a_help_request_and_buttons_pass_through() -> None:
    assert (
        parsed(message("hotline", "crisis_help", 0.9, {"probability": 0.0, "category": "suicide"}))[
            0
        ]
        == "crisis_help"
    )
    assert parsed(message("/crisis_suicide", "crisis_suicide", 1.0, None)) == (
        "crisis_suicide",
        None,
    )


def with_context(probability: float, together: float, earlier: float) -> dict[str, Any]:
    return {
        "probability": probability,
        "category": "suicide",
        "context": {"probability": together, "category": "suicide", "earlier_probability": earlier},
    }


def test_risk_that_shows_only_with_the_earlier_messages_is_caught() -> None:
    m = message("i still have her tablets", "share_feelings", 0.7, with_context(0.3, 0.9, 0.2))
    assert parsed(m) == ("risk_check", "context")
    assert m.get("crisis")["category"] == "suicide"
    # Below context_threshold: short form answers read together sound like a story.
    m = message("i walked out", "share_feelings", 0.7, with_context(0.1, 0.7, 0.02))
    assert parsed(m) == ("share_feelings", None)


def test_an_earlier_message_that_was_a_risk_alone_does_not_fire_again() -> None:
    m = message("thanks", "thank", 0.9, with_context(0.01, 0.9, 0.85))
    assert parsed(m) == ("thank", None)


def theirs(own: float, someone: float, category: str = "suicide") -> dict[str, Any]:
    return {
        "probability": own,
        "category": "self_harm",
        "someone_else": {"probability": someone, "category": category},
    }


def test_another_persons_risk_gets_how_to_help_for_its_category() -> None:
    text = "my friend is giving her things away and saying goodbye to people"
    m = message(text, "share_feelings", 0.5, theirs(0.2, 0.7))
    assert parsed(m) == ("risk_someone_else", "classifier")
    assert m.get("crisis")["category"] == "suicide"
    assert m.get("crisis")["level"] == "someone_else"


def test_the_clients_own_risk_wins_over_anyone_elses() -> None:
    m = message("my friend is struggling and so am i", "share_feelings", 0.5, theirs(0.9, 0.6))
    assert parsed(m) == ("crisis_self_harm", "classifier")
    # Below someone_else_threshold nothing is said about anyone else.
    m = message("my friend has been quiet lately", "share_feelings", 0.8, theirs(0.05, 0.3))
    assert parsed(m) == ("share_feelings", None)


def test_a_lexicon_match_about_someone_else_keeps_the_lexicons_category() -> None:
    m = message("my mate took a load of pills", "share_feelings", 0.5, theirs(0.3, 0.8, "suicide"))
    decision = component().decide("my friend took something and he's shaking", theirs(0.3, 0.8))
    assert decision is not None and decision["layer"] == "lexicon"
    assert decision["level"] == "someone_else" and decision["category"] == "overdose"
    assert parsed(m)[0] == "risk_someone_else"


def test_a_question_about_a_crisis_topic_keeps_its_answer_and_gets_a_line() -> None:
    risk = {"probability": 0.01, "category": "suicide"}
    m = message("Does IPT help with Bulimia?", "faq", 0.9, risk)
    assert parsed(m) == ("faq", "topic words")
    assert m.get("crisis")["level"] == "topic"
    assert m.get("crisis")["category"] == "eating_disorder"
    m = message("is ipt any use for people with a drinking problem", "faq", 0.9, risk)
    assert parsed(m) == ("faq", "topic words")
    assert m.get("crisis")["category"] == "substance_use"
    # A remark is not a question; a question naming no topic is just a question.
    assert parsed(message("bulimia and ipt", "faq", 0.9, risk)) == ("faq", None)
    assert parsed(message("how long does ipt take?", "faq", 0.9, risk)) == ("faq", None)
    # A risk at the threshold is the client's own, question or not.
    high = {"probability": 0.85, "category": "eating_disorder"}
    assert parsed(message("can ipt help, i make myself sick daily?", "faq", 0.9, high))[0] == (
        "crisis_eating_disorder"
    )
