"""Cross-validation of the risk classifier's settings (docs/risk-models.md).

Five folds over its own training examples (the NLU data and data/risk/), so
these figures say how settings compare, not how the assistant does on words
nobody here wrote: that is what the blind sets are for (docs/crisis-blind.md).
False alarms are counted apart on the look-alikes of data/risk/, the hard
cases, and on the other NLU examples.

    .venv/bin/python -m benchmarks.risk_models
"""

from __future__ import annotations

import dataclasses
import time
from datetime import date

import numpy as np
from rasa.shared.importers.importer import TrainingDataImporter
from sklearn.model_selection import StratifiedKFold

from bot.crisis import risk_data
from bot.nlp.risk_classifier import NO_RISK, NOT_OWN_RISK, RiskModel, assessment, training_examples
from bot.nlp.sentence_encoder import shared_encoder
from bot.settings import PROJECT_ROOT

REPORT = PROJECT_ROOT / "docs" / "risk-models.md"
SETTINGS = [(10.0, 2.0), (10.0, 0.0), (3.0, 2.0), (10.0, 4.0)]
THRESHOLDS = (0.3, 0.4, 0.5, 0.6)


def nlu_data():
    importer = TrainingDataImporter.load_from_config(
        str(PROJECT_ROOT / "config.yml"), training_data_paths=[str(PROJECT_ROOT / "data")]
    )
    return importer.get_nlu_data()


def main() -> None:
    examples = training_examples(nlu_data())
    texts = [text for text, _, _ in examples]
    labels = np.array([label for _, label, _ in examples])
    hard = {" ".join(t.lower().split()) for t, label in risk_data.load() if label == NO_RISK}
    is_hard = np.array([" ".join(t.lower().split()) in hard for t in texts])
    crisis = ~np.isin(labels, NOT_OWN_RISK)
    encoder = shared_encoder()
    # Every vector once: the folds then cost only the regression.
    encoder.manifest = dataclasses.replace(encoder.manifest, cache_size=len(texts) + 1)
    rows = []
    for c, weight in SETTINGS:
        started = time.perf_counter()
        probability = np.zeros(len(texts))
        category = np.empty(len(texts), dtype=object)
        folds = StratifiedKFold(5, shuffle=True, random_state=20261202)
        for train, test in folds.split(texts, labels):
            model = RiskModel(c, 20261122, weight).fit(
                [texts[i] for i in train], list(labels[train])
            )
            for i, p in zip(test, model.predict_proba([texts[i] for i in test]), strict=True):
                result = assessment(model.classes_, p)
                probability[i], category[i] = result["probability"], result["category"]
        seconds = time.perf_counter() - started
        for threshold in THRESHOLDS:
            flagged = probability >= threshold
            rows.append(
                f"| C={c:g}, sentence vector x{weight:g} | {threshold} "
                f"| {flagged[crisis].mean():.1%} "
                f"| {(category[crisis & flagged] == labels[crisis & flagged]).mean():.1%} "
                f"| {flagged[~crisis & is_hard].mean():.1%} "
                f"| {flagged[~crisis & ~is_hard].mean():.1%} | {seconds:.0f} s |"
            )
        print(rows[-len(THRESHOLDS) :], flush=True)
    REPORT.write_text(
        "\n".join(
            [
                "# Risk classifier: settings compared",
                "",
                f"Made by `python -m benchmarks.risk_models` on {date.today().isoformat()}: 5-fold "
                f"cross-validation over the classifier's {len(texts)} training examples "
                f"({int(crisis.sum())} crisis, {int(is_hard.sum())} look-alikes from data/risk/, "
                f"{int((~crisis & ~is_hard).sum())} other NLU examples). The folds share writers, "
                "so the figures compare settings; the blind sets (docs/crisis-blind.md) say how "
                "the assistant does on words nobody here wrote. x0 is n-grams alone, the "
                "classifier before the sentence encoder.",
                "",
                "| setting | threshold | crisis caught | right category | look-alikes flagged "
                "| other messages flagged | time (5 folds) |",
                "|---|---|---|---|---|---|---|",
                *rows,
                "",
            ]
        ),
        encoding="utf-8",
    )
    print(f"Report written to {REPORT}")


if __name__ == "__main__":
    main()
