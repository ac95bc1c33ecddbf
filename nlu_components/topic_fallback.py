"""A fallback classifier that judges the topic, not the single intent.

Rasa's FallbackClassifier rejects a message when the best intent is below a threshold or close to
the second one. With some sixty intents, four topics and many questions that sit between two
intents of the same topic, that rejects messages whose topic is certain. This one rejects when
the summed confidence of the best intent's topic is below `threshold` (topic intents), or the best
general intent's confidence is below `general_threshold`. With a threshold above 0.5, two topics
can never both pass: an ambiguous topic is a rejection, and the dialogue asks which topic it is.
"""

from __future__ import annotations

from typing import Any

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.nlu.classifiers.fallback_classifier import FallbackClassifier
from rasa.shared.nlu.constants import INTENT, INTENT_NAME_KEY, INTENT_RANKING_KEY
from rasa.shared.nlu.training_data.message import Message

from bot.routing import group_of, group_scores, topic_of

GENERAL_THRESHOLD_KEY = "general_threshold"


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=False)
class TopicFallbackClassifier(FallbackClassifier):
    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {**FallbackClassifier.get_default_config(), GENERAL_THRESHOLD_KEY: 0.4}

    def _should_fallback(self, message: Message) -> bool:
        intent = (message.data.get(INTENT) or {}).get(INTENT_NAME_KEY)
        if not intent:
            return True
        ranking = [
            (item[INTENT_NAME_KEY], float(item.get("confidence") or 0.0))
            for item in message.data.get(INTENT_RANKING_KEY) or [message.data[INTENT]]
        ]
        scores = group_scores(ranking)
        best = scores.get(group_of(intent), 0.0)
        if topic_of(intent) is None:
            return best < self.component_config[GENERAL_THRESHOLD_KEY]
        return best < self.component_config["threshold"]
