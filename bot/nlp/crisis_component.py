"""The crisis layer of the NLU pipeline; it runs last, after the FallbackClassifier.

Two layers decide, and either is enough for a reply with the crisis lines:
  1. the deterministic detector (bot/crisis/detector.py, lexicon in content/),
  2. the trained risk classifier (bot/nlp/risk_classifier.py): a probability of
     risk at or above `classifier_threshold` for the message alone or, when it is
     below, at or above `context_threshold` for the message read after the
     client's previous two messages ("context"; always the graded question).
     This layer decides after the FallbackClassifier, so an unsure
     crisis message never stays `nlu_fallback`.
The response is graded ("level" in the decision):
  - high: the intent becomes `crisis_<category>` and the fixed crisis turn follows;
    a lexicon match that the classifier does not dismiss (probability at least
    `lexicon_confirm`), or a classifier probability at or above `high_threshold`;
  - uncertain: the intent becomes `risk_check` and the client is asked a direct
    question for the category, with the lines under it (bot/crisis/graded.py):
    a classifier probability between the two thresholds, a lexicon match the
    classifier dismisses, or a crisis intent from DIET that neither layer confirms
    and the classifier does not dismiss.
    Nothing that may be a crisis is passed over in silence.
Two readings are no risk to the client, and neither is passed over either:
  - someone_else: the risk classifier reads the message as another person's risk
    ("my friend says she wants to die") at `someone_else_threshold` or more,
    and the client's own risk is below `classifier_threshold`. The intent becomes
    `risk_someone_else`: how to help, with the category's lines.
  - topic: a question about IPT (intent `faq`, put as a question) that names a
    crisis topic, by a lexicon match or a topic word (content/crisis/replies.yml,
    `topic_line`), but whose own risk is below `classifier_threshold` ("does IPT
    help with bulimia?"). The intent stays `faq`: the answer, with one line to
    the category's service under it.
The decision is kept in the parse data under "crisis" (category, level, layer,
phrase), which the policy and the actions read.
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

from bot.content.psychoeducation import RETRIEVAL_INTENT
from bot.crisis import CATEGORIES, HELP, category_of, intent_for
from bot.crisis.detector import CrisisDetector
from bot.crisis.graded import CHECK_INTENT, SOMEONE_ELSE_INTENT, TopicWords
from bot.crisis.replies import load_wording
from bot.nlp.conversation_context import install as install_context
from bot.nlp.questions import is_question
from bot.nlp.risk_classifier import RISK_KEY, RiskClassifier

CRISIS_KEY = "crisis"


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=False)
class CrisisClassifier(GraphComponent):
    @classmethod
    def required_components(cls) -> list[type]:
        return [RiskClassifier, FallbackClassifier]

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {
            "classifier_threshold": 0.5,
            "high_threshold": 0.8,
            "lexicon_confirm": 0.1,
            "context_threshold": 0.8,
            "someone_else_threshold": 0.5,
        }

    def __init__(
        self, config: dict[str, Any], detector: CrisisDetector, topics: TopicWords | None = None
    ) -> None:
        self.threshold = float(config["classifier_threshold"])
        self.high_threshold = float(config["high_threshold"])
        self.lexicon_confirm = float(config["lexicon_confirm"])
        self.context_threshold = float(config["context_threshold"])
        defaults = self.get_default_config()
        self.someone_else_threshold = float(
            config.get("someone_else_threshold", defaults["someone_else_threshold"])
        )
        self.topics = topics or TopicWords(load_wording()["topic_line"]["words"])
        if not 0.0 <= self.lexicon_confirm <= self.threshold <= self.high_threshold <= 1.0:
            raise ValueError(
                "CrisisClassifier: need 0 <= lexicon_confirm <= classifier_threshold "
                "<= high_threshold <= 1"
            )
        if not self.threshold <= self.context_threshold <= 1.0:
            raise ValueError(
                "CrisisClassifier: need classifier_threshold <= context_threshold <= 1"
            )
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
        # Risk is read in context: the processor hands the NLU the client's
        # previous messages (bot/nlp/conversation_context.py).
        install_context()
        return cls(config, CrisisDetector.load())

    def decide(
        self, text: str, risk: dict[str, Any] | None, intent: str | None = None
    ) -> dict[str, Any] | None:
        """Which crisis category, if any, a message belongs to, at which level
        (high, uncertain, someone_else, topic), and which layer said so.

        The classifier's view ("classifier_category"/"classifier_confidence") is kept
        beside the deciding "layer", so `make eval` can score each layer alone.
        `intent` is the NLU's intent so far: a question about IPT may be a topic.
        """
        risk = risk or {}
        views = {
            "classifier_category": risk.get("category"),
            "classifier_confidence": float(risk.get("probability", 0.0)),
        }
        detection = self.detector.detect(text)
        probability = views["classifier_confidence"]
        someone = risk.get("someone_else") or {}
        # Not the client's own risk: another person's, or a question about a topic.
        # Either only while the client's own risk stays below the threshold.
        own_low = probability < self.threshold
        theirs = own_low and float(someone.get("probability", 0.0)) >= self.someone_else_threshold
        asking = own_low and intent == RETRIEVAL_INTENT and is_question(text)
        if detection:
            if detection.category == HELP:
                level = "high"  # asking for help outright is never questioned back
            elif theirs or asking:
                # The lexicon's phrase names the kind of risk; the lines still go out.
                level = "someone_else" if theirs else "topic"
            else:
                level = "uncertain" if probability < self.lexicon_confirm else "high"
            return {
                "category": detection.category,
                "level": level,
                "layer": "lexicon",
                "phrase": detection.phrase,
                "confidence": 1.0,
                **views,
            }
        if theirs and someone.get("category") in CATEGORIES:
            return {
                "category": someone["category"],
                "level": "someone_else",
                "layer": "classifier",
                "phrase": None,
                "confidence": float(someone["probability"]),
                **views,
            }
        if views["classifier_category"] and probability >= self.threshold:
            return {
                "category": views["classifier_category"],
                "level": "high" if probability >= self.high_threshold else "uncertain",
                "layer": "classifier",
                "phrase": None,
                "confidence": probability,
                **views,
            }
        context = risk.get("context") or {}
        together = float(context.get("probability", 0.0))
        # Read together with the client's previous messages. Only when those alone
        # stay below the threshold: an earlier message never fires twice. Short
        # answers inside a form read together sound like a story ("last saturday",
        # "at her flat", "she said I never visit and I walked out": 0.53 abuse), so
        # the bar is higher, and what context alone finds is asked about, never
        # taken over.
        if (
            context.get("category")
            and together >= self.context_threshold
            and float(context.get("earlier_probability", 1.0)) < self.threshold
        ):
            return {
                "category": context["category"],
                "level": "uncertain",
                "layer": "context",
                "phrase": None,
                "confidence": together,
                **views,
            }
        topic = self.topics.named(text) if asking else None
        if topic:
            return {
                "category": topic,
                "level": "topic",
                "layer": "topic words",
                "phrase": None,
                "confidence": 1.0 - probability,
                **views,
            }
        return None

    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            text = message.get(TEXT) or ""
            if text.startswith("/"):
                # A button payload names its intent itself.
                continue
            intent = (message.get(INTENT) or {}).get(INTENT_NAME_KEY)
            decision = self.decide(text, message.get(RISK_KEY), intent)
            if decision:
                self._apply(message, decision)
            else:
                self._unconfirmed(message)
        return messages

    def _unconfirmed(self, message: Message) -> None:
        """DIET alone named a crisis intent that neither layer confirms. On text
        unlike its training data DIET's confidence can land anywhere, so this is
        not enough for the crisis turn, but it is enough to ask, unless the risk
        classifier dismisses it too (below `lexicon_confirm`: "I'm not suicidal,
        just exhausted"). Then, and for "help", which has no question to ask, the
        message becomes `nlu_fallback` ("I did not understand", with the help
        button in the menu). Other intents stay."""
        intent = message.get(INTENT) or {}
        category = category_of(intent.get(INTENT_NAME_KEY))
        risk = message.get(RISK_KEY) or {}
        dismissed = float(risk.get("probability", 0.0)) < self.lexicon_confirm
        if category == HELP or (category in CATEGORIES and dismissed):
            message.set(
                INTENT,
                {
                    INTENT_NAME_KEY: DEFAULT_NLU_FALLBACK_INTENT_NAME,
                    PREDICTED_CONFIDENCE_KEY: intent.get(PREDICTED_CONFIDENCE_KEY, 0.0),
                },
                add_to_output=True,
            )
            return
        if category not in CATEGORIES:
            return
        self._apply(
            message,
            {
                "category": category,
                "level": "uncertain",
                "layer": "intent model",
                "phrase": None,
                "confidence": float(intent.get(PREDICTED_CONFIDENCE_KEY, 0.0)),
                "classifier_category": risk.get("category"),
                "classifier_confidence": float(risk.get("probability", 0.0)),
            },
        )

    @staticmethod
    def _apply(message: Message, decision: dict[str, Any]) -> None:
        if decision["level"] == "topic":
            # The question keeps its intent and gets its answer; the answering
            # action adds the line (actions/psychoeducation.py).
            message.set(CRISIS_KEY, decision, add_to_output=True)
            return
        name = {
            "high": intent_for(decision["category"]),
            "uncertain": CHECK_INTENT,
            "someone_else": SOMEONE_ELSE_INTENT,
        }[decision["level"]]
        intent = {INTENT_NAME_KEY: name, PREDICTED_CONFIDENCE_KEY: decision["confidence"]}
        ranking = [
            entry
            for entry in message.get(INTENT_RANKING_KEY) or []
            if entry.get(INTENT_NAME_KEY) != intent[INTENT_NAME_KEY]
        ]
        message.set(INTENT, intent, add_to_output=True)
        message.set(INTENT_RANKING_KEY, [intent, *ranking], add_to_output=True)
        message.set(CRISIS_KEY, decision, add_to_output=True)


__all__ = ["CRISIS_KEY", "HELP", "CrisisClassifier"]
