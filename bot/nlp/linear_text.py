"""Small linear text classifiers trained inside the Rasa model.

Three components ask a narrow question of short messages: is this a risk
(risk_classifier.py), which IPT topic is it (topic_classifier.py), and a second
reading of the intent (intent_classifier.py). A linear model over word and
character n-grams of the normalised text is deterministic, trains in seconds and,
on questions written by people who never saw the examples, was right more often
than DIET or the ResponseSelector alone (docs/nlu-pipeline-experiments.md). Each
can add the message's sentence vector (bot/nlp/sentence_encoder.py) to its
n-grams, which carries meaning across words the examples never used
(docs/topic-models.md). This module holds what they share: the features, the
logistic recipe, and storing the fitted model in the Rasa model archive.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any, TypeVar

import joblib
import numpy as np
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from scipy import sparse
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import FeatureUnion, Pipeline, make_pipeline, make_union

from bot.crisis.normalize import normalize
from bot.nlp.sentence_encoder import MANIFEST, shared_encoder

Component = TypeVar("Component", bound="LinearTextComponent")


class SentenceVectors(BaseEstimator, TransformerMixin):
    """The sentence vector of each text, times `weight`, as features.

    The unit-length vector is scaled up so that a regularised linear model gives
    it weight beside thousands of sparse n-gram features. Nothing is fitted: the
    encoder is pretrained, and the one of the process is used (its cache means a
    message read by several components goes through the encoder once)."""

    def __init__(self, weight: float = 1.0) -> None:
        self.weight = weight

    def fit(self, texts: Any, labels: Any = None) -> SentenceVectors:
        return self

    def transform(self, texts: Any) -> sparse.csr_matrix:
        return sparse.csr_matrix(shared_encoder().encode(list(texts)) * self.weight)


def text_features(encoder_weight: float = 0.0) -> FeatureUnion:
    """Word uni- and bigrams plus character 2-5-grams, so slang and typos still
    share features with the spelling the examples use; with `encoder_weight`
    above 0, the sentence vector as well."""
    parts: list[Any] = [
        TfidfVectorizer(analyzer="word", ngram_range=(1, 2), sublinear_tf=True, min_df=1),
        TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True, min_df=2),
    ]
    if encoder_weight > 0:
        parts.append(SentenceVectors(encoder_weight))
    return make_union(*parts)


def logistic_model(c: float, seed: int, encoder_weight: float = 0.0) -> Pipeline:
    """Those features and a logistic regression: probabilities that sum to one."""
    classifier = LogisticRegression(C=c, max_iter=5000, random_state=seed)
    return make_pipeline(text_features(encoder_weight), classifier)


def encoder_fingerprint(config: dict[str, Any]) -> str | None:
    """What a component reading sentence vectors adds to Rasa's fingerprint: the
    encoder's manifest, so that other weights retrain the model."""
    if float(config.get("encoder_weight", 0.0)) <= 0:
        return None
    return hashlib.sha256(MANIFEST.read_bytes()).hexdigest()


def column_major(model: Any) -> Any:
    """`model` with every linear estimator inside it keeping its coefficients
    column-major; returns it. scikit-learn scores a message as its sparse
    features times coef_.T, and with the row-major coef_ that fitting leaves it
    copies the whole matrix first, on every message (17 MB for the intent model:
    3.3 ms a message instead of 0.03 ms, the same probabilities)."""
    if isinstance(model, dict):
        for part in model.values():
            column_major(part)
    for _, step in getattr(model, "steps", []):
        column_major(step)
    for calibrated in getattr(model, "calibrated_classifiers_", []):
        column_major(calibrated.base_estimator)
    if isinstance(getattr(model, "coef_", None), np.ndarray):
        model.coef_ = np.asfortranarray(model.coef_)
    return model


def prepared(text: str) -> str:
    """The spelling the models are trained and asked on (bot/crisis/normalize.py)."""
    return normalize(text)


class LinearTextComponent(GraphComponent):
    """A trainable pipeline component whose state is one fitted scikit-learn model."""

    FILE = "model.joblib"

    def __init__(
        self,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        model: Any | None = None,
    ) -> None:
        self.config = config
        self.model_storage = model_storage
        self.resource = resource
        self.model = model

    @classmethod
    def create(
        cls: type[Component],
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> Component:
        return cls(config, model_storage, resource)

    @classmethod
    def load(
        cls: type[Component],
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> Component:
        with model_storage.read_from(resource) as directory:
            # Our own artefact, written by store() into the model archive.
            model = joblib.load(Path(directory) / cls.FILE)
        return cls(config, model_storage, resource, column_major(model))

    @classmethod
    def fingerprint_addon(cls, config: dict[str, Any]) -> str | None:
        return encoder_fingerprint(config)

    def store(self, model: Any) -> Resource:
        """Keeps a freshly fitted model, in memory and in the model archive."""
        column_major(model)
        with self.model_storage.write_to(self.resource) as directory:
            joblib.dump(model, Path(directory) / self.FILE)
        self.model = model
        return self.resource


__all__ = [
    "LinearTextComponent",
    "SentenceVectors",
    "column_major",
    "encoder_fingerprint",
    "logistic_model",
    "prepared",
    "text_features",
]
