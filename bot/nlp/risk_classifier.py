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

One of its classes is `someone_else`: the client tells of another person's risk
("my friend says she wants to die"), which is no risk to the client but needs
the lines and how to help. A second, smaller regression over the same features
says which category that person's risk is: it learns from the crisis examples
and the someone-else examples by their category, so that "my sister has stopped
eating" gets the eating-disorder services.
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
from bot.nlp.linear_text import (
    LinearTextComponent,
    column_major,
    encoder_fingerprint,
    prepared,
    text_features,
)

RISK_KEY = "risk"
NO_RISK = risk_data.NO_RISK
SOMEONE_ELSE = risk_data.SOMEONE_ELSE
# Labels that are no risk to the client.
NOT_OWN_RISK = (NO_RISK, SOMEONE_ELSE)


def label_of(intent: str | None) -> str:
    category = category_of(intent)
    # Asking for the lines ("help", "sos") is not itself a sign of risk.
    return category if category in CATEGORIES else NO_RISK


def training_examples(training_data: TrainingData) -> list[tuple[str, str, str | None]]:
    """(text, label, concern) from the NLU examples, then data/risk/; concern is
    the category of another person's risk in a `someone_else` example."""
    nlu = [
        (m.get(TEXT), label_of(m.get("intent")), None)
        for m in training_data.intent_examples
        if m.get(TEXT) and not m.get(TEXT).startswith("/")
    ]
    return nlu + risk_data.load_with_concern()


class RiskModel:
    """N-gram features and the sentence vector: one logistic regression over both
    for the label, and one for the category of another person's risk."""

    def __init__(self, c: float, seed: int, encoder_weight: float) -> None:
        self.features = text_features(encoder_weight)
        self.classifier = LogisticRegression(C=c, max_iter=5000, random_state=seed)
        self.concern: LogisticRegression | None = LogisticRegression(
            C=c, max_iter=5000, random_state=seed
        )

    def _features(self, texts: list[str], fit: bool = False) -> sparse.csr_matrix:
        normalised = [prepared(text) for text in texts]
        if fit:
            return sparse.csr_matrix(self.features.fit_transform(normalised))
        return sparse.csr_matrix(self.features.transform(normalised))

    def fit(
        self, texts: list[str], labels: list[str], concerns: list[str | None] | None = None
    ) -> RiskModel:
        """`concerns`: per text, the category of another person's risk, or None."""
        features = self._features(texts, fit=True)
        self.classifier.fit(features, labels)
        column_major(self.classifier)
        concerns = concerns or [None] * len(texts)
        # Whose risk aside, what kind of risk: every crisis example by its label and
        # every someone-else example by its concern.
        rows = [
            (i, concern or label)
            for i, (label, concern) in enumerate(zip(labels, concerns, strict=True))
            if (concern or label) in CATEGORIES
        ]
        if len({category for _, category in rows}) < 2 or self.concern is None:
            self.concern = None  # one category has nothing to tell apart
            return self
        self.concern.fit(features[[i for i, _ in rows]], [category for _, category in rows])
        column_major(self.concern)
        return self

    def predict_proba(self, texts: list[str]) -> np.ndarray:
        return self.classifier.predict_proba(self._features(texts))

    def predict(self, texts: list[str]) -> list[dict[str, Any]]:
        """The assessment of each text (see `assessment`), features computed once."""
        features = self._features(texts)
        labels = self.classifier.predict_proba(features)
        if self.concern is None:
            return [assessment(self.classes_, p) for p in labels]
        concerns = self.concern.predict_proba(features)
        return [
            assessment(self.classes_, p, self.concern.classes_, q)
            for p, q in zip(labels, concerns, strict=True)
        ]

    @property
    def classes_(self) -> np.ndarray:
        return self.classifier.classes_


def assessment(
    classes: np.ndarray,
    probabilities: np.ndarray,
    concern_classes: np.ndarray | None = None,
    concern: np.ndarray | None = None,
) -> dict[str, Any]:
    """The probability of any risk to the client and the likeliest category; with
    the concern model's output, also "someone_else": the probability that the
    message tells of another person's risk, and the likeliest category of it."""
    by_label = dict(zip(classes, map(float, probabilities), strict=True))
    own = [c for c in by_label if c not in NOT_OWN_RISK]
    category = max(own, key=by_label.__getitem__)
    safe = sum(by_label.get(label, 0.0) for label in NOT_OWN_RISK)
    result: dict[str, Any] = {"probability": round(1.0 - safe, 4), "category": category}
    if concern_classes is not None and concern is not None:
        by_category = dict(zip(concern_classes, map(float, concern), strict=True))
        result["someone_else"] = {
            "probability": round(by_label.get(SOMEONE_ELSE, 0.0), 4),
            "category": max(by_category, key=by_category.__getitem__),
        }
    return result


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
        digest.update(str(encoder_fingerprint(config)).encode())
        return digest.hexdigest()

    def train(self, training_data: TrainingData) -> Resource:
        examples = training_examples(training_data)
        model = RiskModel(
            float(self.config["C"]),
            int(self.config["random_seed"]),
            float(self.config["encoder_weight"]),
        )
        model.fit(
            [text for text, _, _ in examples],
            [label for _, label, _ in examples],
            [concern for _, _, concern in examples],
        )
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
        return assess(self.model, text, earlier)


def assess(model: RiskModel, text: str, earlier: list[str] | None = None) -> dict[str, Any]:
    """`model`'s reading of a message, and with earlier messages its reading in
    context (see RiskClassifier.assess); benchmarks use it on a model fitted apart."""
    if not earlier:
        [risk] = model.predict([text])
        return risk
    before = risk_data.read_together(earlier)
    together_text = risk_data.read_together([*earlier, text])
    risk, before_only, together = model.predict([text, before, together_text])
    together.pop("someone_else", None)
    risk["context"] = {**together, "earlier_probability": before_only["probability"]}
    return risk


__all__ = [
    "NOT_OWN_RISK",
    "RISK_KEY",
    "SOMEONE_ELSE",
    "RiskClassifier",
    "RiskModel",
    "assess",
    "assessment",
    "label_of",
    "training_examples",
]
