from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
import spacy
import yaml

from bot.nlp import pipeline
from bot.nlp.pipeline import LexiconError, build, is_up_to_date, load_relationship_lexicon


def _tree_digest(folder: Path) -> str:
    digest = hashlib.sha256()
    for file in sorted(p for p in folder.rglob("*") if p.is_file()):
        digest.update(str(file.relative_to(folder)).encode())
        digest.update(file.read_bytes())
    return digest.hexdigest()


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("nlp") / "en_ipt"
    assert build(out) is True
    return out


@pytest.fixture(scope="module")
def nlp(built: Path) -> spacy.language.Language:
    return spacy.load(built)


def test_the_pipeline_is_blank_english_with_lemmas_and_relationship_patterns(nlp) -> None:
    assert nlp.lang == "en"
    assert nlp.pipe_names == ["lemmatizer", "entity_ruler"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("My MOM yelled at me at dinner", [("MOM", "family")]),
        ("I argued with my Mum", [("Mum", "family")]),
        ("sam from work, my coworker", [("coworker", "work")]),
        ("two of my coworkers ignored me", [("coworkers", "work")]),
        ("my best friend cancelled again", [("best friend", "social")]),
        ("my mother-in-law visited", [("mother-in-law", "family")]),
        ("my ex-boyfriend texted me", [("ex-boyfriend", "partner")]),
        ("a silence with my line managers", [("line managers", "work")]),
        ("the weather was nice", []),
    ],
)
def test_relationship_words_are_found_whatever_the_case_or_number(
    nlp, text: str, expected: list[tuple[str, str]]
) -> None:
    doc = nlp(text)
    assert [(ent.text, ent.ent_id_) for ent in doc.ents] == expected
    assert all(ent.label_ == "relationship" for ent in doc.ents)


def test_lemmas_ignore_case(nlp) -> None:
    assert [t.lemma_ for t in nlp("Mothers WERE Killing")] == ["mother", "be", "kill"]


def test_the_build_is_skipped_when_up_to_date_and_redone_when_the_lexicon_changes(
    tmp_path: Path,
) -> None:
    lexicon = tmp_path / "relationships.yml"
    lexicon.write_text("family: [mother]\n", encoding="utf-8")
    out = tmp_path / "en_ipt"
    assert build(out, lexicon) is True
    assert is_up_to_date(out, lexicon)
    assert build(out, lexicon) is False

    lexicon.write_text("family: [mother, auntie]\n", encoding="utf-8")
    assert not is_up_to_date(out, lexicon)
    assert build(out, lexicon) is True
    assert [e.text for e in spacy.load(out)("my Auntie")] == ["my", "Auntie"]
    assert [e.text for e in spacy.load(out)("my Auntie").ents] == ["Auntie"]


def test_the_build_is_deterministic(tmp_path: Path, built: Path) -> None:
    again = tmp_path / "en_ipt"
    build(again, force=True)
    assert _tree_digest(again) == _tree_digest(built)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("", "expected groups of words"),
        ("family: mother\n", "must be a name with a list of words"),
        ("family: []\n", "must be a name with a list of words"),
        ("family: [mother, '  ']\n", "empty or non-text entry"),
        ("family: [mother]\nwork: [Mother]\n", "listed twice"),
        ("family: [mother\n", "not valid YAML"),
    ],
)
def test_a_malformed_lexicon_is_refused_with_the_reason(
    tmp_path: Path, content: str, message: str
) -> None:
    lexicon = tmp_path / "relationships.yml"
    lexicon.write_text(content, encoding="utf-8")
    with pytest.raises(LexiconError, match=message):
        load_relationship_lexicon(lexicon)


def test_the_shipped_lexicon_is_valid() -> None:
    lexicon = load_relationship_lexicon()
    assert {"family", "partner", "work", "social"} <= set(lexicon)
    assert "mother" in lexicon["family"] and "boss" in lexicon["work"]


def test_rasa_loads_the_pipeline_the_config_names(project_root: Path) -> None:
    from rasa.nlu.utils.spacy_utils import SpacyNLP

    config = yaml.safe_load((project_root / "config.yml").read_text(encoding="utf-8"))
    spacy_step = next(step for step in config["pipeline"] if step["name"] == "SpacyNLP")
    assert (project_root / spacy_step["model"]).resolve() == pipeline.PIPELINE_DIR
    model = SpacyNLP.load_model(str(pipeline.PIPELINE_DIR))
    SpacyNLP.ensure_proper_language_model(model.model)
