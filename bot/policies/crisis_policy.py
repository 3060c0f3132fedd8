"""A fixed, untrained policy for the turn after a crisis message.

Whatever else is going on (a form half filled, a question pending), the turn
after a `crisis_*` intent is always:

    utter_crisis_<category>      the lines, sent by the Rasa server itself
    action_deactivate_loop       only if a form was active: it stops, unsaved
    action_record_crisis         stores the event (action server; may fail)
    utter_check_safe             "Are you safe right now?"
    action_listen

When the NLU is not sure (intent `risk_check`, bot/crisis/graded.py), the turn is:

    utter_risk_check_<category>  a direct question, the lines under it
    action_deactivate_loop       only if a form was active: it pauses, kept
    action_record_crisis         stores an "uncertain" event
    action_listen

and the answer decides the next turn: "yes" (or unsure, or another uncertain
message) gets the full crisis turn above; "no" gets thanks, anything else a
word that the lines stay there, and then a paused form carries on from its
question: it is run again, so the answer to the check never fills one of its
slots. After "Are you safe right now?", "No" gets `utter_not_safe`: the
emergency number first, the safety plan offered, and no second question.

When the client tells of someone else's risk (intent `risk_someone_else`), the
turn is how to help, with the lines, a "someone_else" event for the therapist,
and then the client carries on: an active form asks its question again (it runs
after a response, not after the client's message, so the message never fills
one of its slots):

    utter_someone_else_<category>
    action_record_crisis         stores a "someone_else" event
    <the active form> or action_listen

Nothing is learned, so no training data can change this, and the lines are a
plain response, so they go out even when the action server is down (a failed
custom action is logged by Rasa and the turn goes on).
"""

from __future__ import annotations

import functools
from typing import Any

from rasa.core.policies.policy import Policy, PolicyPrediction, SupportedData
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.shared.core.constants import ACTION_DEACTIVATE_LOOP_NAME, ACTION_LISTEN_NAME
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, ActiveLoop, Event, UserUttered
from rasa.shared.core.generator import TrackerWithCachedStates
from rasa.shared.core.trackers import DialogueStateTracker

from bot.crisis import category_of, reply_for
from bot.crisis.graded import (
    CHECK_INTENT,
    CONFIRMED_INTENT,
    DENIED_INTENT,
    DENIED_RESPONSE,
    NOT_SAFE_RESPONSE,
    SOMEONE_ELSE_INTENT,
    UNCLEAR_RESPONSE,
    AnswerReader,
    category_of_check,
    check_response,
    someone_else_response,
)
from bot.crisis.replies import load_wording

RECORD_ACTION = "action_record_crisis"
CHECK_IN = "utter_check_safe"
NOT_SAFE_INTENT = "not_safe"


def _turn(reply: str, form_active: bool, *rest: str) -> list[str]:
    """`reply`, then an open form stopped, the record, then `rest`."""
    stop = [ACTION_DEACTIVATE_LOOP_NAME] if form_active else []
    return [reply, *stop, RECORD_ACTION, *rest]


def crisis_turn(category: str, form_active: bool) -> list[str]:
    """The actions that answer a crisis message, in order."""
    return _turn(reply_for(category), form_active, CHECK_IN, ACTION_LISTEN_NAME)


def check_turn(category: str, form_active: bool) -> list[str]:
    """The actions that answer an uncertain message, in order."""
    return _turn(check_response(category), form_active, ACTION_LISTEN_NAME)


def _last_user_index(events: list[Event]) -> int | None:
    return next(
        (i for i in range(len(events) - 1, -1, -1) if isinstance(events[i], UserUttered)), None
    )


# Steps of a turn that say nothing to the client.
_SILENT = (ACTION_LISTEN_NAME, RECORD_ACTION, ACTION_DEACTIVATE_LOOP_NAME)


def _answered(events: list[Event], user_index: int) -> tuple[str | None, int | None]:
    """The assistant's last utterance before the client's message, and where it was."""
    for i in range(user_index - 1, -1, -1):
        event = events[i]
        if isinstance(event, UserUttered):
            return None, None
        if isinstance(event, ActionExecuted) and event.action_name not in _SILENT:
            return event.action_name, i
    return None, None


def _paused_form(events: list[Event], check_index: int) -> str | None:
    """The form that the check question at `check_index` paused, if it paused one."""
    paused = any(
        isinstance(event, ActionExecuted) and event.action_name == ACTION_DEACTIVATE_LOOP_NAME
        for event in events[check_index:]
    )
    if not paused:
        return None
    for event in reversed(events[:check_index]):
        if isinstance(event, ActiveLoop):
            return event.name
    return None


class CrisisTurns:
    """Which action comes next in a crisis, graded or not, or None when none is due."""

    def __init__(self, reader: AnswerReader) -> None:
        self.reader = reader

    @classmethod
    def load(cls) -> CrisisTurns:
        return cls(AnswerReader(load_wording()["check"]["answers"]))

    def steps(
        self,
        events: list[Event],
        user_index: int,
        form_was_active: bool,
        active_form: str | None = None,
    ) -> list[str]:
        """The whole turn that answers the client's message at `user_index` ([] for none)."""
        message = events[user_index]
        category = category_of(message.intent_name)
        if category is not None:
            return crisis_turn(category, form_was_active)
        if message.intent_name == SOMEONE_ELSE_INTENT:
            category = (message.parse_data.get("crisis") or {}).get("category")
            if category is None:
                return []
            return [
                someone_else_response(category),
                RECORD_ACTION,
                active_form or ACTION_LISTEN_NAME,
            ]
        asked, asked_index = _answered(events, user_index)
        checked = category_of_check(asked)
        if message.intent_name == CHECK_INTENT:
            category = (message.parse_data.get("crisis") or {}).get("category") or checked
            if category is None:
                return []
            if checked:
                # Unsure twice running: no second question.
                return crisis_turn(category, form_was_active)
            return check_turn(category, form_was_active)
        if asked == CHECK_IN and message.intent_name == NOT_SAFE_INTENT:
            return [NOT_SAFE_RESPONSE, RECORD_ACTION, ACTION_LISTEN_NAME]
        if checked is None or asked_index is None:
            return []
        answer = {CONFIRMED_INTENT: "yes", DENIED_INTENT: "no"}.get(
            message.intent_name or ""
        ) or self.reader.read(message.text or "")
        if answer == "yes":
            return crisis_turn(checked, form_was_active)
        form = _paused_form(events, asked_index)
        reply = DENIED_RESPONSE if answer == "no" else UNCLEAR_RESPONSE
        return [reply, form] if form else [reply, ACTION_LISTEN_NAME]

    def next_action(self, tracker: DialogueStateTracker) -> str | None:
        events = list(tracker.events)
        user_index = _last_user_index(events)
        if user_index is None:
            return None
        done = [
            event.action_name
            for event in events[user_index + 1 :]
            if isinstance(event, ActionExecuted)
        ]
        form_was_active = (
            tracker.active_loop_name is not None or ACTION_DEACTIVATE_LOOP_NAME in done
        )
        for step in self.steps(events, user_index, form_was_active, tracker.active_loop_name):
            if step not in done:
                return step
        return None


@functools.lru_cache(maxsize=1)
def shared_turns() -> CrisisTurns:
    return CrisisTurns.load()


def next_crisis_action(tracker: DialogueStateTracker) -> str | None:
    """The next action of the crisis turn, or None when this is not a crisis turn."""
    return shared_turns().next_action(tracker)


@DefaultV1Recipe.register(
    [DefaultV1Recipe.ComponentType.POLICY_WITHOUT_END_TO_END_SUPPORT], is_trainable=False
)
class CrisisPolicy(Policy):
    @staticmethod
    def get_default_config() -> dict[str, Any]:
        # Above RulePolicy (6): this policy must win every tie.
        return {"priority": 7}

    @staticmethod
    def supported_data() -> SupportedData:
        return SupportedData.ML_AND_RULE_DATA

    def train(
        self, training_trackers: list[TrackerWithCachedStates], domain: Domain, **kwargs: Any
    ) -> Resource:
        return self._resource

    def predict_action_probabilities(
        self,
        tracker: DialogueStateTracker,
        domain: Domain,
        rule_only_data: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> PolicyPrediction:
        action = next_crisis_action(tracker)
        probabilities = self._default_predictions(domain)
        if action is None:
            return self._prediction(probabilities)
        probabilities[domain.index_for_action(action)] = 1.0
        # Rasa's ensemble lets an active form's "happy path" prediction (flagged
        # no-user) overrule every other policy. The crisis turn must overrule the
        # form, so it carries the same flag and wins on priority.
        return self._prediction(probabilities, is_no_user_prediction=True)

    def persist(self) -> None:
        """Nothing to store: the policy has no learned state."""
