"""Which IPT topic a question is about: the pipeline's response selector.

It stands where Rasa's ResponseSelector would and writes the same output
(`response_selector.faq`: the chosen `faq/<topic>` with its confidence, and a
ranking), so the actions and the stories do not know which one ran. It is a
linear support vector machine over word and character n-grams, and the sentence
vector when `encoder_weight` is above 0 (bot/nlp/linear_text.py), trained on
the `faq/<topic>` examples, with its scores calibrated into probabilities by
cross-validation so that FAQ_ANSWER_CONFIDENCE means the same kind of thing it meant before. On
questions written by people who never saw the training data it picked the
right topic more often than the ResponseSelector and was confidently wrong
less often (docs/nlu-pipeline-experiments.md, docs/psychoeducation-eval.md);
the sentence vector beside the n-grams picked it more often again on the
read sets (docs/topic-models.md); config.yml leaves it off until a trained
model has passed `make test` and the kept blind set with it.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.nlu.constants import (
    RESPONSE_SELECTOR_PREDICTION_KEY,
    RESPONSE_SELECTOR_PROPERTY_NAME,
    RESPONSE_SELECTOR_RANKING_KEY,
    RESPONSE_SELECTOR_RESPONSES_KEY,
    RESPONSE_SELECTOR_RETRIEVAL_INTENTS,
    RESPONSE_SELECTOR_UTTER_ACTION_KEY,
)
from rasa.shared.nlu.constants import (
    INTENT,
    INTENT_RESPONSE_KEY,
    PREDICTED_CONFIDENCE_KEY,
    TEXT,
)
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData
from sklearn.calibration import CalibratedClassifierCV
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.svm import LinearSVC

from bot.nlp.linear_text import LinearTextComponent, prepared, text_features


def build_model(c: float, seed: int, folds: int, encoder_weight: float = 0.0) -> Pipeline:
    # Calibration folds are taken in order (no shuffling): the same data gives
    # the same model.
    classifier = CalibratedClassifierCV(LinearSVC(C=c, random_state=seed), cv=folds)
    return make_pipeline(text_features(encoder_weight), classifier)


def utter_action(intent_response_key: str) -> str:
    return f"utter_{intent_response_key}"


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=True)
class TopicClassifier(LinearTextComponent):
    FILE = "topic_classifier.joblib"

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {
            "retrieval_intent": "faq",
            "C": 0.5,
            "encoder_weight": 0.0,
            "calibration_folds": 5,
            "ranking_length": 10,
            "random_seed": 20261122,
        }

    @property
    def retrieval_intent(self) -> str:
        return str(self.config["retrieval_intent"])

    def train(self, training_data: TrainingData) -> Resource:
        examples = [
            m
            for m in training_data.intent_examples
            if m.get(INTENT) == self.retrieval_intent and m.get(INTENT_RESPONSE_KEY) and m.get(TEXT)
        ]
        if not examples:
            raise ValueError(
                f"TopicClassifier: no training examples for the retrieval intent "
                f"'{self.retrieval_intent}' (write them as '{self.retrieval_intent}/<topic>')."
            )
        texts = [prepared(m.get(TEXT)) for m in examples]
        # An array, not a list: CalibratedClassifierCV counts examples per class
        # with `y == class` (scikit-learn 1.1).
        labels = np.array([m.get(INTENT_RESPONSE_KEY) for m in examples])
        model = build_model(
            float(self.config["C"]),
            int(self.config["random_seed"]),
            int(self.config["calibration_folds"]),
            float(self.config["encoder_weight"]),
        )
        model.fit(texts, labels)
        responses = {
            key: training_data.responses.get(utter_action(key), [])
            for key in model.classes_.tolist()
        }
        return self.store({"model": model, "responses": responses})

    def process(self, messages: list[Message]) -> list[Message]:
        if self.model is None:
            return messages
        for message in messages:
            text = message.get(TEXT) or ""
            if text:
                self.select(message, text)
        return messages

    def ranking(self, text: str) -> list[tuple[str, float]]:
        """(intent_response_key, probability), best first."""
        assert self.model is not None
        model = self.model["model"]
        [probabilities] = model.predict_proba([prepared(text)])
        ranked = sorted(
            zip(model.classes_.tolist(), map(float, probabilities), strict=True),
            key=lambda pair: pair[1],
            reverse=True,
        )
        return ranked[: int(self.config["ranking_length"])]

    def select(self, message: Message, text: str) -> None:
        """Writes the choice in the ResponseSelector's format."""
        ranked = self.ranking(text)
        best, confidence = ranked[0]
        prediction = {
            RESPONSE_SELECTOR_PREDICTION_KEY: {
                RESPONSE_SELECTOR_RESPONSES_KEY: self.model["responses"].get(best, []),
                PREDICTED_CONFIDENCE_KEY: confidence,
                INTENT_RESPONSE_KEY: best,
                RESPONSE_SELECTOR_UTTER_ACTION_KEY: utter_action(best),
            },
            RESPONSE_SELECTOR_RANKING_KEY: [
                {PREDICTED_CONFIDENCE_KEY: score, INTENT_RESPONSE_KEY: key} for key, score in ranked
            ],
        }
        selectors = dict(message.get(RESPONSE_SELECTOR_PROPERTY_NAME) or {})
        selectors[RESPONSE_SELECTOR_RETRIEVAL_INTENTS] = [self.retrieval_intent]
        selectors[self.retrieval_intent] = prediction
        message.set(RESPONSE_SELECTOR_PROPERTY_NAME, selectors, add_to_output=True)


__all__ = ["TopicClassifier"]
