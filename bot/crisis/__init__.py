"""Crisis safety: the crisis lines, the deterministic detector, and the replies.

Nothing here needs the action server or a database, so that the crisis reply
still reaches the client when either is down (see docs/crisis-protocol.md).
"""

# Every category has its own reply (utter_crisis_<category>) and NLU intent
# (crisis_<category>). The order is the order of precedence when one message
# matches several: the most urgent first.
CATEGORIES: tuple[str, ...] = (
    "immediate_danger",
    "overdose",
    "suicide",
    "self_harm",
    "harm_others",
    "sexual_assault",
    "abuse",
    "eating_disorder",
    "substance_use",
)
# Asking for the lines outright ("help", "SOS", the quick-reply button).
HELP = "help"
INTENT_PREFIX = "crisis_"


def intent_for(category: str) -> str:
    return INTENT_PREFIX + category


# The reply for a category is the domain response utter_crisis_<category>.
REPLY_PREFIX = "utter_crisis_"


def reply_for(category: str) -> str:
    return REPLY_PREFIX + category


def category_of_reply(response: str | None) -> str | None:
    """The category an `utter_crisis_<category>` response answers, else None."""
    if not response or not response.startswith(REPLY_PREFIX):
        return None
    return response[len(REPLY_PREFIX) :]


def category_of(intent: str | None) -> str | None:
    """The crisis category an intent stands for, or None for any other intent."""
    if not intent or not intent.startswith(INTENT_PREFIX):
        return None
    category = intent[len(INTENT_PREFIX) :]
    return category if category in CATEGORIES or category == HELP else None


CRISIS_INTENTS: tuple[str, ...] = (*map(intent_for, CATEGORIES), intent_for(HELP))
