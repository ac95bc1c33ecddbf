"""SMS spelling and typos rewritten before the tokenizer (bot/spelling.py holds the word list).

First in the pipeline: spaCy, the featurizers and the classifiers all see "je veux savoir combien"
for "jveu savoir cb". The citizen's own words are kept under ORIGINAL_TEXT and put back as the
message text by the last component (nlu_components/emergency.py), so the tracker, the ticket and
the conversation history show what was really typed. Only messages to parse are rewritten: the
training data stays as written.
"""

from __future__ import annotations

from typing import Any

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.spelling import normalize

ORIGINAL_TEXT = "text_original"


class StatelessComponent(GraphComponent):
    """A component with no configuration and nothing to train or persist."""

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> StatelessComponent:
        return cls()


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER, is_trainable=False)
class SpellingNormalizer(StatelessComponent):
    @staticmethod
    def _normalize(message: Message) -> None:
        text = message.get(TEXT)
        if not isinstance(text, str):
            return
        normalized = normalize(text)
        if normalized != text:
            message.set(ORIGINAL_TEXT, text)
            message.set(TEXT, normalized)

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        # The training data stays as written (it holds SMS spellings the character n-grams
        # learn from): normalising it too lost out-of-scope rejection on the held-out set,
        # normalising only what citizens send did not (issue 9, figures in the report).
        return training_data

    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            self._normalize(message)
        return messages
