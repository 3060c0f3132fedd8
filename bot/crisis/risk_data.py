"""The crisis layer's own training examples (data/risk/*.yml).

The NLU data teaches DIET which intent a message is; these files teach the risk
classifier (bot/nlp/risk_classifier.py) the one question that matters most,
with far more ways of saying it: crisis messages by category and look-alikes
that are not a crisis. They were written by helpers who saw only the category
definitions, never the test sets (see each file's header).

A file may also hold `risk_sequences`: consecutive messages of one client whose
risk shows only when they are read together (a bereavement, then wanting to "be
with" the person). Each is learned as its messages joined by `read_together`,
which is how the classifier reads a message after the client's previous ones at
run time (bot/nlp/conversation_context.py).

A file may also hold `someone_else_examples`: messages in which the client is
worried about another person at risk ("my friend says she wants to die"), under
the category of that person's risk. They are learned as `someone_else`, the
client's own risk being none, and their category teaches the classifier which
"how to help someone" reply fits (bot/crisis/graded.py).

Rasa reads every file under data/ but leaves these alone: it takes a YAML file
only when it has an `nlu`, `stories`, `rules` or domain key, and these have
`risk_examples`, `risk_sequences` or `someone_else_examples` alone. A clinic can
add examples here without touching Python; load() refuses a file it cannot use,
with the file and the reason.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import yaml

from bot.crisis import CATEGORIES
from bot.settings import PROJECT_ROOT

RISK_DATA = PROJECT_ROOT / "data" / "risk"
KEY = "risk_examples"
SEQUENCES_KEY = "risk_sequences"
SOMEONE_ELSE_KEY = "someone_else_examples"
NO_RISK = "none"
# The client tells of another person's risk; the client's own risk is none.
SOMEONE_ELSE = "someone_else"
LABELS: tuple[str, ...] = (*CATEGORIES, NO_RISK, SOMEONE_ELSE)
KEYS = (KEY, SEQUENCES_KEY, SOMEONE_ELSE_KEY)


class RiskDataError(ValueError):
    """A file under data/risk/ that cannot be used as it is."""


def files(directory: Path = RISK_DATA) -> list[Path]:
    return sorted(directory.glob("*.yml"))


def read_together(messages: list[str]) -> str:
    """Consecutive messages as the classifier reads them: oldest first, one text."""
    return " ".join(message.strip() for message in messages)


def _sequences(path: Path, items: object) -> dict[str, list[str]]:
    """`risk_sequences` as texts by label, each sequence read together."""
    if not isinstance(items, list):
        raise RiskDataError(f"{path}: '{SEQUENCES_KEY}' must be a list")
    by_label: dict[str, list[str]] = {}
    for item in items:
        turns = item.get("turns") if isinstance(item, dict) else None
        if (
            not isinstance(turns, list)
            or len(turns) < 2
            or not all(isinstance(turn, str) and turn.strip() for turn in turns)
        ):
            raise RiskDataError(f"{path}: a sequence needs 'turns', two or more messages: {item!r}")
        by_label.setdefault(str(item.get("label")), []).append(read_together(turns))
    return by_label


def _someone_else(path: Path, items: object) -> dict[str, str]:
    """`someone_else_examples` as {text: category of the other person's risk}."""
    if not isinstance(items, dict):
        raise RiskDataError(f"{path}: '{SOMEONE_ELSE_KEY}' must map categories to messages")
    about: dict[str, str] = {}
    for category, texts in items.items():
        if category not in CATEGORIES:
            raise RiskDataError(
                f"{path}: '{category}' in '{SOMEONE_ELSE_KEY}' is not one of "
                f"{', '.join(CATEGORIES)}"
            )
        if not isinstance(texts, list):
            raise RiskDataError(f"{path}: '{category}' must be a list of messages")
        for text in texts:
            if isinstance(text, str) and text.strip():
                about[text.strip()] = category
            else:
                raise RiskDataError(
                    f"{path}: '{category}' has an empty or non-text example: {text!r}"
                )
    return about


def load(directory: Path = RISK_DATA) -> list[tuple[str, str]]:
    """Every (text, label) pair, in file order; label is one of LABELS."""
    return [(text, label) for text, label, _ in load_with_concern(directory)]


def load_with_concern(directory: Path = RISK_DATA) -> list[tuple[str, str, str | None]]:
    """(text, label, concern): concern is the category of another person's risk for
    a `someone_else` example, else None."""
    examples: list[tuple[str, str, str | None]] = []
    seen: dict[str, tuple[str, Path]] = {}
    concern: dict[str, str] = {}
    for path in files(directory):
        content = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        if not isinstance(content, dict) or not (
            isinstance(content.get(KEY), dict)
            or SEQUENCES_KEY in content
            or SOMEONE_ELSE_KEY in content
        ):
            raise RiskDataError(
                f"{path}: expected a mapping under '{KEY}' or '{SOMEONE_ELSE_KEY}', "
                f"or a list under '{SEQUENCES_KEY}'"
            )
        labelled = dict(content.get(KEY) or {})
        for label, texts in _sequences(path, content.get(SEQUENCES_KEY) or []).items():
            labelled[label] = [*(labelled.get(label) or []), *texts]
        if SOMEONE_ELSE_KEY in content:
            about = _someone_else(path, content[SOMEONE_ELSE_KEY])
            concern.update(about)
            labelled[SOMEONE_ELSE] = [*(labelled.get(SOMEONE_ELSE) or []), *about]
        for label, texts in labelled.items():
            if label not in LABELS:
                raise RiskDataError(f"{path}: '{label}' is not one of {', '.join(LABELS)}")
            if not isinstance(texts, list):
                raise RiskDataError(f"{path}: '{label}' must be a list of messages")
            for text in texts:
                if not isinstance(text, str) or not text.strip():
                    raise RiskDataError(
                        f"{path}: '{label}' has an empty or non-text example: {text!r}"
                    )
                key = " ".join(text.lower().split())
                if key in seen and seen[key][0] != label:
                    other, where = seen[key]
                    raise RiskDataError(
                        f"{path}: {text!r} is '{label}' here and '{other}' in {where.name}"
                    )
                if key not in seen:
                    seen[key] = (label, path)
                    text = text.strip()
                    examples.append(
                        (text, label, concern.get(text) if label == SOMEONE_ELSE else None)
                    )
    return examples


def fingerprint(directory: Path = RISK_DATA) -> str:
    """Changes whenever any example changes, so that Rasa retrains the classifier."""
    digest = hashlib.sha256()
    for path in files(directory):
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


__all__ = [
    "KEY",
    "LABELS",
    "NO_RISK",
    "RISK_DATA",
    "SEQUENCES_KEY",
    "SOMEONE_ELSE",
    "SOMEONE_ELSE_KEY",
    "RiskDataError",
    "files",
    "fingerprint",
    "load",
    "load_with_concern",
    "read_together",
]
