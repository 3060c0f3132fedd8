"""The trained crisis layer: a small classifier that only tells risk from not-risk.

DIET ranks every intent at once, and on a message unlike anything it was trained
on ("tell me something funny") its confidence can land anywhere, crisis intents
included. This model is trained for the one question that matters here, on the
same NLU data (crisis_<category> examples against every other example), with
word and character n-grams over the normalised text, so slang and typos still
count. It is linear, deterministic and trains in seconds; its probabilities are
what the crisis layer (bot/nlp/crisis_component.py) compares with its threshold.
"""

from __future__ import annotations

from typing import Any

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.crisis import CATEGORIES, category_of
from bot.nlp.linear_text import LinearTextComponent, logistic_model, prepared

RISK_KEY = "risk"
NO_RISK = "none"


def label_of(intent: str | None) -> str:
    category = category_of(intent)
    # Asking for the lines ("help", "sos") is not itself a sign of risk.
    return category if category in CATEGORIES else NO_RISK


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=True)
class RiskClassifier(LinearTextComponent):
    FILE = "risk_classifier.joblib"

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {"C": 10.0, "random_seed": 20261122}

    def train(self, training_data: TrainingData) -> Resource:
        examples = [m for m in training_data.intent_examples if m.get(TEXT)]
        texts = [prepared(m.get(TEXT)) for m in examples]
        labels = [label_of(m.get("intent")) for m in examples]
        model = logistic_model(float(self.config["C"]), int(self.config["random_seed"]))
        model.fit(texts, labels)
        return self.store(model)

    def process(self, messages: list[Message]) -> list[Message]:
        if self.model is None:
            return messages
        for message in messages:
            text = message.get(TEXT) or ""
            if text and not text.startswith("/"):
                message.set(RISK_KEY, self.assess(text), add_to_output=True)
        return messages

    def assess(self, text: str) -> dict[str, Any]:
        """The probability of any risk, and the likeliest risk category."""
        assert self.model is not None
        [probabilities] = self.model.predict_proba([prepared(text)])
        by_label = dict(zip(self.model.classes_, map(float, probabilities), strict=True))
        category = max((c for c in by_label if c != NO_RISK), key=by_label.__getitem__)
        return {
            "probability": round(1.0 - by_label.get(NO_RISK, 0.0), 4),
            "category": category,
        }


__all__ = ["RISK_KEY", "RiskClassifier", "label_of"]
