"""The crisis layer without Rasa, on the blind sets that were already scored.

A change to the risk classifier's data or settings takes a 30-minute `rasa train`
before the real assistant can be scored. This fits the risk classifier alone
(about a minute) with the settings of config.yml and reads every message of
crisis_blind{,2,3,4}.yml through the crisis layer's own `decide`, so two versions
can be compared in minutes. Those sets have each been scored once already, so
here they are development sets: their figures guide a choice, and the next
unread set (crisis_blind5.yml and later) is what measures it. Nothing reads the
next set here. Only figures are printed, never a message.

Not the whole assistant: DIET's intent is left out (so a question about a
crisis topic counts as a takeover here where the assistant answers it with one
line, and a crisis intent from DIET alone is not asked about). Compare rows of
this script with each other, not with docs/crisis-blind.md.

    .venv/bin/python -m benchmarks.risk_dev 2>/dev/null
"""

from __future__ import annotations

import dataclasses

import yaml

from benchmarks.crisis_blind import WITH_LINES, crisis_messages, percent, safe_messages, two_turn
from benchmarks.risk_models import nlu_data
from bot.crisis.detector import CrisisDetector
from bot.crisis.evaluation import component_config
from bot.nlp.crisis_component import CrisisClassifier
from bot.nlp.risk_classifier import RiskClassifier, RiskModel, assess, training_examples
from bot.nlp.sentence_encoder import shared_encoder
from bot.settings import PROJECT_ROOT

DEVELOPMENT_SETS = [
    PROJECT_ROOT / "tests" / "data" / f"crisis_blind{suffix}.yml" for suffix in ("", "2", "3", "4")
]


def fitted_model() -> RiskModel:
    risk = {**RiskClassifier.get_default_config(), **component_config("RiskClassifier")}
    examples = training_examples(nlu_data())
    model = RiskModel(float(risk["C"]), int(risk["random_seed"]), float(risk["encoder_weight"]))
    return model.fit(*map(list, zip(*examples, strict=True)))


def levels(model: RiskModel, layer: CrisisClassifier, texts: list[str]) -> list[str | None]:
    return [
        (layer.decide(t, risk) or {}).get("level")
        for t, risk in zip(texts, model.predict(texts), strict=True)
    ]


def last_turn_level(model: RiskModel, layer: CrisisClassifier, turns: list[str]) -> str | None:
    """The last turn read after the earlier ones, as the assistant reads it."""
    *earlier, last = turns
    return (layer.decide(last, assess(model, last, earlier)) or {}).get("level")


def main() -> None:
    encoder = shared_encoder()
    encoder.manifest = dataclasses.replace(encoder.manifest, cache_size=100_000)
    model = fitted_model()
    defaults = CrisisClassifier.get_default_config()
    layer = CrisisClassifier(
        {**defaults, **component_config("CrisisClassifier")}, CrisisDetector.load()
    )
    print("set | crisis: lines shown | crisis turn | two-turn lines | non-crisis: turn | question")
    for path in DEVELOPMENT_SETS:
        content = yaml.safe_load(path.read_text(encoding="utf-8"))
        crisis = levels(model, layer, [text for _, text in crisis_messages(content)])
        safe = levels(model, layer, [text for _, text in safe_messages(content)])
        turns = [last_turn_level(model, layer, t) for _, t in two_turn(content)]
        print(
            " | ".join(
                [
                    path.name,
                    percent(sum(level in WITH_LINES for level in crisis), len(crisis)),
                    percent(crisis.count("high"), len(crisis)),
                    percent(sum(level in WITH_LINES for level in turns), len(turns)),
                    percent(safe.count("high"), len(safe)),
                    percent(safe.count("uncertain"), len(safe)),
                ]
            )
        )


if __name__ == "__main__":
    main()
