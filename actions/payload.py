"""What every action reads from the tracker (intent, text, language, chat type) and the
machine-readable message that ends every reply turn (see docs/ARCHITECTURE.md)."""

from __future__ import annotations

from typing import Any, Iterable

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from gradbot.textnorm import is_mostly_english


def latest_intent(tracker: Tracker) -> tuple[str, float]:
    """The latest user message's intent name and confidence."""
    intent = (tracker.latest_message or {}).get("intent") or {}
    return str(intent.get("name") or ""), float(intent.get("confidence") or 0.0)


def latest_text(tracker: Tracker) -> str:
    """The latest user message's text ('' for none)."""
    return str((tracker.latest_message or {}).get("text") or "")


def chat_type(tracker: Tracker) -> str:
    """The Telegram chat type of the latest user message (``private``, ``group`` …), from the
    message metadata the front end sends; ``private`` when there is none (terminal chat)."""
    for event in reversed(tracker.events or []):
        if event.get("event") == "user":
            metadata = event.get("metadata") or {}
            return str(metadata.get("chat_type") or "private") if isinstance(metadata, dict) else "private"
    return "private"


def in_private_chat(tracker: Tracker) -> bool:
    """True when the latest user message came from a private chat (personal matters may be handled)."""
    return chat_type(tracker) == "private"


def utter(dispatcher: CollectingDispatcher, english: bool, name: str, **values: Any) -> None:
    """Send the ``domain.yml`` response ``utter_<name>`` (``utter_<name>_en`` for English), filling ``{values}``."""
    dispatcher.utter_message(response=f"utter_{name}_en" if english else f"utter_{name}", **values)


def latest_typed_text(tracker: Tracker) -> str:
    """The latest user text that is not a button payload or command (``/choose_faq{…}``), or ''."""
    for event in reversed(tracker.events or []):
        if event.get("event") == "user":
            text = str(event.get("text") or "")
            if text and not text.startswith("/"):
                return text
    text = latest_text(tracker)
    return "" if text.startswith("/") else text


def wants_english(tracker: Tracker) -> bool:
    """True when the student wrote in English (a binding code alone is not English).

    A button press or command keeps the language of the student's latest typed message, so
    an English student who picks an English button gets the English answer."""
    from gradbot.cases.binding import remove_codes

    text = latest_text(tracker)
    if text.startswith("/"):
        text = latest_typed_text(tracker)
    return bool(text) and is_mostly_english(remove_codes(text))


def send_payload(
    dispatcher: CollectingDispatcher,
    tracker: Tracker,
    outcome: str,
    faq_id: str | None = None,
    options: Iterable[str] = (),
) -> None:
    """Send ``{"gradbot": {...}}`` for front ends and the evaluation command."""
    intent, confidence = latest_intent(tracker)
    payload: dict[str, Any] = {
        "outcome": outcome,
        "faq_id": faq_id,
        "options": list(options),
        "intent": intent,
        "confidence": round(confidence, 4),
    }
    dispatcher.utter_message(json_message={"gradbot": payload})
