"""The crisis layer of the NLU pipeline; it runs last, after the FallbackClassifier.

Two layers decide, and either is enough:
  1. the deterministic detector (bot/crisis/detector.py, lexicon in content/),
  2. the trained risk classifier (bot/nlp/risk_classifier.py): a probability of
     risk at or above `classifier_threshold`. This layer decides after the
     FallbackClassifier, so an unsure crisis message never stays `nlu_fallback`.
A crisis intent from DIET that neither layer confirms becomes `nlu_fallback`.
The message's intent becomes `crisis_<category>` and the decision is kept in
the parse data under "crisis" (layer, phrase), which the actions record.
"""

from __future__ import annotations

from typing import Any

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.classifiers.fallback_classifier import FallbackClassifier
from rasa.shared.constants import DEFAULT_NLU_FALLBACK_INTENT_NAME
from rasa.shared.nlu.constants import (
    INTENT,
    INTENT_NAME_KEY,
    INTENT_RANKING_KEY,
    PREDICTED_CONFIDENCE_KEY,
    TEXT,
)
from rasa.shared.nlu.training_data.message import Message

from bot.crisis import CATEGORIES, HELP, category_of, intent_for
from bot.crisis.detector import CrisisDetector
from bot.nlp.risk_classifier import RISK_KEY, RiskClassifier

CRISIS_KEY = "crisis"


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=False)
class CrisisClassifier(GraphComponent):
    @classmethod
    def required_components(cls) -> list[type]:
        return [RiskClassifier, FallbackClassifier]

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {"classifier_threshold": 0.5}

    def __init__(self, config: dict[str, Any], detector: CrisisDetector) -> None:
        self.threshold = float(config["classifier_threshold"])
        self.detector = detector

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> CrisisClassifier:
        # The lexicon is read when the model loads, so a clinician's edit takes
        # effect on restart without retraining.
        return cls(config, CrisisDetector.load())

    def decide(self, text: str, risk: dict[str, Any] | None) -> dict[str, Any] | None:
        """Which crisis category, if any, a message belongs to, and which layer said so.

        The classifier's view ("classifier_category"/"classifier_confidence") is kept
        beside the deciding "layer", so `make eval` can score each layer alone.
        """
        risk = risk or {}
        views = {
            "classifier_category": risk.get("category"),
            "classifier_confidence": float(risk.get("probability", 0.0)),
        }
        detection = self.detector.detect(text)
        if detection:
            return {
                "category": detection.category,
                "layer": "lexicon",
                "phrase": detection.phrase,
                "confidence": 1.0,
                **views,
            }
        if views["classifier_category"] and views["classifier_confidence"] >= self.threshold:
            return {
                "category": views["classifier_category"],
                "layer": "classifier",
                "phrase": None,
                "confidence": views["classifier_confidence"],
                **views,
            }
        return None

    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            text = message.get(TEXT) or ""
            if text.startswith("/"):
                # A button payload names its intent itself.
                continue
            decision = self.decide(text, message.get(RISK_KEY))
            if decision:
                self._apply(message, decision)
            elif category_of((message.get(INTENT) or {}).get(INTENT_NAME_KEY)) in CATEGORIES:
                self._unsure(message)
        return messages

    @staticmethod
    def _unsure(message: Message) -> None:
        """DIET alone named a risk category that neither layer confirms: on text
        unlike its training data DIET's confidence can land anywhere. Saying "I did
        not understand" (with the help button in the menu) beats a false alarm."""
        intent = message.get(INTENT) or {}
        message.set(
            INTENT,
            {
                INTENT_NAME_KEY: DEFAULT_NLU_FALLBACK_INTENT_NAME,
                PREDICTED_CONFIDENCE_KEY: intent.get(PREDICTED_CONFIDENCE_KEY, 0.0),
            },
            add_to_output=True,
        )

    @staticmethod
    def _apply(message: Message, decision: dict[str, Any]) -> None:
        intent = {
            INTENT_NAME_KEY: intent_for(decision["category"]),
            PREDICTED_CONFIDENCE_KEY: decision["confidence"],
        }
        ranking = [
            entry
            for entry in message.get(INTENT_RANKING_KEY) or []
            if entry.get(INTENT_NAME_KEY) != intent[INTENT_NAME_KEY]
        ]
        message.set(INTENT, intent, add_to_output=True)
        message.set(INTENT_RANKING_KEY, [intent, *ranking], add_to_output=True)
        message.set(CRISIS_KEY, decision, add_to_output=True)


__all__ = ["CRISIS_KEY", "HELP", "CrisisClassifier"]
