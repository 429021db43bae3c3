"""The trained NLU model in this process, for classification only (no dialogue, no actions)."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from gradbot.settings import get_settings
from gradbot.training import latest_model


class NluModel:
    """Classify texts with a trained Rasa model."""

    def __init__(self, agent: Any) -> None:
        self._agent = agent

    @classmethod
    def load(cls, model: Path) -> "NluModel":
        from rasa.core.agent import Agent

        return cls(Agent.load(str(model)))

    @classmethod
    def load_latest(cls) -> "NluModel | None":
        """The newest model in ``models/``, or None when none is trained."""
        model = latest_model(get_settings().models_dir)
        return cls.load(model) if model else None

    def parse(self, text: str) -> dict[str, Any]:
        """Rasa's parse result (intent, intent_ranking, entities)."""
        return asyncio.run(self._agent.parse_message(text))

    def classify(self, text: str) -> tuple[str, float]:
        """The top intent and its confidence."""
        intent = self.parse(text).get("intent") or {}
        return str(intent.get("name")), float(intent.get("confidence") or 0.0)
