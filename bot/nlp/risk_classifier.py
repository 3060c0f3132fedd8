"""The trained crisis layer: how likely a message is a crisis, and of which category.

DIET ranks every intent at once, and on a message unlike anything it was trained
on its confidence can land anywhere, crisis intents included. This model is
trained for the one question that matters here, on the NLU data (crisis_<category>
examples against every other example) plus the crisis layer's own examples in
data/risk/ (bot/crisis/risk_data.py).

Its features are of two kinds, side by side in one logistic regression:
  - word and character n-grams of the normalised text (linear_text.text_features),
    which hold on to slang, typos and the exact words of the examples;
  - the sentence vector of all-MiniLM-L6-v2 (bot/nlp/sentence_encoder.py), which
    places a message near examples that mean the same in other words. This is what
    lets the layer recognise risk in words nobody on the team wrote.
Its probabilities are what the crisis layer (bot/nlp/crisis_component.py)
compares with its threshold.
"""

from __future__ import annotations

import hashlib
from typing import Any

import numpy as np
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData
from scipy import sparse
from sklearn.linear_model import LogisticRegression

from bot.crisis import CATEGORIES, category_of, risk_data
from bot.nlp.conversation_context import context_of
from bot.nlp.linear_text import LinearTextComponent, column_major, prepared, text_features
from bot.nlp.sentence_encoder import MANIFEST, shared_encoder

RISK_KEY = "risk"
NO_RISK = risk_data.NO_RISK


def label_of(intent: str | None) -> str:
    category = category_of(intent)
    # Asking for the lines ("help", "sos") is not itself a sign of risk.
    return category if category in CATEGORIES else NO_RISK


def training_examples(training_data: TrainingData) -> list[tuple[str, str]]:
    """(text, label) from the NLU examples, then data/risk/."""
    nlu = [
        (m.get(TEXT), label_of(m.get("intent")))
        for m in training_data.intent_examples
        if m.get(TEXT) and not m.get(TEXT).startswith("/")
    ]
    return nlu + risk_data.load()


class RiskModel:
    """N-gram features and the sentence vector, one logistic regression over both."""

    def __init__(self, c: float, seed: int, encoder_weight: float) -> None:
        self.ngrams = text_features()
        self.classifier = LogisticRegression(C=c, max_iter=5000, random_state=seed)
        # The unit-length sentence vector is scaled up so that the regularised
        # model gives it weight beside thousands of sparse n-gram features.
        self.encoder_weight = encoder_weight

    def _features(self, texts: list[str], fit: bool = False) -> sparse.csr_matrix:
        normalised = [prepared(text) for text in texts]
        grams = self.ngrams.fit_transform(normalised) if fit else self.ngrams.transform(normalised)
        vectors = shared_encoder().encode(normalised) * self.encoder_weight
        return sparse.hstack([grams, sparse.csr_matrix(vectors)], format="csr")

    def fit(self, texts: list[str], labels: list[str]) -> RiskModel:
        self.classifier.fit(self._features(texts, fit=True), labels)
        column_major(self.classifier)
        return self

    def predict_proba(self, texts: list[str]) -> np.ndarray:
        return self.classifier.predict_proba(self._features(texts))

    @property
    def classes_(self) -> np.ndarray:
        return self.classifier.classes_


def assessment(classes: np.ndarray, probabilities: np.ndarray) -> dict[str, Any]:
    """The probability of any risk, and the likeliest risk category."""
    by_label = dict(zip(classes, map(float, probabilities), strict=True))
    category = max((c for c in by_label if c != NO_RISK), key=by_label.__getitem__)
    return {"probability": round(1.0 - by_label.get(NO_RISK, 0.0), 4), "category": category}


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=True)
class RiskClassifier(LinearTextComponent):
    FILE = "risk_classifier.joblib"

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {"C": 10.0, "encoder_weight": 2.0, "random_seed": 20261122}

    @classmethod
    def fingerprint_addon(cls, config: dict[str, Any]) -> str | None:
        # Rasa fingerprints the NLU data and the config; data/risk/ and the
        # encoder's manifest are ours, so a change there must retrain too.
        digest = hashlib.sha256(risk_data.fingerprint().encode())
        digest.update(MANIFEST.read_bytes())
        return digest.hexdigest()

    def train(self, training_data: TrainingData) -> Resource:
        examples = training_examples(training_data)
        model = RiskModel(
            float(self.config["C"]),
            int(self.config["random_seed"]),
            float(self.config["encoder_weight"]),
        )
        model.fit([text for text, _ in examples], [label for _, label in examples])
        return self.store(model)

    def process(self, messages: list[Message]) -> list[Message]:
        if self.model is None:
            return messages
        for message in messages:
            text = message.get(TEXT) or ""
            if text and not text.startswith("/"):
                risk = self.assess(text, context_of(message))
                message.set(RISK_KEY, risk, add_to_output=True)
        return messages

    def assess(self, text: str, earlier: list[str] | None = None) -> dict[str, Any]:
        """The message's risk; with earlier messages (bot/nlp/conversation_context.py)
        also under "context": the risk of them and the message read together, and
        of them alone ("earlier_probability"), in one batch."""
        assert self.model is not None
        if not earlier:
            [probabilities] = self.model.predict_proba([text])
            return assessment(self.model.classes_, probabilities)
        before = risk_data.read_together(earlier)
        together_text = risk_data.read_together([*earlier, text])
        alone, before_only, together = self.model.predict_proba([text, before, together_text])
        risk = assessment(self.model.classes_, alone)
        risk["context"] = {
            **assessment(self.model.classes_, together),
            "earlier_probability": assessment(self.model.classes_, before_only)["probability"],
        }
        return risk


__all__ = ["RISK_KEY", "RiskClassifier", "RiskModel", "assessment", "label_of", "training_examples"]
