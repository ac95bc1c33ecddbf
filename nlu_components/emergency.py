"""Immediate danger wins over every intent: the `emergency` intent, set from bot/emergency.py.

Last in the pipeline, after the classifiers and the topic fallback: whatever the NLU thought
("mon père est tombé" looks like an APA question), a message describing immediate danger becomes
the `emergency` intent with the situation as the `emergency_situation` entity, and the dialogue's
rules answer it before any topic logic, clarifying question or form. The decision is the core's;
this component only carries it. It also puts back the citizen's own words as the message text
(see nlu_components/normalizer.py).
"""

from __future__ import annotations

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.shared.nlu.constants import (
    ENTITIES,
    INTENT,
    INTENT_NAME_KEY,
    INTENT_RANKING_KEY,
    PREDICTED_CONFIDENCE_KEY,
    TEXT,
)
from rasa.shared.nlu.training_data.message import Message

from bot.emergency import detect
from nlu_components.normalizer import ORIGINAL_TEXT, StatelessComponent

EMERGENCY_INTENT = "emergency"
SITUATION_ENTITY = "emergency_situation"


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=False)
class EmergencyClassifier(StatelessComponent):
    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            original = message.get(ORIGINAL_TEXT)
            if isinstance(original, str):
                message.set(TEXT, original)
            text = message.get(TEXT)
            emergency = detect(text) if isinstance(text, str) else None
            if emergency is not None:
                self._mark(message, emergency.id)
        return messages

    @staticmethod
    def _mark(message: Message, situation: str) -> None:
        intent = {INTENT_NAME_KEY: EMERGENCY_INTENT, PREDICTED_CONFIDENCE_KEY: 1.0}
        ranking = [
            item
            for item in message.get(INTENT_RANKING_KEY) or []
            if item.get(INTENT_NAME_KEY) != EMERGENCY_INTENT
        ]
        message.set(INTENT, intent, add_to_output=True)
        message.set(INTENT_RANKING_KEY, [intent, *ranking], add_to_output=True)
        entity = {
            "entity": SITUATION_ENTITY,
            "value": situation,
            "start": 0,
            "end": len(message.get(TEXT) or ""),
            "confidence": 1.0,
            "extractor": EmergencyClassifier.__name__,
        }
        message.set(ENTITIES, [*(message.get(ENTITIES) or []), entity], add_to_output=True)
