"""Which IPT problem area an incident touches, from the client's words."""

from __future__ import annotations

import re

AREA_NAMES = {
    "grief": "Grief",
    "role_dispute": "Role dispute",
    "role_transition": "Role transition",
    "interpersonal_deficits": "Interpersonal deficits",
    "not_sure": "Not sure",
}
_WORDS = [
    ("not_sure", r"not sure|unsure|don'?t know|dont know|no idea|idk|skip|none of (?:them|those)"),
    ("grief", r"grief|griev\w*|loss|lost|bereave\w*|death|died|passed away|mourn\w*"),
    ("role_dispute", r"dispute|conflict|argu\w*|fight\w*|disagree\w*|row|quarrel\w*"),
    (
        "role_transition",
        r"transition|changes?|new (?:job|role|city|baby)|moved|moving|retire\w*|divorce|break ?up",
    ),
    (
        "interpersonal_deficits",
        r"deficits?|lonel\w*|isolat\w*|alone|no friends|connect\w*|shy|social",
    ),
]  # fmt: skip


def read_problem_area(text: str) -> str | None:
    lowered = text.lower().replace("\u2019", "'").strip()
    if lowered.replace(" ", "_") in AREA_NAMES:
        return lowered.replace(" ", "_")
    for area, words in _WORDS:
        if re.search(rf"\b(?:{words})\b", lowered):
            return area
    return None
