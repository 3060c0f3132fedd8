"""Whether a reply to a form's question is an answer, before it becomes one.

A person answering a form does not always answer: they ask what a word means,
say they would rather not, want to stop or do something else, find the form too
long, or type "hmm". Each of those read as an answer is a wrong entry or a loop
("I didn't catch the day" for "i don't want to talk about it"). Every form
question goes through `judge` first, and only an ANSWER reaches the question's
own reader (a date, a mood, free text).

Decided on the words and their form, with the intent only as a hint: inside a
form, the intent classifier sees short, odd answers it was not trained on.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import Enum


class Reply(Enum):
    ANSWER = "answer"
    QUESTION = "question"  # about IPT, the assistant or the question itself
    WHY = "why"  # why the question is asked
    SKIP = "skip"  # leave this question out (or "I'd rather not")
    SKIP_REST = "skip_rest"  # leave every optional question still open
    STOP = "stop"  # end the form, keep nothing
    SWITCH = "switch"  # do something else instead
    COMPLAINT = "complaint"  # about the form itself ("so many questions")
    FILLER = "filler"  # no content to keep ("hmm", "?", "ok")
    CONTINUE = "continue"  # "keep going" after the offer to skip the rest
    KEEP = "keep"  # keep the answer given last time (updating a safety plan)


# How a question is answered decides what counts as an answer: "ok" is an answer
# to "is it okay to store this?", and may be what someone said ("what did you
# say?" - "ok"), but not who was involved.
class Kind(Enum):
    TEXT = "text"  # an account in the client's words
    FEELING = "feeling"  # how they felt: "ok" and "fine" are answers here
    SPEECH = "speech"  # words quoted from an exchange: a question there is a quote
    PERSON = "person"
    DATE = "date"
    MOOD = "mood"
    AREA = "area"
    YES_NO = "yes_no"  # consent
    CONFIRM = "confirm"  # a summary: save, change or cancel
    TIME = "time"


@dataclass(frozen=True)
class Verdict:
    reply: Reply
    # For SWITCH: what to do instead (a key of SWITCH_TARGETS).
    target: str | None = None


# What a client types to leave an optional question out. "No" and "nothing" are
# not here: "what did you say?" - "nothing" is an answer worth keeping.
SKIP_WORDS = frozenset(
    {
        "skip", "skip it", "skip this", "skip this one", "skip that", "pass", "next",
        "not sure", "im not sure", "i'm not sure", "no idea", "don't know", "dont know",
        "i don't know", "i dont know", "idk", "dunno", "n/a", "na", "-", "rather not say",
        "i'd rather not say", "id rather not say", "prefer not to say", "no comment",
        "can't remember", "cant remember", "i can't remember", "i cant remember",
        "don't remember", "dont remember", "i don't remember", "i dont remember",
    }
)  # fmt: skip
# Declining one question in a sentence: skipped, never stored as the answer.
_DECLINE = re.compile(
    r"^\W*(?:i\s+)?(?:(?:really\s+)?(?:don'?t|do not|dont)\s+(?:really\s+)?(?:want|wanna|feel like)"
    r"\s+(?:to\s+)?(?:talk|say|go into|get into|answer|share|write)|(?:would|'?d)\s+rather\s+not|"
    r"prefer\s+not|not\s+comfortable\s+(?:saying|sharing|answering)|can\s+we\s+skip|"
    r"let'?s\s+skip|(?:i'?ll|i\s+will|gonna)\s+skip)",
    re.IGNORECASE,
)
# Stopping is decided on the exact words, not by the intent classifier: "calm
# enough" must stay an answer, "enough for now" must stop.
STOP_PHRASES = frozenset(
    {
        "stop", "stop it", "stop this", "stop please", "please stop", "cancel", "cancel that",
        "cancel this", "cancel it", "quit", "exit", "end this", "never mind", "nevermind",
        "forget it", "i want to stop", "let's stop", "lets stop", "let's stop here",
        "can we stop", "not now", "maybe later", "enough for now", "i'll finish it later",
        "ill finish it later", "stop asking me questions", "actually cancel",
        "actually no cancel", "actually no, cancel", "no cancel", "no, cancel", "cancel it all",
        "i'm done", "im done", "i am done", "done for now", "stop the form", "forget this",
    }
)  # fmt: skip
# The same, said in more words: "ok i'll stop here", "that's enough for today".
_STOP = re.compile(
    r"^(?:(?:ok|okay|actually|um+|hmm+|sorry|no|nah|right)\W+)*(?:(?:can we|can i|let'?s|i want "
    r"to|i wanna|i'?ll|i'?d like to|i need to|gonna|going to)\s+)?(?:stop|quit|end|finish|leave)"
    r"(?:\s+(?:it|this|that|here|now|there|for now|for today|for tonight|the form|it there|"
    r"it here|please))*$|^(?:ok\W+)?that'?s enough(?: for (?:now|today|tonight))?$",
    re.IGNORECASE,
)
_SKIP_REST = re.compile(
    r"\bskip\s+(?:the\s+)?(?:rest|remaining|others|everything else|all the rest)\b|"
    r"\bthat'?s\s+(?:all|enough|it)\b.*\b(?:save|for now)\b",
    re.IGNORECASE,
)
_COMPLAINT = re.compile(
    r"\b(?:(?:so|too|a lot of|lots of|loads of|this many|that many|how many more|so many more)"
    r"\s+(?:many\s+)?questions|how\s+(?:many|much)\s+(?:more|longer|left)|"
    r"(?:this|it)\s+(?:is|'s)\s+(?:taking\s+)?(?:so\s+|too\s+|really\s+)?(?:long|forever|ages|"
    r"a lot|too much|tedious|exhausting|annoying)|taking\s+(?:forever|ages|so long)|"
    r"are\s+we\s+(?:nearly\s+|almost\s+)?(?:done|finished)(?:\s+yet)?|is\s+this\s+(?:nearly\s+)?"
    r"(?:over|done)|why\s+so\s+many)\b",
    re.IGNORECASE,
)
_FILLERS = frozenset(
    {
        "", "hmm", "hm", "hmmm", "hmmmm", "mm", "mmm", "um", "umm", "uh", "uhh", "er", "erm",
        "huh", "eh", "ah", "oh", "?", "??", "???", "...", "..", ".", "lol", "haha", "ha",
        "what", "wut", "wat", "sorry", "pardon", "sorry what", "come again", "wait",
        "hang on", "hold on", "one sec", "1 sec", "brb", "ugh", "meh", "idc",
    }
)  # fmt: skip
_CONTINUE = frozenset(
    {"keep going", "continue", "go on", "carry on", "let's keep going", "lets keep going",
     "let's continue", "lets continue", "ok keep going", "okay keep going", "keep asking"}
)  # fmt: skip
_KEEP = frozenset(
    {"keep", "keep it", "keep that", "keep that one", "keep this one", "keep the old one",
     "same", "same as before", "same as last time", "as before", "no change", "no changes",
     "unchanged", "leave it", "leave it as it is", "leave that", "still the same",
     "that's still right", "thats still right", "still right", "that's fine as it is"}
)  # fmt: skip
# Keeping an earlier answer in a few more words: "keep that one too", "still the same".
_KEEP_SAID = re.compile(
    r"^(?:(?:yes|yeah|yep|ok|okay|no|nah)\W+)*(?:(?:just|please)\s+)?(?:keep\s+(?:it|that|this|"
    r"those|them|the old(?: one)?|that one|this one|the same|as is|what (?:i|it) (?:said|had|was))"
    r"(?:\s+(?:too|please|thanks|one|as is|the same|then))*|"
    r"(?:that'?s|thats|it'?s|its)?\s*(?:still\s+)?(?:the\s+)?same(?:\s+as\s+(?:before|"
    r"last time|it was))?(?:\s+(?:still|please|thanks))?|(?:leave|keep) (?:it|that|as is)\b.{0,15}|"
    r"no change\w*(?: there| to that)?|(?:that'?s|thats) still (?:true|right|the same)|"
    r"unchanged|as is)$",
    re.IGNORECASE,
)
# A short "no" to an optional question that asks for more.
_DECLINE_SHORT = frozenset(
    {"no", "nope", "nah", "no thanks", "no thank you", "not really", "no not really",
     "nothing to add", "nothing else", "not right now", "no, not really", "nah not really"}
)  # fmt: skip
# Agreement words: an answer to a yes/no question, noise to any other.
_ACKS = frozenset({"ok", "okay", "k", "kk", "okk", "ok then", "alright", "right", "sure", "yes"})
# Opening words that do not change what the message is: "wait, actually what does...".
_LEAD = re.compile(
    r"^(?:\W|wait|actually|sorry|um+|uh+|erm|hmm+|hang on|hold on|ok(?:ay)?|so|but|and|oh|"
    r"quick question|just|hey|one thing|before that|first)+(?=\b)",
    re.IGNORECASE,
)
_ASKED = re.compile(
    r"^(?:what|what's|whats|wat|how|why|when|where|who|which|is|are|can|could|does|do|did|"
    r"should|would|will|tell me|explain|what do you mean|meaning of)\b",
    re.IGNORECASE,
)
# A question about the form, the assistant or IPT rather than part of an account.
_ABOUT_US = re.compile(
    r"\b(?:mean|means|meant|meaning|ipt|therapy|therapist|counsell?ing|interpersonal|"
    r"communication analysis|problem areas?|role (?:dispute|transition)s?|grief|deficits?|"
    r"this question|these questions|this form|the form|the question|are you|do you|can you|"
    r"will you|would you|who sees|who can see|is this|what counts|what is a|what's a|"
    r"example|private|stored|saved|you need|you want|for you)\b",
    re.IGNORECASE,
)
# At a quoted exchange, only these make a question one for us.
_ABOUT_WORDS = re.compile(r"\b(?:mean|meaning|ipt|communication analysis|do you)\b", re.I)
_WHY = re.compile(
    r"^(?:why|how come|what for|what's (?:that|this) for|whats (?:that|this) for)\b"
    r"(?:.*\b(?:ask|asking|need|want|know|matter|important)\b)?\W*$|"
    r"^why do you (?:need|want|ask)|^why (?:does|would) (?:that|it) matter",
    re.IGNORECASE,
)
# Asking what the question means: its reason and the question again answer it.
_CLARIFY = re.compile(
    r"^(?:what do you mean|what does that mean|meaning|like what|such as|for example|"
    r"example|what kind of (?:thing|answer)s?)\W*(?:by\s+(?:that|this|it|\w+))?\W*$",
    re.IGNORECASE,
)
# Reported speech: a question inside it is what someone said, not one for us.
_QUOTED = re.compile(
    r"[\"\u201c\u201d]|\b(?:said|says|asked|asks|told|tells|yelled|shouted|went|goes|texted|"
    r"replied|answered|screamed|like,)\b",
    re.IGNORECASE,
)

# Another task, named while a form is open, and what starts it.
SWITCH_TARGETS: dict[str, re.Pattern[str]] = {
    "stop_reminders": re.compile(
        r"\b(?:stop|cancel|end|turn off|switch off|no more|don'?t want(?: any)?)\s+"
        r"(?:the\s+|my\s+|these\s+|those\s+)?reminders?\b",
        re.IGNORECASE,
    ),
    "checkin": re.compile(
        r"\b(?:mood\s*check[\s-]*in|check[\s-]*in|log\s+(?:my\s+|a\s+)?mood|rate\s+my\s+mood|"
        r"(?:a|my)\s+mood\s+(?:rating|entry|check))\b",
        re.IGNORECASE,
    ),
    "incident": re.compile(
        r"\b(?:log|record|write down|note)\s+(?:an?\s+|the\s+)?(?:incident|something that "
        r"happened|what happened|an? (?:fight|argument|row))\b|\blog\s+an?\s+incident\b",
        re.IGNORECASE,
    ),
    "safety_plan": re.compile(r"\bsafety\s+plan\b", re.IGNORECASE),
    "reminder": re.compile(
        r"\b(?:remind me|set (?:up )?(?:a |my )?reminders?|(?:a|daily) reminder)\b", re.IGNORECASE
    ),
    "entries": re.compile(
        r"\b(?:(?:show|see|list|view|read)\s+(?:me\s+)?(?:all\s+)?my\s+(?:entries|journal|log)|"
        r"my entries)\b",
        re.IGNORECASE,
    ),
}
# Saying that this is instead of the form, not part of an answer.
_INSTEAD = re.compile(
    r"\b(?:instead|rather)\b|^\W*(?:(?:actually|wait|nah|hmm+|um+|forget (?:this|that|it)|"
    r"never ?mind)\W+)*(?:actually|can (?:i|we)|could (?:i|we)|i (?:just |really )?(?:want|wanna|"
    r"need) to|i'?d (?:just )?like to|i would like to|let'?s|let me)\b",
    re.IGNORECASE,
)
# The words of a request that opened the form, never part of a field:
# "log an incident: my boss shouted at me" keeps "my boss shouted at me".
_COMMAND = re.compile(
    r"^\W*(?:(?:i\s+(?:want|would like|need|wanna)\s+to|can\s+i|let\s+me|please|pls)\s+)?"
    r"(?:log|record|write down|note down|add|save)\s+(?:an?\s+|my\s+|the\s+)?"
    r"(?:incident|entry|mood(?:\s+check[\s-]*in)?|check[\s-]*in|something(?:\s+that\s+happened)?|"
    r"what happened)\b(?:\s+(?:about|with|for))?\s*[:,.\-\u2013\u2014]*\s*",
    re.IGNORECASE,
)


def phrase(text: str) -> str:
    """A short reply as the phrase lists spell it: lower case, straight apostrophes,
    single spaces, no closing punctuation."""
    return " ".join(text.lower().replace("\u2019", "'").split()).strip(" .!")


def is_stop(text: str) -> bool:
    return phrase(text) in STOP_PHRASES


def is_skip(text: str) -> bool:
    return phrase(text) in SKIP_WORDS


def without_command(text: str) -> str:
    """The text with the request that opened the form taken off its front."""
    return _COMMAND.sub("", text, count=1).strip()


def switch_target(text: str, current: str | None = None) -> str | None:
    """The task asked for instead of the form `current`, if the message asks for one.

    Naming a task is not enough ("I did a mood check-in at lunch" answers "what did
    you do afterwards?"): the message must say it is instead of this, or be little
    more than the request itself. Stopping reminders needs neither."""
    for target, pattern in SWITCH_TARGETS.items():
        found = pattern.search(text)
        if found is None or target == current:
            continue
        if target == "stop_reminders":
            return target
        rest = (text[: found.start()] + " " + text[found.end() :]).split()
        if _INSTEAD.search(text) or len(rest) <= 3:
            return target
    return None


def _leading_off(text: str) -> str:
    return _LEAD.sub("", text.strip(), count=1).strip(" ,.-")


def is_question_for_us(text: str, kind: Kind) -> bool:
    """Put as a question to the assistant, about IPT, the form or the question."""
    core = _leading_off(text)
    asked = bool(_ASKED.match(core)) or core.rstrip().endswith("?")
    if not asked:
        return False
    if kind is Kind.SPEECH or _QUOTED.search(text):
        # At "what did they say?" a question is most often the quote itself.
        return bool(
            re.search(r"\b(?:mean|meaning|ipt|communication analysis|do you)\b", text, re.I)
        )
    if kind in (Kind.DATE, Kind.MOOD, Kind.AREA, Kind.YES_NO, Kind.TIME, Kind.CONFIRM):
        # No account is told in a question at these; "how would I know?" is for us too.
        return True
    return bool(_ABOUT_US.search(core))


def judge(text: str, kind: Kind, *, current: str | None = None) -> Verdict:
    """What the reply `text` to a question of kind `kind` is; `current` names the
    form's own task ("incident"), which is never a switch."""
    said = phrase(text)
    if said in STOP_PHRASES or _STOP.match(said):
        return Verdict(Reply.STOP)
    if _SKIP_REST.search(text):
        return Verdict(Reply.SKIP_REST)
    if (said in SKIP_WORDS and kind is not Kind.AREA) or _DECLINE.match(text):
        # "Not sure" is one of the answers the problem-area question offers.
        return Verdict(Reply.SKIP)
    if said in _CONTINUE:
        return Verdict(Reply.CONTINUE)
    if said in _KEEP or _KEEP_SAID.match(said):
        return Verdict(Reply.KEEP)
    target = switch_target(text, current)
    if target is not None:
        return Verdict(Reply.SWITCH, target)
    core = phrase(_leading_off(text))
    if said in _FILLERS or (core and core in _FILLERS):
        return Verdict(Reply.FILLER)
    if said in _DECLINE_SHORT and kind in (Kind.TEXT, Kind.FEELING):
        # "Anything you want to note?" - "nope": nothing to keep, not a note saying "nope".
        return Verdict(Reply.SKIP)
    if said in _ACKS and kind not in (Kind.SPEECH, Kind.FEELING, Kind.YES_NO, Kind.CONFIRM):
        # "ok" answers "is that okay?" and may be what someone said, not who it was.
        return Verdict(Reply.FILLER)
    if _COMPLAINT.search(text):
        return Verdict(Reply.COMPLAINT)
    if _WHY.match(_leading_off(text)) or _CLARIFY.match(_leading_off(text)):
        return Verdict(Reply.WHY)
    if is_question_for_us(text, kind):
        return Verdict(Reply.QUESTION)
    if kind is not Kind.YES_NO and kind is not Kind.CONFIRM and not without_command(text):
        # Only the request again ("log an incident"): nothing to keep.
        return Verdict(Reply.FILLER)
    return Verdict(Reply.ANSWER)
