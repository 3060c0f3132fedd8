"""The blind set of IPT questions, scored once: docs/psychoeducation-blind4.md.

tests/data/psychoeducation_blind4.yml was written from the seeds by someone who
saw neither the training data nor the other sets, and committed before the
sentence encoder reached the topic and intent classifiers. This scores the model
`make train` made, the way the assistant would act at FAQ_ANSWER_CONFIDENCE, and
writes figures only: no question is printed, so that nobody tunes to them.

    .venv/bin/python -m benchmarks.ipt_blind
"""

from __future__ import annotations

from collections import Counter
from datetime import date

from benchmarks.psychoeducation_eval import (
    BLIND4,
    Outcome,
    answered,
    behaviour,
    evaluate,
    plain,
    question_file_examples,
    training_texts,
)
from bot.settings import PROJECT_ROOT, load_settings

REPORT = PROJECT_ROOT / "docs" / "psychoeducation-blind4.md"
TARGET = 0.95


def main() -> None:
    settings = load_settings()
    limit = settings.faq_answer_confidence
    outcome = evaluate(settings.model_path, question_file_examples(BLIND4))
    cases = outcome.topics
    right = [c for c in cases if answered(c, limit) and c.top == c.expected]
    # Short questions that both writers happened to write are training examples too.
    training = training_texts()
    unseen = Outcome(topics=[c for c in cases if plain(c.text) not in training])
    asked = Counter(c.expected for c in cases)
    right_by_topic = Counter(c.expected for c in right)
    share = len(right) / len(cases)
    lines = [
        "# IPT questions, blind set 4",
        "",
        f"Scored once by `python -m benchmarks.ipt_blind` on {date.today().isoformat()}, "
        f"with the model `make train` made from config.yml, at FAQ_ANSWER_CONFIDENCE={limit}. "
        f"{len(cases)} questions in {len(asked)} topics (tests/data/psychoeducation_blind4.yml), "
        "written from the seeds by someone who saw neither the training data nor the other "
        "sets. No question was read; only these figures were.",
        "",
        f"Answered right: **{len(right)}/{len(cases)} ({share:.1%})**; the target is {TARGET:.0%}.",
        "",
        "| answered right | answered wrong | not sure, right topic offered | not sure |",
        "|---|---|---|---|",
        f"| {behaviour(outcome, limit)} |",
        "",
        f"{len(cases) - len(unseen.topics)} of the questions are, letter for letter, also "
        'training examples (short ones such as "what is ipt", written apart by two '
        f"people). On the other {len(unseen.topics)}:",
        "",
        "| answered right | answered wrong | not sure, right topic offered | not sure |",
        "|---|---|---|---|",
        f"| {behaviour(unseen, limit)} |",
        "",
        "| topic | answered right |",
        "|---|---|",
        *(
            f"| {topic} | {right_by_topic[topic]}/{n} |"
            for topic, n in sorted(
                asked.items(), key=lambda item: right_by_topic[item[0]] / item[1]
            )
        ),
        "",
    ]
    REPORT.write_text("\n".join(lines), encoding="utf-8")
    print(f"{len(right)}/{len(cases)} answered right ({share:.1%}); see {REPORT}")


if __name__ == "__main__":
    main()
