"""The sentence vector beside the n-grams, for the topic and the intent (docs/topic-models.md).

Trains the TopicClassifier's model (calibrated linear SVM) and the
LinearIntentClassifier's model (logistic regression) on the NLU data with and
without the sentence vector of all-MiniLM-L6-v2, and scores each on the
held-out IPT question sets of `make eval` (benchmarks/psychoeducation_eval.py).
Those sets have been read or scored before, so the figures compare settings;
the blind set kept for the end (tests/data/psychoeducation_blind4.yml) is not
used here.

    .venv/bin/python -m benchmarks.topic_models
"""

from __future__ import annotations

import dataclasses
from datetime import date

import numpy as np

from benchmarks.psychoeducation_eval import heldout_sets
from benchmarks.risk_models import nlu_data
from bot.nlp.intent_classifier import LinearIntentClassifier
from bot.nlp.linear_text import logistic_model, prepared
from bot.nlp.sentence_encoder import shared_encoder
from bot.nlp.topic_classifier import TopicClassifier, build_model
from bot.settings import PROJECT_ROOT

REPORT = PROJECT_ROOT / "docs" / "topic-models.md"
WEIGHTS = (0.0, 1.0, 2.0, 3.0)
ANSWER_CONFIDENCE = 0.5


def topic_rows(data, sets) -> list[str]:
    config = TopicClassifier.get_default_config()
    examples = [m for m in data.intent_examples if m.get("intent") == "faq"]
    examples = [m for m in examples if m.get("intent_response_key")]
    texts = [prepared(m.get("text")) for m in examples]
    labels = np.array([m.get("intent_response_key") for m in examples])
    rows = []
    for weight in WEIGHTS:
        model = build_model(float(config["C"]), 1, int(config["calibration_folds"]), weight)
        model.fit(texts, labels)
        cells = []
        for cases in sets.values():
            questions = [(gold, prepared(text)) for gold, text in cases if gold.startswith("faq/")]
            probabilities = model.predict_proba([text for _, text in questions])
            best = model.classes_[probabilities.argmax(axis=1)]
            sure = probabilities.max(axis=1) >= ANSWER_CONFIDENCE
            gold = np.array([g for g, _ in questions])
            cells.append(f"{np.mean(best == gold):.1%} / {np.mean((best == gold) & sure):.1%}")
        rows.append(f"| topic, sentence vector x{weight:g} | " + " | ".join(cells) + " |")
    return rows


def intent_rows(data, sets) -> list[str]:
    config = LinearIntentClassifier.get_default_config()
    examples = [m for m in data.intent_examples if m.get("text") and m.get("intent")]
    texts = [prepared(m.get("text")) for m in examples]
    labels = [str(m.get("intent_response_key") or m.get("intent")) for m in examples]
    rows = []
    for weight in WEIGHTS:
        model = logistic_model(float(config["C"]), 1, weight).fit(texts, labels)
        intents = np.array([label.split("/")[0] for label in model.classes_])
        names = sorted(set(intents))
        cells = []
        for cases in sets.values():
            probabilities = model.predict_proba([prepared(text) for _, text in cases])
            summed = np.stack([probabilities[:, intents == n].sum(axis=1) for n in names], axis=1)
            best = np.array(names)[summed.argmax(axis=1)]
            gold = np.array([g.split("/")[0] for g, _ in cases])
            faq = gold == "faq"
            cells.append(f"{np.mean(best == gold):.1%} / {np.mean(best[faq] == 'faq'):.1%}")
        rows.append(f"| intent, sentence vector x{weight:g} | " + " | ".join(cells) + " |")
    return rows


def main() -> None:
    encoder = shared_encoder()
    # Every text once: the settings then cost only the fitting.
    encoder.manifest = dataclasses.replace(encoder.manifest, cache_size=100_000)
    data = nlu_data()
    # The blind set kept for the end is scored once, by benchmarks/ipt_blind.py.
    sets = {name: cases for name, cases in heldout_sets().items() if name != "blind 4"}
    header = "| model | " + " | ".join(sets) + " |"
    rule = "|---|" + "---|" * len(sets)
    topics = topic_rows(data, sets)
    intents = intent_rows(data, sets)
    REPORT.write_text(
        "\n".join(
            [
                "# The sentence vector for the topic and the intent",
                "",
                f"Made by `python -m benchmarks.topic_models` on {date.today().isoformat()}. "
                "Each model is trained on the NLU data (data/nlu/) with the n-gram features "
                "alone (x0) or with the sentence vector of all-MiniLM-L6-v2 beside them, "
                "scaled by the weight shown, and scored on the held-out IPT question sets of "
                "`make eval`. These sets were read or scored before, so the figures compare "
                "settings and are not a blind result (docs/psychoeducation-eval.md).",
                "",
                "Topic (TopicClassifier's model, on the IPT questions): right topic / right "
                f"topic at confidence {ANSWER_CONFIDENCE} or more.",
                "",
                header,
                rule,
                *topics,
                "",
                "Intent (LinearIntentClassifier's model alone, before the blend with DIET, on "
                "every message of the sets): right intent / IPT questions read as `faq`.",
                "",
                header,
                rule,
                *intents,
                "",
                "Weight 0 is what config.yml runs today; weight 2 (as the risk classifier uses) is "
                "the candidate, to be switched on once a model trained with it passes `make test`.",
                "",
            ]
        ),
        encoding="utf-8",
    )
    print(f"Wrote {REPORT}")


if __name__ == "__main__":
    main()
