"""The crisis layer of the NLU pipeline on its own, with the real lexicon."""

from __future__ import annotations

from typing import Any

from rasa.shared.nlu.training_data.message import Message

from bot.crisis.detector import CrisisDetector
from bot.nlp.crisis_component import CrisisClassifier


def component() -> CrisisClassifier:
    return CrisisClassifier({"classifier_threshold": 0.6}, CrisisDetector.load())


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


def test_a_low_confidence_crisis_message_is_not_left_as_fallback() -> None:
    risk = {"probability": 0.65, "category": "self_harm"}
    assert parsed(message("ugh the old habit is back", "nlu_fallback", 0.6, risk)) == (
        "crisis_self_harm",
        "classifier",
    )


def test_diet_alone_naming_a_risk_is_not_enough() -> None:
    risk = {"probability": 0.1, "category": "overdose"}
    assert parsed(message("tell me something funny", "crisis_overdose", 0.6, risk)) == (
        "nlu_fallback",
        None,
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
