"""The IPT answers as data: complete, checked at build, in our own words, and
never mistaken for a crisis."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
import yaml

from benchmarks.psychoeducation_eval import plain, training_texts
from bot.content.psychoeducation import (
    CONTENT_DIR,
    NLU_DIR,
    PsychoeducationError,
    load_psychoeducation,
    training_examples,
)
from bot.settings import PROJECT_ROOT

HELDOUT = PROJECT_ROOT / "tests" / "data" / "psychoeducation_heldout.yml"
# Written later by someone who never saw the training data.
BLIND = PROJECT_ROOT / "tests" / "data" / "psychoeducation_blind.yml"
# Written from the answers alone, never looked at for tuning.
BLIND2 = PROJECT_ROOT / "tests" / "data" / "psychoeducation_blind2.yml"
BLIND3 = PROJECT_ROOT / "tests" / "data" / "psychoeducation_blind3.yml"
# IPT questions only, a topic and a text each; scored once (benchmarks/ipt_blind.py).
BLIND4 = PROJECT_ROOT / "tests" / "data" / "psychoeducation_blind4.yml"
SEEDS = PROJECT_ROOT.parent / "shared" / "seeds"
# What the issue asks the assistant to explain, at the least.
REQUIRED_TOPICS = {
    "what_is_ipt", "origins", "depression_not_your_fault", "format", "brief_ipt",
    "problem_areas", "grief", "role_disputes", "role_transitions", "interpersonal_deficits",
    "phases", "initial_phase", "middle_phase", "termination", "interpersonal_inventory",
    "interpersonal_triad", "interpersonal_incidents", "communication_analysis", "role_play",
    "problem_solving", "social_support", "goals", "who_it_helps", "adaptations", "evidence",
    "ipt_vs_cbt", "limits", "what_to_expect", "how_to_prepare", "find_therapist",
    "medication", "diagnosis",
}  # fmt: skip


def heldout(path: Path = HELDOUT) -> dict[str, list[str]]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    return {
        block["intent"]: [
            ln.strip()[2:].strip() for ln in block["examples"].splitlines() if ln.strip()
        ]
        for block in data["nlu"]
    }


@pytest.fixture()
def copy(tmp_path: Path) -> tuple[Path, Path]:
    """A scratch copy of the content and the NLU data to break."""
    content, nlu = tmp_path / "content", tmp_path / "nlu"
    shutil.copytree(CONTENT_DIR, content)
    shutil.copytree(NLU_DIR, nlu)
    return content, nlu


def test_the_project_content_is_complete_and_checked() -> None:
    content = load_psychoeducation()
    assert set(content.topics) >= REQUIRED_TOPICS
    for topic in content.topics.values():
        assert topic.related, topic.id
        assert content.source_titles(topic), topic.id


def test_facts_the_issue_names_are_in_the_answers() -> None:
    topics = load_psychoeducation().topics
    said = {key: f"{t.answer} {t.more}" for key, t in topics.items()}
    assert "1970s" in said["origins"] and "Klerman" in said["origins"]
    assert "Weissman" in said["origins"]
    for theory in ("Sullivan", "Bowlby", "communication theory", "biopsychosocial"):
        assert theory in said["origins"], theory
    assert "12 to 16 weeks" in said["format"] and "45 to 60 minutes" in said["format"]
    assert "eight sessions" in said["brief_ipt"]
    assert "90 randomised trials" in said["evidence"] and "11,000" in said["evidence"]
    assert "CBT" in said["evidence"] and "CBT" in said["ipt_vs_cbt"]
    for area in ("grief", "role disputes", "role transitions", "interpersonal deficits"):
        assert area in said["problem_areas"], area
    assert "three" in said["initial_phase"] and "inventory" in said["initial_phase"]
    assert "script" in said["communication_analysis"]
    for part in ("crisis", "strengths and vulnerabilities", "social support"):
        assert part in said["interpersonal_triad"], part
    for redirect in ("medication", "diagnosis"):
        assert "doctor" in topics[redirect].answer, redirect
    assert "cannot give advice about medication" in topics["medication"].answer
    assert "cannot diagnose" in topics["diagnosis"].answer


def _seed_phrases(words: int) -> set[tuple[str, ...]]:
    phrases = set()
    for seed in SEEDS.glob("*.txt"):
        tokens = re.findall(r"[a-z0-9']+", seed.read_text(encoding="utf-8").lower())
        phrases |= {tuple(tokens[i : i + words]) for i in range(len(tokens) - words + 1)}
    return phrases


@pytest.mark.skipif(not SEEDS.is_dir(), reason="the source articles are not on this machine")
def test_answers_are_written_in_our_own_words() -> None:
    """No run of 8 words from the source articles (names and titles are shorter)."""
    seed = _seed_phrases(8)
    copied = []
    for topic in load_psychoeducation().topics.values():
        for text in (topic.answer, topic.more):
            tokens = re.findall(r"[a-z0-9']+", text.lower())
            copied += [
                (topic.id, " ".join(tokens[i : i + 8]))
                for i in range(len(tokens) - 7)
                if tuple(tokens[i : i + 8]) in seed
            ]
    assert copied == []


def test_a_topic_without_an_answer_stops_the_build(copy: tuple[Path, Path]) -> None:
    content, nlu = copy
    path = content / "phases.yml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    del data["topics"]["middle_phase"]["answer"]
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    with pytest.raises(PsychoeducationError, match=r"middle_phase.*`answer` is missing"):
        load_psychoeducation(content, nlu)


def test_examples_for_a_topic_with_no_answer_stop_the_build(copy: tuple[Path, Path]) -> None:
    content, nlu = copy
    (nlu / "extra.yml").write_text(
        'version: "3.1"\nnlu:\n  - intent: faq/parking\n    examples: |\n      - where do i park\n',
        encoding="utf-8",
    )
    with pytest.raises(PsychoeducationError, match="faq/parking but no topic"):
        load_psychoeducation(content, nlu)


def test_an_answer_without_enough_examples_stops_the_build(copy: tuple[Path, Path]) -> None:
    content, nlu = copy
    path = nlu / "psychoeducation" / "techniques.yml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data["nlu"] = [b for b in data["nlu"] if b["intent"] != "faq/role_play"]
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    with pytest.raises(PsychoeducationError, match="'role_play' has 0 training examples"):
        load_psychoeducation(content, nlu)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda t: t.update(related=["no_such_topic"]), "related topic 'no_such_topic'"),
        (lambda t: t.update(sources=["a_blog"]), "unknown source 'a_blog'"),
        (lambda t: t.update(answer="word " * 200), "keep it to 600"),
        (lambda t: t.update(anwser="typo"), "unknown field"),
        (lambda t: t.update(sources=[]), "at least one source"),
    ],
)
def test_broken_topics_are_refused_with_the_reason(
    copy: tuple[Path, Path], change: object, message: str
) -> None:
    content, nlu = copy
    path = content / "about_ipt.yml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(data["topics"]["format"])  # type: ignore[operator]
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    with pytest.raises(PsychoeducationError, match=message):
        load_psychoeducation(content, nlu)


def test_a_topic_defined_twice_is_refused(copy: tuple[Path, Path]) -> None:
    content, nlu = copy
    shutil.copy(content / "phases.yml", content / "phases_copy.yml")
    with pytest.raises(PsychoeducationError, match="ids must be unique"):
        load_psychoeducation(content, nlu)


def test_the_generated_domain_has_an_answer_per_topic(tmp_path: Path) -> None:
    from bot.domain_build import render_domain
    from bot.settings import load_settings

    settings = load_settings(environ={"DATA_DIR": str(tmp_path)}, dotenv_path=tmp_path / "none")
    responses = yaml.safe_load(render_domain(settings))["responses"]
    for topic in load_psychoeducation().topics.values():
        assert responses[topic.response] == [{"text": topic.answer}]


@pytest.mark.parametrize(
    "path", [HELDOUT, BLIND, BLIND2, BLIND3], ids=["heldout", "blind", "blind 2", "blind 3"]
)
def test_heldout_questions_cover_every_topic_and_are_not_training_data(path: Path) -> None:
    questions = heldout(path)
    topics = load_psychoeducation().topics
    assert {f"faq/{t}" for t in topics} <= set(questions)
    training = training_texts()
    leaked = [q for qs in questions.values() for q in qs if plain(q) in training]
    assert leaked == []


def test_the_last_blind_set_names_only_real_topics() -> None:
    # Some of its short questions ("what is ipt") are also training examples, written
    # apart by two people; benchmarks/ipt_blind.py scores the set with and without them.
    questions = yaml.safe_load(BLIND4.read_text(encoding="utf-8"))["questions"]
    assert {q["topic"] for q in questions} <= set(load_psychoeducation().topics)
    assert len(questions) >= 300


def test_questions_about_ipt_are_never_taken_for_a_crisis() -> None:
    """The lexicon must not answer "does ipt help eating disorders?" with crisis lines."""
    from bot.crisis.detector import CrisisDetector

    detector = CrisisDetector.load()
    # Not the blind sets: three of their questions name bulimia or binge eating,
    # and the lexicon deliberately answers those words with support lines whoever asks.
    questions = [q for intent, qs in heldout().items() if intent.startswith("faq/") for q in qs]
    questions += [e for examples in training_examples().values() for e in examples]
    flagged = [(q, d.category) for q in questions if (d := detector.detect(q))]
    assert flagged == []
