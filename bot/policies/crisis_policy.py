"""A fixed, untrained policy for the turn after a crisis message.

Whatever else is going on (a form half filled, a question pending), the turn
after a `crisis_*` intent is always:

    utter_crisis_<category>      the lines, sent by the Rasa server itself
    action_deactivate_loop       only if a form was active: it stops, unsaved
    action_record_crisis         stores the event (action server; may fail)
    utter_check_safe             "Are you safe right now?"
    action_listen

Nothing is learned, so no training data can change this, and the lines are a
plain response, so they go out even when the action server is down (a failed
custom action is logged by Rasa and the turn goes on).
"""

from __future__ import annotations

from typing import Any

from rasa.core.policies.policy import Policy, PolicyPrediction, SupportedData
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.shared.core.constants import ACTION_DEACTIVATE_LOOP_NAME, ACTION_LISTEN_NAME
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, UserUttered
from rasa.shared.core.generator import TrackerWithCachedStates
from rasa.shared.core.trackers import DialogueStateTracker

from bot.crisis import category_of

RECORD_ACTION = "action_record_crisis"
CHECK_IN = "utter_check_safe"


def crisis_turn(category: str, form_active: bool) -> list[str]:
    """The actions that answer a crisis message, in order."""
    steps = [f"utter_crisis_{category}"]
    if form_active:
        steps.append(ACTION_DEACTIVATE_LOOP_NAME)
    return [*steps, RECORD_ACTION, CHECK_IN, ACTION_LISTEN_NAME]


def next_crisis_action(tracker: DialogueStateTracker) -> str | None:
    """The next action of the crisis turn, or None when this is not a crisis turn."""
    events = list(tracker.events)
    user_index = next(
        (i for i in range(len(events) - 1, -1, -1) if isinstance(events[i], UserUttered)),
        None,
    )
    if user_index is None:
        return None
    category = category_of(events[user_index].intent_name)
    if category is None:
        return None
    done = [
        event.action_name for event in events[user_index + 1 :] if isinstance(event, ActionExecuted)
    ]
    form_was_active = tracker.active_loop_name is not None or ACTION_DEACTIVATE_LOOP_NAME in done
    for step in crisis_turn(category, form_was_active):
        if step not in done:
            return step
    return None


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
