"""A second reading of the intent, blended with DIET's before the fallback decides.

DIET alone was often sure of the wrong intent on phrasings unlike its examples
("do i have to act things out" as share_feelings at 1.00; a long situation
ending in a question about IPT as a feeling to acknowledge). This component
reads every message with a linear model over word and character n-grams, and
the sentence vector when `encoder_weight` is above 0 (bot/nlp/linear_text.py),
trained on the same examples but with each IPT topic as a class of its own
(`faq/grief`, `faq/format`, ...) rather than one large, mixed `faq` class,
then summed back into intents. The final ranking is
`weight` x its probabilities + (1 - weight) x the ranking DIET wrote before it
in the pipeline (with no ranking there, its own reading counts alone), and the
FallbackClassifier that follows judges that ranking. The weight and the
fallback threshold were chosen on the first held-out set
(docs/nlu-pipeline-experiments.md).
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.shared.nlu.constants import (
    INTENT,
    INTENT_NAME_KEY,
    INTENT_RANKING_KEY,
    INTENT_RESPONSE_KEY,
    PREDICTED_CONFIDENCE_KEY,
    TEXT,
)
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.nlp.linear_text import LinearTextComponent, logistic_model, prepared


def label_of(message: Message) -> str:
    """The finest label an example has: `faq/<topic>` for a topic, else its intent."""
    return str(message.get(INTENT_RESPONSE_KEY) or message.get(INTENT))


def intent_of(label: str) -> str:
    return label.split("/", 1)[0]


def blend(
    own: dict[str, float], other: list[dict[str, Any]], weight: float
) -> list[tuple[str, float]]:
    """(intent, confidence), best first: weight x own + (1 - weight) x other."""
    if not other:
        weight = 1.0
    scores: dict[str, float] = defaultdict(float)
    for intent, probability in own.items():
        scores[intent] += weight * probability
    for entry in other:
        scores[str(entry[INTENT_NAME_KEY])] += (1.0 - weight) * float(
            entry[PREDICTED_CONFIDENCE_KEY]
        )
    return sorted(scores.items(), key=lambda pair: pair[1], reverse=True)


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=True)
class LinearIntentClassifier(LinearTextComponent):
    FILE = "intent_classifier.joblib"

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {
            "C": 30.0,
            "encoder_weight": 0.0,
            "weight": 0.7,
            "ranking_length": 10,
            "random_seed": 20261122,
        }

    def train(self, training_data: TrainingData) -> Resource:
        examples = [m for m in training_data.intent_examples if m.get(TEXT) and m.get(INTENT)]
        model = logistic_model(
            float(self.config["C"]),
            int(self.config["random_seed"]),
            float(self.config["encoder_weight"]),
        )
        model.fit([prepared(m.get(TEXT)) for m in examples], [label_of(m) for m in examples])
        return self.store(model)

    def probabilities(self, text: str) -> dict[str, float]:
        """Its own reading: the probability of each intent, topics summed into `faq`."""
        assert self.model is not None
        [probabilities] = self.model.predict_proba([prepared(text)])
        by_intent: dict[str, float] = defaultdict(float)
        for label, probability in zip(self.model.classes_.tolist(), probabilities, strict=True):
            by_intent[intent_of(label)] += float(probability)
        return dict(by_intent)

    def process(self, messages: list[Message]) -> list[Message]:
        if self.model is None:
            return messages
        weight = float(self.config["weight"])
        for message in messages:
            text = message.get(TEXT) or ""
            if not text:
                continue
            ranking = blend(self.probabilities(text), message.get(INTENT_RANKING_KEY) or [], weight)
            ranking = ranking[: int(self.config["ranking_length"])]
            entries = [
                {INTENT_NAME_KEY: name, PREDICTED_CONFIDENCE_KEY: confidence}
                for name, confidence in ranking
            ]
            message.set(INTENT, dict(entries[0]), add_to_output=True)
            message.set(INTENT_RANKING_KEY, entries, add_to_output=True)
        return messages


__all__ = ["LinearIntentClassifier", "blend"]
