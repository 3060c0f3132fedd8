"""Whether a message is put as a question: a question mark or a leading question word.

The intent classifier often reads an ordinary remark ("that she would listen",
"work has been a lot lately") as a question about IPT, because those examples far
outnumber the rest. Where that matters (an answer inside a form, a reply to an
unsure reading) the form of the message decides instead.
"""

from __future__ import annotations

import re

_QUESTION = re.compile(
    r"\?|^\W*(what|whats|how|why|when|where|who|which|is|are|can|could|does|do|should|"
    r"tell me|explain|define|describe|meaning of)\b",
    re.IGNORECASE,
)


def is_question(text: str) -> bool:
    return bool(_QUESTION.search(text))
