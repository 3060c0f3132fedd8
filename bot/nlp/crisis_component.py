"""The crisis layer of the NLU pipeline; it runs last, after the FallbackClassifier.

Two layers decide, and either is enough:
  1. the deterministic detector (bot/crisis/detector.py, lexicon in content/),
  2. the trained classifier: a crisis intent anywhere in DIET's ranking at or
     above `classifier_threshold`, which is lower than the fallback threshold,
     so that an unsure crisis message is never turned into `nlu_fallback`.
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

CRISIS_KEY = "crisis"


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=False)
class CrisisClassifier(GraphComponent):
    @classmethod
    def required_components(cls) -> list[type]:
        return [FallbackClassifier]

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {"classifier_threshold": 0.35}

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

    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            decision = self.decide(message.get(TEXT) or "", message.get(INTENT_RANKING_KEY) or [])
            if decision:
                self._apply(message, decision)
        return messages

    def decide(self, text: str, ranking: list[dict[str, Any]]) -> dict[str, Any] | None:
        """Which crisis category, if any, a message belongs to, and which layer said so.

        Both layers' views are kept ("classifier_category"/"classifier_confidence"
        beside the deciding "layer"), so `make eval` can score each layer alone.
        """
        if text.startswith("/"):
            # A button payload names its intent itself.
            return None
        classifier_category, classifier_confidence = self._classifier_view(ranking)
        views = {
            "classifier_category": classifier_category,
            "classifier_confidence": classifier_confidence,
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
        if classifier_category and classifier_confidence >= self.threshold:
            return {
                "category": classifier_category,
                "layer": "classifier",
                "phrase": None,
                "confidence": classifier_confidence,
                **views,
            }
        return None

    @staticmethod
    def _classifier_view(ranking: list[dict[str, Any]]) -> tuple[str | None, float]:
        """The classifier's most confident risk category. Asking for "help" in
        general is not a risk signal, so crisis_help is not promoted from a low
        confidence; it wins only as an ordinary intent."""
        for entry in ranking:
            category = category_of(entry.get(INTENT_NAME_KEY))
            if category in CATEGORIES:
                return category, float(entry.get(PREDICTED_CONFIDENCE_KEY, 0.0))
        return None, 0.0

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
