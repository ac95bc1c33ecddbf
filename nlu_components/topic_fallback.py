"""A fallback classifier that judges the topic, not the single intent (bot/rejection.py).

Rasa's FallbackClassifier rejects a message when the best intent is below a threshold or close to
the second one; this one applies the project's rejection rule to the classifier's ranking, with
`threshold` and `general_threshold` from config.yml. A generic complex case it keeps becomes the
case of the topic the message names (bot.rejection.named_case).
"""

from __future__ import annotations

from typing import Any

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.nlu.classifiers.fallback_classifier import FallbackClassifier
from rasa.shared.nlu.constants import INTENT, INTENT_NAME_KEY, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message

from bot.rejection import RejectionRule, named_case

GENERAL_THRESHOLD_KEY = "general_threshold"


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=False)
class TopicFallbackClassifier(FallbackClassifier):
    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {**FallbackClassifier.get_default_config(), GENERAL_THRESHOLD_KEY: 0.4}

    @property
    def rule(self) -> RejectionRule:
        return RejectionRule(
            float(self.component_config["threshold"]),
            float(self.component_config[GENERAL_THRESHOLD_KEY]),
        )

    def process(self, messages: list[Message]) -> list[Message]:
        for message in super().process(messages):
            intent = message.get(INTENT) or {}
            case = named_case(intent.get(INTENT_NAME_KEY), message.get(TEXT) or "")
            if case:
                message.set(INTENT, {**intent, INTENT_NAME_KEY: case}, add_to_output=True)
        return messages

    def _should_fallback(self, message: Message) -> bool:
        intent = (message.data.get(INTENT) or {}).get(INTENT_NAME_KEY)
        if not intent:
            return True
        ranking = [
            (item[INTENT_NAME_KEY], float(item.get("confidence") or 0.0))
            for item in message.data.get(INTENT_RANKING_KEY) or [message.data[INTENT]]
        ]
        return self.rule.rejects_ranking(intent, ranking, message.get(TEXT) or "")
