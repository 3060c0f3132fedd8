"""Builds the project's spaCy pipeline into `build/spacy/en_ipt`.

Rasa's SpacyNLP needs a saved pipeline to load by path. Ours is a blank English
pipeline with a case-insensitive lookup lemmatizer (tables from the
spacy-lookups-data package, stored inside the pipeline so nothing is fetched at
run time) and an entity ruler for the relationship words in
`content/nlp/relationships.yml`.

The build is deterministic (no trained weights) and skipped when the saved
pipeline's fingerprint matches its inputs.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import shutil
import sys
import tempfile
from importlib import metadata
from pathlib import Path

import spacy
import yaml
from spacy.language import Language

from bot.nlp.lemmatizer import FACTORY_NAME
from bot.settings import PROJECT_ROOT

PIPELINE_DIR = PROJECT_ROOT / "build" / "spacy" / "en_ipt"
RELATIONSHIPS_FILE = PROJECT_ROOT / "content" / "nlp" / "relationships.yml"
RELATIONSHIP_LABEL = "relationship"
# Bump when the way the pipeline is assembled changes, so old builds are redone.
BUILD_FORMAT = 1


class LexiconError(ValueError):
    """The relationship lexicon is malformed; the message says where."""


def load_relationship_lexicon(path: Path = RELATIONSHIPS_FILE) -> dict[str, list[str]]:
    """Reads and checks the lexicon: groups of unique, non-empty words."""
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as error:
        raise LexiconError(f"{path}: not valid YAML: {error}") from None
    if not isinstance(raw, dict) or not raw:
        raise LexiconError(f"{path}: expected groups of words, e.g. 'family: [mother, dad]'")
    seen: dict[str, str] = {}
    lexicon: dict[str, list[str]] = {}
    for group, words in raw.items():
        if not isinstance(group, str) or not isinstance(words, list) or not words:
            raise LexiconError(f"{path}: group {group!r} must be a name with a list of words")
        cleaned = []
        for word in words:
            if not isinstance(word, str) or not word.strip():
                raise LexiconError(f"{path}: group {group!r} has an empty or non-text entry")
            key = " ".join(word.lower().split())
            if key in seen:
                raise LexiconError(f"{path}: {word!r} is listed twice ({seen[key]} and {group})")
            seen[key] = group
            cleaned.append(key)
        lexicon[group] = cleaned
    return lexicon


def fingerprint(lexicon_path: Path = RELATIONSHIPS_FILE) -> str:
    """Changes whenever anything that goes into the pipeline changes."""
    digest = hashlib.sha256()
    digest.update(f"format={BUILD_FORMAT}".encode())
    for package in ("spacy", "spacy-lookups-data"):
        digest.update(f"{package}={metadata.version(package)}".encode())
    digest.update(Path(__file__).read_bytes())
    digest.update((Path(__file__).parent / "lemmatizer.py").read_bytes())
    digest.update(lexicon_path.read_bytes())
    return digest.hexdigest()


def create_pipeline(lexicon: dict[str, list[str]]) -> Language:
    nlp = spacy.blank("en")
    nlp.add_pipe(FACTORY_NAME, name="lemmatizer")
    # Patterns are written in lemmas, so they are lemmatized by the very pipeline
    # that will lemmatize clients' messages, before the ruler joins it.
    nlp.initialize()
    patterns = [
        {
            "label": RELATIONSHIP_LABEL,
            "id": group,
            "pattern": [{"LEMMA": token.lemma_} for token in nlp(word)],
        }
        for group, words in lexicon.items()
        for word in words
    ]
    nlp.add_pipe("entity_ruler", config={"validate": True}).add_patterns(patterns)
    return nlp


def is_up_to_date(out_dir: Path = PIPELINE_DIR, lexicon_path: Path = RELATIONSHIPS_FILE) -> bool:
    meta_file = out_dir / "meta.json"
    if not meta_file.is_file():
        return False
    meta = json.loads(meta_file.read_text(encoding="utf-8"))
    return meta.get("ipt_fingerprint") == fingerprint(lexicon_path)


def build(
    out_dir: Path = PIPELINE_DIR, lexicon_path: Path = RELATIONSHIPS_FILE, force: bool = False
) -> bool:
    """Builds the pipeline unless it is up to date; returns whether it was built."""
    if not force and is_up_to_date(out_dir, lexicon_path):
        return False
    nlp = create_pipeline(load_relationship_lexicon(lexicon_path))
    nlp.meta.update(
        {
            "name": "ipt",
            "version": f"{BUILD_FORMAT}.0.0",
            "description": "Blank English with lookup lemmas and relationship patterns",
            "ipt_fingerprint": fingerprint(lexicon_path),
        }
    )
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    # Write beside the target and swap, so a failed build never leaves half a pipeline.
    with tempfile.TemporaryDirectory(dir=out_dir.parent) as scratch:
        staged = Path(scratch) / out_dir.name
        nlp.to_disk(staged)
        if out_dir.exists():
            shutil.rmtree(out_dir)
        staged.rename(out_dir)
    return True


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=PIPELINE_DIR)
    parser.add_argument("--force", action="store_true", help="rebuild even when up to date")
    args = parser.parse_args(argv)
    try:
        built = build(args.out, force=args.force)
    except LexiconError as error:
        sys.exit(f"error: {error}")
    print(f"spaCy pipeline {'built' if built else 'up to date'}: {args.out}")


if __name__ == "__main__":
    main()
