"""A Rasa NLU component: a message that is only a binding code means "bind".

Staff hand students an 8-character code (``K7PQ-M2XA``). Students often paste just
the code; no statistical classifier can learn every random code, so this component
sets the intent to ``bind`` with full confidence when the whole message is one, and
adds the ``bind_code`` entity.
"""

from __future__ import annotations

import re
from typing import List

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.shared.nlu.constants import ENTITIES, INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message

from gradbot.nlu.base import StatelessComponent

# Looser than the codes staff issue (gradbot.cases.binding.ALPHABET has no 0/1/I/L/O) on
# purpose: a mistyped code still reaches action_bind, which says "wrong code" and counts the
# attempt, instead of being refused as out of scope.
CODE_ONLY = re.compile(r"^\s*([A-Za-z0-9]{4})[-\s]?([A-Za-z0-9]{4})\s*$")


def code_in(text: str) -> str | None:
    """The code if ``text`` is only a binding code (≥2 digits and ≥2 letters), else None."""
    match = CODE_ONLY.match(text or "")
    if not match:
        return None
    code = (match.group(1) + match.group(2)).upper()
    digits = sum(c.isdigit() for c in code)
    return code if digits >= 2 and len(code) - digits >= 2 else None


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=False)
class BindCodeDetector(StatelessComponent):
    """Overrides the intent with ``bind`` for messages that are only a binding code."""

    def process(self, messages: List[Message]) -> List[Message]:
        """Set intent ``bind`` and entity ``bind_code`` on code-only messages."""
        for message in messages:
            code = code_in(message.get(TEXT) or "")
            if code is None:
                continue
            message.set(INTENT, {"name": "bind", "confidence": 1.0}, add_to_output=True)
            ranking = [r for r in message.get(INTENT_RANKING_KEY) or [] if r.get("name") != "bind"]
            message.set(INTENT_RANKING_KEY, [{"name": "bind", "confidence": 1.0}] + ranking, add_to_output=True)
            entity = {"entity": "bind_code", "value": code, "start": 0, "end": len(message.get(TEXT)), "extractor": self.__class__.__name__}
            message.set(ENTITIES, (message.get(ENTITIES) or []) + [entity], add_to_output=True)
        return messages
