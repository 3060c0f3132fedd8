"""The deterministic layer alone: normalisation, idioms, the lexicon's syntax.
Recall on the whole crisis suite, with both layers, is in test_crisis_suite.py."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from bot.crisis.detector import (
    LEXICON_FILE,
    CrisisDetector,
    CrisisLexiconError,
    load_lexicon,
    load_pipeline,
)
from bot.crisis.normalize import normalize


@pytest.fixture(scope="module")
def detector() -> CrisisDetector:
    return CrisisDetector.load()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("I\u2019m done", "i'm done"),
        ("I\u2018M DONE", "i'm done"),
        ("dont", "don't"),
        ("im so tired", "i'm so tired"),
        ("I cant", "i can not"),
        ("wanna", "want to"),
        ("sooooo", "soo"),
        ("kil\u200bl", "kill"),
    ],
)
def test_normalisation(text: str, expected: str) -> None:
    assert normalize(text) == expected


@pytest.mark.parametrize(
    ("text", "category"),
    [
        ("I want to die", "suicide"),
        ("I want to die.", "suicide"),
        ("i wanna diiiie", "suicide"),
        ("I\u2019m going to kill myself", "suicide"),
        ("im gonna kill myself", "suicide"),
        ("IM GOING TO KILL MYSELF", "suicide"),
        ("kms", "suicide"),
        ("thinking about how to unalive myself", "suicide"),
        ("i am so suicidel", "suicide"),
        ("I dont want to be alive anymore", "suicide"),
        ("I can\u2019t go on", "suicide"),
        ("how many pills would it take", "suicide"),
        ("im about to jump", "immediate_danger"),
        ("I took too many pills", "overdose"),
        ("my dad beats me and im 14", "abuse"),
        ("I started cutting again", "self_harm"),
        ("he raped me", "sexual_assault"),
        ("I make myself throw up after dinner", "eating_disorder"),
        ("I relapsed last night", "substance_use"),
        ("I want to hurt someone", "harm_others"),
        ("work was awful and honestly i want to die and my boss yelled again", "suicide"),
        ("help", "help"),
        ("SOS!", "help"),
        ("hotline", "help"),
        ("crisis", "help"),
    ],
)
def test_risk_is_found_however_it_is_typed(
    detector: CrisisDetector, text: str, category: str
) -> None:
    detection = detector.detect(text)
    assert detection is not None, text
    assert detection.category == category


@pytest.mark.parametrize(
    "text",
    [
        "work is killing me",
        "I\u2019m dying to know",
        "I'd kill for a coffee",
        "I nearly killed myself laughing",
        "I wanted to die of embarrassment",
        "it hit me that she was gone",
        "hit me up later",
        "I ran 5 kms today",
        "can you help me understand IPT?",
        "how do I kill a python process",
        "I cut myself shaving",
        "that was career suicide",
        "shoot me an email",
        "my sister beat me at chess",
        "I feel really sad since my mum died",
    ],
)
def test_idioms_and_ordinary_sadness_do_not_fire(detector: CrisisDetector, text: str) -> None:
    assert detector.detect(text) is None


def test_a_match_beside_an_idiom_still_fires(detector: CrisisDetector) -> None:
    detection = detector.detect("work is killing me and I want to die")
    assert detection is not None and detection.category == "suicide"


@pytest.mark.parametrize(
    "text",
    [
        "I'm not suicidal, just really tired",
        "I would never hurt myself",
        "i'm not going to kill myself, i promise",
        "Can IPT help with an eating disorder?",
        "is bulimia treated with IPT",
    ],
)
def test_a_denial_or_a_question_about_treatment_is_left_to_the_classifier(
    detector: CrisisDetector, text: str
) -> None:
    assert detector.detect(text) is None


@pytest.mark.parametrize(
    ("text", "category"),
    [
        # The denial is not right before the match: these still decide alone.
        ("no, I want to die", "suicide"),
        ("why shouldn't I kill myself", "suicide"),
        ("I'm not going to lie, I want to kill myself", "suicide"),
        ("I don't want to live anymore", "suicide"),
        ("I'm not safe", "immediate_danger"),
        ("i can't go a day without weed", "substance_use"),
        ("I think I have an eating disorder", "eating_disorder"),
    ],
)
def test_risk_beside_a_denial_still_fires(
    detector: CrisisDetector, text: str, category: str
) -> None:
    detection = detector.detect(text)
    assert detection is not None and detection.category == category


def test_the_most_urgent_category_wins(detector: CrisisDetector) -> None:
    detection = detector.detect("I want to die and I just took all my pills")
    assert detection is not None and detection.category == "immediate_danger"


def _lexicon(tmp_path: Path, **changes: object) -> Path:
    raw = yaml.safe_load(LEXICON_FILE.read_text(encoding="utf-8"))
    raw.update(changes)
    path = tmp_path / "lexicon.yml"
    path.write_text(yaml.safe_dump(raw), encoding="utf-8")
    return path


def test_a_clinician_can_add_a_phrase(tmp_path: Path) -> None:
    raw = yaml.safe_load(LEXICON_FILE.read_text(encoding="utf-8"))
    raw["categories"]["suicide"].append("=yeet myself")
    detector = CrisisDetector(load_pipeline(), load_lexicon(_lexicon(tmp_path, **raw)))
    detection = detector.detect("gonna yeet myself off this planet")
    assert detection is not None and detection.category == "suicide"


@pytest.mark.parametrize(
    ("phrases", "message"),
    [
        (["* die"], "'*' belongs between words"),
        (["=want|to die"], "mix of =exact and root words"),
        (["kill myself", "kill  myself"], "listed twice"),
        ([""], "expected a list of phrases"),
    ],
)
def test_a_malformed_lexicon_is_refused(tmp_path: Path, phrases: list[str], message: str) -> None:
    raw = yaml.safe_load(LEXICON_FILE.read_text(encoding="utf-8"))
    raw["categories"]["suicide"] = phrases
    with pytest.raises(CrisisLexiconError, match=message):
        CrisisDetector(load_pipeline(), load_lexicon(_lexicon(tmp_path, **raw)))


def test_a_malformed_negation_is_refused(tmp_path: Path) -> None:
    with pytest.raises(CrisisLexiconError, match="negation takes 'words', 'between' and 'unable'"):
        load_lexicon(_lexicon(tmp_path, negation={"words": ["not"], "before": ["so"]}))
    # A bare `no` in YAML is the boolean false, not a word.
    with pytest.raises(CrisisLexiconError, match="negation words: expected a list of phrases"):
        load_lexicon(_lexicon(tmp_path, negation={"words": [False]}))


def test_a_category_without_phrases_is_refused(tmp_path: Path) -> None:
    raw = yaml.safe_load(LEXICON_FILE.read_text(encoding="utf-8"))
    del raw["categories"]["abuse"]
    with pytest.raises(CrisisLexiconError, match="without phrases"):
        load_lexicon(_lexicon(tmp_path, **raw))


def test_a_number_phrase_yaml_would_cut_short_is_refused(tmp_path: Path) -> None:
    # Unquoted, YAML reads "# * pills" as a comment and keeps only "took".
    text = LEXICON_FILE.read_text(encoding="utf-8").replace(
        "  suicide:\n", "  suicide:\n    - took # * pills\n", 1
    )
    path = tmp_path / "lexicon.yml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(CrisisLexiconError, match="double quotes"):
        load_lexicon(path)
