"""Every form question, by slot: what kind of answer it wants and whether the
entry can do without it.

The form validations (actions/) read this to judge replies (answer_gate), and the
domain build reads it to give each question its third wording: after two tries
that did not work, the question comes with how to skip or stop and buttons for
the answers it takes (`utter_stuck_<kind>` in domain.yml), instead of the same
words a third time.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.journal.answer_gate import Kind

# The slot that counts the tries at the question being asked: None, then AGAIN
# after one that did not work, then STUCK after two. The domain's response
# conditions read it, so its values are fixed here.
ATTEMPT_SLOT = "form_attempt"
AGAIN, STUCK = "again", "stuck"


@dataclass(frozen=True)
class Question:
    kind: Kind
    required: bool = False


QUESTIONS: dict[str, Question] = {
    "log_consent": Question(Kind.YES_NO, required=True),
    "inc_who": Question(Kind.PERSON, required=True),
    "inc_when": Question(Kind.DATE),
    "inc_where": Question(Kind.TEXT),
    "inc_what": Question(Kind.TEXT, required=True),
    "inc_said": Question(Kind.SPEECH),
    "inc_they_said": Question(Kind.SPEECH),
    "inc_wanted": Question(Kind.TEXT),
    "inc_afterwards": Question(Kind.TEXT),
    "inc_feelings": Question(Kind.FEELING),
    "inc_area": Question(Kind.AREA),
    "inc_mood": Question(Kind.MOOD, required=True),
    "inc_confirm": Question(Kind.CONFIRM, required=True),
    "ci_mood": Question(Kind.MOOD, required=True),
    "ci_feelings": Question(Kind.FEELING),
    "ci_note": Question(Kind.TEXT),
    "sp_warning_signs": Question(Kind.TEXT),
    "sp_coping": Question(Kind.TEXT),
    "sp_distractions": Question(Kind.TEXT),
    "sp_people": Question(Kind.TEXT),
    "sp_professionals": Question(Kind.TEXT),
    "sp_environment": Question(Kind.TEXT),
    "rem_time": Question(Kind.TIME, required=True),
    "erase_confirm": Question(Kind.CONFIRM, required=True),
}


def question(slot: str) -> Question:
    return QUESTIONS.get(slot, Question(Kind.TEXT))
