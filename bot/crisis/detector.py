"""The deterministic crisis detector: spaCy Matcher patterns over lemmas.

The patterns come from content/crisis/lexicon.yml (the syntax is explained
there). This layer is the floor of crisis detection: whatever the trained
classifier thinks, a message that matches here gets the crisis reply.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

import spacy
import yaml
from spacy.language import Language
from spacy.matcher import Matcher

from bot.crisis import CATEGORIES, HELP
from bot.crisis.normalize import normalize
from bot.nlp.pipeline import PIPELINE_DIR
from bot.settings import PROJECT_ROOT

LEXICON_FILE = PROJECT_ROOT / "content" / "crisis" / "lexicon.yml"
# `*` in a phrase: this many optional words of any kind.
WILDCARD_WIDTH = 3
_EXCEPTION = "exception"
_PUNCTUATION = re.compile(r"[^\w\s']+")


class CrisisLexiconError(ValueError):
    """The crisis lexicon is malformed; the message names the phrase."""


@dataclass(frozen=True)
class Detection:
    category: str
    # The lexicon phrase that matched and the words of the message it matched.
    phrase: str
    matched_text: str


@dataclass(frozen=True)
class Negation:
    # Word roots that deny what follows ("n't" has the root "not").
    words: frozenset[str]
    # Roots that may stand between the denial and the match ("not really", "never
    # going to", "don't want to").
    between: frozenset[str]
    # Roots before the denial word that make it "not able to" instead.
    unable: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Lexicon:
    categories: dict[str, list[str]]
    exceptions: list[str]
    help_words: list[str]
    spellings: dict[str, str]
    negation: Negation = Negation(frozenset(), frozenset())


_UNQUOTED_NUMBER = re.compile(r"^\s*- (?![\"']).*(^|\s)#(\s|$)")


def load_lexicon(path: Path = LEXICON_FILE) -> Lexicon:
    try:
        text = path.read_text(encoding="utf-8")
        raw = yaml.safe_load(text)
    except (OSError, yaml.YAMLError) as error:
        raise CrisisLexiconError(f"{path}: cannot read the crisis lexicon: {error}") from None
    for number, line in enumerate(text.splitlines(), 1):
        # YAML reads " #" as the start of a comment and would silently cut the phrase short.
        if _UNQUOTED_NUMBER.match(line):
            raise CrisisLexiconError(f'{path}:{number}: put a phrase with "#" in double quotes')
    if not isinstance(raw, dict):
        raise CrisisLexiconError(f"{path}: expected 'categories', 'exceptions', 'help_words'")
    categories = raw.get("categories") or {}
    unknown = set(categories) - set(CATEGORIES)
    if unknown:
        raise CrisisLexiconError(f"{path}: unknown categories {sorted(unknown)}")
    missing = [c for c in CATEGORIES if not categories.get(c)]
    if missing:
        raise CrisisLexiconError(f"{path}: categories without phrases: {missing}")
    spellings = raw.get("spellings") or {}
    if not all(isinstance(k, str) and isinstance(v, str) for k, v in spellings.items()):
        raise CrisisLexiconError(f"{path}: spellings must map words to words")
    negation = raw.get("negation") or {}
    if not isinstance(negation, dict) or set(negation) - {"words", "between", "unable"}:
        raise CrisisLexiconError(f"{path}: negation takes 'words', 'between' and 'unable'")
    return Lexicon(
        categories={c: _phrases(categories[c], f"{path}: {c}") for c in CATEGORIES},
        exceptions=_phrases(raw.get("exceptions") or [], f"{path}: exceptions"),
        help_words=_phrases(raw.get("help_words") or [], f"{path}: help_words"),
        spellings={k.lower(): v.lower() for k, v in spellings.items()},
        negation=Negation(
            words=frozenset(_phrases(negation.get("words") or [], f"{path}: negation words")),
            between=frozenset(_phrases(negation.get("between") or [], f"{path}: negation between")),
            unable=frozenset(_phrases(negation.get("unable") or [], f"{path}: negation unable")),
        ),
    )


def _phrases(items: Any, where: str) -> list[str]:
    if not isinstance(items, list) or not all(isinstance(i, str) and i.strip() for i in items):
        raise CrisisLexiconError(f"{where}: expected a list of phrases")
    seen: set[str] = set()
    phrases = []
    for item in items:
        phrase = " ".join(item.lower().split())
        if phrase in seen:
            raise CrisisLexiconError(f"{where}: {phrase!r} is listed twice")
        seen.add(phrase)
        phrases.append(phrase)
    return phrases


def load_pipeline(path: Path = PIPELINE_DIR) -> Language:
    # Only the tokenizer and lemmatizer are needed; patterns are matched on lemmas.
    return spacy.load(path, exclude=["entity_ruler"])


class CrisisDetector:
    """detect(text) -> the most urgent crisis category a message matches, or None."""

    def __init__(self, nlp: Language, lexicon: Lexicon) -> None:
        self.nlp = nlp
        self.lexicon = lexicon
        self.matcher = Matcher(nlp.vocab, validate=True)
        self._phrases: dict[str, str] = {}
        for category, phrases in lexicon.categories.items():
            for phrase in phrases:
                self._add(category, phrase)
        for phrase in lexicon.exceptions:
            self._add(_EXCEPTION, phrase)
        self._help = {self._canonical(word) for word in lexicon.help_words}

    @classmethod
    def load(
        cls, lexicon_path: Path = LEXICON_FILE, pipeline_path: Path = PIPELINE_DIR
    ) -> CrisisDetector:
        return cls(load_pipeline(pipeline_path), load_lexicon(lexicon_path))

    @cached_property
    def _known_words(self) -> frozenset[str]:
        table = self.nlp.get_pipe("lemmatizer").lookups.get_table("lemma_lookup")
        words = {str(value) for value in table.values()}
        for phrase in itertools.chain(self.lexicon.exceptions, *self.lexicon.categories.values()):
            words.update(re.findall(r"[a-z']+", phrase))
        words.update(self.lexicon.spellings.values())
        return frozenset(words)

    def _is_known(self, word: str) -> bool:
        if word in self._known_words:
            return True
        table = self.nlp.get_pipe("lemmatizer").lookups.get_table("lemma_lookup")
        return word in table

    def _canonical(self, text: str) -> str:
        return normalize(text, self.lexicon.spellings, self._is_known)

    def _add(self, label: str, phrase: str) -> None:
        key = f"{label}::{phrase}"
        self._phrases[key] = phrase
        self.matcher.add(key, [self._pattern(phrase)])

    def _pattern(self, phrase: str) -> list[dict[str, Any]]:
        pattern: list[dict[str, Any]] = []
        words = phrase.split()
        if words[0] == "*" or words[-1] == "*":
            raise CrisisLexiconError(f"{phrase!r}: '*' belongs between words")
        for word in words:
            if word == "*":
                pattern.extend({"OP": "?"} for _ in range(WILDCARD_WIDTH))
                continue
            if word == "#":
                pattern.append({"LIKE_NUM": True})
                continue
            optional = word.endswith("?")
            word = word.rstrip("?")
            choices = word.split("|")
            if all(choice.startswith("=") for choice in choices):
                tokens = [{"LOWER": {"IN": [choice[1:] for choice in choices]}}]
            elif any(choice.startswith("=") for choice in choices):
                raise CrisisLexiconError(f"{phrase!r}: mix of =exact and root words in {word!r}")
            elif len(choices) == 1:
                tokens = [{"LEMMA": lemma} for lemma in self._lemmas(word)]
            else:
                lemmas = [self._lemmas(choice) for choice in choices]
                if any(len(group) != 1 for group in lemmas):
                    raise CrisisLexiconError(
                        f"{phrase!r}: each choice in {word!r} must be one word "
                        "(no need for 'wanna' or 'im': they are expanded before matching)"
                    )
                tokens = [{"LEMMA": {"IN": sorted({group[0] for group in lemmas})}}]
            if optional:
                if len(tokens) != 1:
                    raise CrisisLexiconError(f"{phrase!r}: only a single word can be optional")
                tokens[0]["OP"] = "?"
            pattern.extend(tokens)
        return pattern

    def _lemmas(self, word: str) -> list[str]:
        return [token.lemma_ for token in self.nlp(self._canonical(word))]

    def _denied(self, doc: Any, start: int) -> bool:
        """The match follows a denial: "I'm not suicidal", "I would never hurt myself".

        Such a match does not decide alone: the trained classifier, which has seen
        denials and their look-alikes, decides instead (bot/nlp/crisis_component.py).
        Only the words right before the match count, so "no, I want to die" and
        "why shouldn't I kill myself" are not denials.
        """
        negation = self.lexicon.negation
        for token in reversed(doc[:start]):
            lemma = token.lemma_.lower()
            if lemma in negation.words or token.lower_ in negation.words:
                # "can't" and "couldn't" tell of not managing, not of denying:
                # "I can't go a day without a drink", "I can't stop cutting".
                before = doc[token.i - 1].lemma_.lower() if token.i > 0 else ""
                return before not in negation.unable
            if lemma not in negation.between and token.lower_ not in negation.between:
                return False
        return False

    def detect(self, text: str) -> Detection | None:
        canonical = self._canonical(text)
        if not canonical:
            return None
        if " ".join(_PUNCTUATION.sub(" ", canonical).split()) in self._help:
            return Detection(HELP, canonical, canonical)
        doc = self.nlp(canonical)
        hits = []
        excepted = []
        for match_id, start, end in self.matcher(doc):
            label = self.nlp.vocab.strings[match_id].split("::", 1)[0]
            (excepted if label == _EXCEPTION else hits).append((label, match_id, start, end))
        hits = [
            hit
            for hit in hits
            if not any(hit[2] < e_end and e_start < hit[3] for _, _, e_start, e_end in excepted)
            and not self._denied(doc, hit[2])
        ]
        if not hits:
            return None
        label, match_id, start, end = min(hits, key=lambda hit: CATEGORIES.index(hit[0]))
        return Detection(
            category=label,
            phrase=self._phrases[self.nlp.vocab.strings[match_id]],
            matched_text=doc[start:end].text,
        )
