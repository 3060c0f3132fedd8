"""Puts a message into one canonical spelling before the crisis patterns see it.

Clients write "I'm" with a curly apostrophe, "im", "IM", "diiiie" and "suicidel";
a curly apostrophe or a stretched letter must never be what stops a pattern matching.
"""

from __future__ import annotations

import itertools
import re
import unicodedata
from collections.abc import Callable, Mapping

_QUOTES = str.maketrans(
    {
        "\u2018": "'",
        "\u2019": "'",
        "\u201a": "'",
        "\u201b": "'",
        "\u2032": "'",
        "\u00b4": "'",
        "`": "'",
        "\u02bc": "'",
        "\uff07": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u201e": '"',
        "\u2033": '"',
        "\uff02": '"',
    }
)
# Zero-width characters that would split a word invisibly.
_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad"), None)
_STRETCHED = re.compile(r"([a-z])\1{2,}")
_WORD = re.compile(r"[a-z']+")
_RUN = re.compile(r"(.)\1*")

# Contractions typed without the apostrophe, and common chat shorthand.
CHAT_FORMS: dict[str, str] = {
    "im": "i'm",
    "ive": "i've",
    "ill": "i'll",
    "id": "i'd",
    "dont": "don't",
    "doesnt": "doesn't",
    "didnt": "didn't",
    "cant": "can not",
    "can't": "can not",
    "cannot": "can not",
    "couldnt": "couldn't",
    "wont": "will not",
    "won't": "will not",
    "wouldnt": "wouldn't",
    "shouldnt": "shouldn't",
    "isnt": "isn't",
    "arent": "aren't",
    "wasnt": "wasn't",
    "havent": "haven't",
    "hasnt": "hasn't",
    "aint": "ain't",
    "thats": "that's",
    "theres": "there's",
    "whats": "what's",
    "wanna": "want to",
    "gonna": "going to",
    "gotta": "got to",
    "tryna": "trying to",
    "imma": "i'm going to",
    "ima": "i'm going to",
    "u": "you",
    "ur": "your",
    "pls": "please",
    "plz": "please",
    "cuz": "because",
    "bc": "because",
    "rn": "right now",
    "tmrw": "tomorrow",
    "2day": "today",
    "2nite": "tonight",
}


def normalize(
    text: str,
    spellings: Mapping[str, str] | None = None,
    is_known_word: Callable[[str], bool] | None = None,
) -> str:
    """Lower-cased text with straight quotes, contractions and known misspellings fixed.

    `spellings` maps misspellings to words (from the lexicon). `is_known_word`, when
    given, lets a stretched word ("killl", "diie") shrink to a known one ("kill", "die").
    """
    text = unicodedata.normalize("NFKC", text).translate(_QUOTES).translate(_INVISIBLE)
    text = _STRETCHED.sub(r"\1\1", text.lower())
    spellings = spellings or {}

    def fix(match: re.Match[str]) -> str:
        word = match.group(0)
        bare = word.strip("'")
        if bare in spellings:
            return spellings[bare]
        if bare in CHAT_FORMS:
            return CHAT_FORMS[bare]
        if is_known_word is not None and bare and not is_known_word(bare):
            shrunk = _shrink_doubles(bare, is_known_word)
            if shrunk:
                return spellings.get(shrunk, shrunk)
        return word

    return " ".join(_WORD.sub(fix, text).split())


def _shrink_doubles(word: str, is_known_word: Callable[[str], bool]) -> str | None:
    """Tries single letters for doubled ones until a known word appears, longest first."""
    runs = [match.group(0) for match in _RUN.finditer(word)]
    options = [(run, run[0]) if len(run) > 1 else (run,) for run in runs]
    candidates = {"".join(combo) for combo in itertools.product(*options)} - {word}
    for candidate in sorted(candidates, key=lambda c: (-len(c), c)):
        if is_known_word(candidate):
            return candidate
    return None
