"""A Rasa NLU component that normalises Chinese text before tokenisation.

Traditional characters become Simplified and full-width forms half-width (see
:func:`gradbot.textnorm.normalize`), so one model serves students typing either.
Intent triggers (texts starting with ``/``) are left untouched.
"""

from __future__ import annotations

from typing import List, Optional

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from gradbot.nlu.base import StatelessComponent
from gradbot.textnorm import normalize


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER], is_trainable=False)
class ChineseNormalizer(StatelessComponent):
    """Rewrites each message's text to Simplified, half-width, lower-case form."""

    @staticmethod
    def _normalize(message: Message) -> None:
        text: Optional[str] = message.get(TEXT)
        if text and not text.startswith("/"):
            message.set(TEXT, normalize(text))

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        """Normalise every training example."""
        for message in training_data.training_examples:
            self._normalize(message)
        return training_data

    def process(self, messages: List[Message]) -> List[Message]:
        """Normalise incoming messages."""
        for message in messages:
            self._normalize(message)
        return messages
