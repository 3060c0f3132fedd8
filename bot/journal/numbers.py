"""Small numbers written as digits or words ("7", "seven", "twenty")."""

from __future__ import annotations

WORDS = {
    "zero": 0, "none": 0, "nil": 0, "one": 1, "a": 1, "an": 1, "two": 2, "three": 3,
    "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9, "ten": 10,
    "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15,
    "twenty": 20, "thirty": 30,
}  # fmt: skip
PATTERN = r"\d{1,3}|" + "|".join(sorted(WORDS, key=len, reverse=True))


def to_int(token: str) -> int | None:
    token = token.strip().lower()
    if token.isdigit():
        return int(token)
    return WORDS.get(token)
