"""An explicit request for a person wins over the topic of the same message.

"je veux qu'un conseiller me rappelle pour la bourse de collège de ma fille" is a request for a
callback about the bourse, not a question about the bourse; DIET reads the topic words and
answers with the fiche. After the classifiers, this component reads the request
(bot.callback.wants_callback), makes the intent `ask_human`, keeps the topic named as a `topic`
entity and the topic intent DIET found in `callback_request`, for the ticket.
"""

from __future__ import annotations

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.nlu.classifiers.classifier import IntentClassifier
from rasa.shared.nlu.constants import (
    ENTITIES,
    INTENT,
    INTENT_NAME_KEY,
    INTENT_RANKING_KEY,
    TEXT,
)
from rasa.shared.nlu.training_data.message import Message

from bot.callback import wants_callback
from bot.routing import topic_in_text, topic_of
from nlu_components.normalizer import StatelessComponent

REQUEST_INTENT = "ask_human"
OUTPUT_KEY = "callback_request"
GUESS_CONFIDENCE = 0.6  # as actions/handoff.py trusts the request's intent
# Intents a request for a person must not hide: an emergency is answered first, a cancel or a
# refusal ("je ne veux pas être rappelé") is no request, "vous êtes une vraie personne ?" asks
# what the assistant is.
KEEP = frozenset({"emergency", "cancel", "deny", "goodbye", "bot_challenge"})


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=False)
class CallbackRequestClassifier(StatelessComponent, IntentClassifier):
    @classmethod
    def required_components(cls) -> list[type]:
        return [IntentClassifier]

    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            self._process(message)
        return messages

    def _process(self, message: Message) -> None:
        text = message.get(TEXT) or ""
        intent = (message.get(INTENT) or {}).get(INTENT_NAME_KEY)
        if not text or text.startswith("/") or intent in KEEP or not wants_callback(text):
            return
        ranking = [
            item
            for item in message.get(INTENT_RANKING_KEY) or []
            if item.get(INTENT_NAME_KEY) not in (None, "nlu_fallback")
        ]
        named = topic_in_text(text)
        topical = next(
            (
                item
                for item in ranking
                if topic_of(item[INTENT_NAME_KEY])
                and (named is None or topic_of(item[INTENT_NAME_KEY]) == named)
            ),
            None,
        )
        # With every intent ranked, some topic intent always comes first: when the message names
        # no topic, only a clear one counts, else the conversation's topic is kept.
        if named is None and topical and float(topical.get("confidence") or 0.0) < GUESS_CONFIDENCE:
            topical = None
        topic = named or (topic_of(topical[INTENT_NAME_KEY]) if topical else None)
        request = {
            "intent": topical[INTENT_NAME_KEY] if topical else None,
            "confidence": float(topical.get("confidence") or 0.0) if topical else None,
            "topic": topic,
        }
        message.set(OUTPUT_KEY, request, add_to_output=True)
        message.set(
            INTENT, {INTENT_NAME_KEY: REQUEST_INTENT, "confidence": 1.0}, add_to_output=True
        )
        if topic:
            entities = [e for e in message.get(ENTITIES) or [] if e.get("entity") != "topic"]
            entities.append(
                {
                    "entity": "topic",
                    "value": topic,
                    "start": 0,
                    "end": len(text),
                    "extractor": type(self).__name__,
                }
            )
            message.set(ENTITIES, entities, add_to_output=True)
