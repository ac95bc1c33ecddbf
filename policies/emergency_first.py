"""Immediate danger before anything else, even inside a form.

Rasa's RulePolicy lets an active form run before any rule: a form whose slots take any text
(a name, a commune) would store "elle ne respire plus" as a name. This policy ranks above it: on
the `emergency` intent (nlu_components/emergency.py) it predicts `action_emergency`, then closes
an active form, then waits for the citizen. It predicts nothing otherwise.
"""

from __future__ import annotations

from typing import Any

from rasa.core.constants import POLICY_PRIORITY, RULE_POLICY_PRIORITY
from rasa.core.policies.policy import Policy, PolicyPrediction
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.shared.core.constants import ACTION_LISTEN_NAME
from rasa.shared.core.domain import Domain
from rasa.shared.core.generator import TrackerWithCachedStates
from rasa.shared.core.trackers import DialogueStateTracker

EMERGENCY_INTENT = "emergency"
EMERGENCY_ACTION = "action_emergency"
DEACTIVATE_LOOP = "action_deactivate_loop"


def next_action(
    latest_action: str | None,
    previous_action: str | None,
    intent: str | None,
    active_loop: str | None,
) -> str | None:
    """The action that must come next on an emergency, or None (other policies decide)."""
    if latest_action == ACTION_LISTEN_NAME and intent == EMERGENCY_INTENT:
        return EMERGENCY_ACTION
    if latest_action == EMERGENCY_ACTION:
        return DEACTIVATE_LOOP if active_loop else ACTION_LISTEN_NAME
    if latest_action == DEACTIVATE_LOOP and previous_action == EMERGENCY_ACTION:
        return ACTION_LISTEN_NAME
    return None


def _actions(tracker: DialogueStateTracker) -> list[str]:
    return [
        event.action_name
        for event in tracker.applied_events()
        if getattr(event, "action_name", None) and event.type_name == "action"
    ]


@DefaultV1Recipe.register(
    DefaultV1Recipe.ComponentType.POLICY_WITHOUT_END_TO_END_SUPPORT, is_trainable=True
)
class EmergencyFirstPolicy(Policy):
    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {POLICY_PRIORITY: RULE_POLICY_PRIORITY + 1}

    def train(
        self,
        training_trackers: list[TrackerWithCachedStates],
        domain: Domain,
        **kwargs: Any,
    ) -> Resource:
        with self._model_storage.write_to(self._resource):
            pass  # nothing to learn: the resource only has to exist for loading
        return self._resource

    def predict_action_probabilities(
        self,
        tracker: DialogueStateTracker,
        domain: Domain,
        rule_only_data: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> PolicyPrediction:
        actions = _actions(tracker)
        action = next_action(
            actions[-1] if actions else None,
            actions[-2] if len(actions) > 1 else None,
            tracker.latest_message.intent.get("name") if tracker.latest_message else None,
            tracker.active_loop_name,
        )
        probabilities = self._default_predictions(domain)
        if action is None:
            return self._prediction(probabilities)
        probabilities[domain.index_for_action(action)] = 1.0
        # A form's own next step is a "no user" prediction, which outranks every other kind:
        # this one must be of the same kind to win on priority.
        return self._prediction(probabilities, is_no_user_prediction=True)
