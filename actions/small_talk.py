"""Greetings, thanks, goodbyes, "are you a bot?" and "what can you do?".

The texts are responses in ``domain.yml`` (``utter_<intent>`` and ``utter_<intent>_en``),
so they can be edited without code.
"""

from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.payload import latest_intent, send_payload, utter, wants_english

OUTCOMES = {"greet": "greet", "thanks": "thanks", "goodbye": "goodbye", "bot_challenge": "bot_challenge", "help": "other"}


class ActionSmallTalk(Action):
    """Reply with the response for the latest small-talk intent."""

    def name(self) -> Text:
        return "action_small_talk"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[Dict[Text, Any]]:
        intent, _ = latest_intent(tracker)
        if intent not in OUTCOMES:
            intent = "help"
        utter(dispatcher, wants_english(tracker), intent)
        send_payload(dispatcher, tracker, OUTCOMES[intent])
        return []
