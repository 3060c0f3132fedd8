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
