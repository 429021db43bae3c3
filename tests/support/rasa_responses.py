"""What an action sent through rasa_sdk's ``CollectingDispatcher``, as the student reads it:
texts as they are, and ``domain.yml`` responses filled with their values the way Rasa's
templated NLG fills them (first variation; the responses here have no conditions)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any, Iterable

import yaml
from rasa.core.nlg.interpolator import interpolate_text

DOMAIN = Path(__file__).resolve().parents[2] / "domain.yml"
_MESSAGE_KEYS = {"text", "buttons", "elements", "custom", "template", "response", "image", "attachment"}


@lru_cache(maxsize=1)
def responses() -> dict[str, list[dict[str, Any]]]:
    """The responses of the project's ``domain.yml``."""
    return yaml.safe_load(DOMAIN.read_text(encoding="utf-8"))["responses"]


def rendered_texts(messages: Iterable[dict[str, Any]]) -> list[str]:
    """Every text the student would see; a response missing from ``domain.yml`` raises KeyError."""
    texts = []
    for message in messages:
        if message.get("text"):
            texts.append(message["text"])
        elif message.get("response"):
            variation = responses()[message["response"]][0]
            values = {key: value for key, value in message.items() if key not in _MESSAGE_KEYS}
            texts.append(interpolate_text(variation["text"], values))
    return texts
