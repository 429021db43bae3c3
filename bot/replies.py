"""Turning Rasa's REST replies into Telegram messages.

* :func:`parse_turn` separates what the student sees (texts, buttons) from the one
  machine-readable ``{"custom": {"gradbot": {...}}}`` message, which is never shown.
* :func:`split_text` keeps each message within Telegram's 4,096 characters, cutting at
  paragraph boundaries first, then lines, then sentences, then anywhere.
* :class:`CallbackCodec` fits Rasa button payloads such as
  ``/choose_faq{"faq_id":"dispatch.destination_registration"}`` into Telegram's 64 bytes of
  callback data, and recognises the bot's own 👍/👎 feedback buttons.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot import texts

TELEGRAM_TEXT_LIMIT = 4096
CALLBACK_DATA_LIMIT = 64  # bytes

_CHOOSE_FAQ = re.compile(r'^/choose_faq\{\s*"faq_id"\s*:\s*"([^"\\]+)"\s*\}$')


@dataclass
class Button:
    title: str
    payload: str


@dataclass
class OutgoingMessage:
    text: str
    buttons: list[Button] = field(default_factory=list)


@dataclass
class Turn:
    """One Rasa reply turn: the messages to show and the hidden gradbot payload."""

    messages: list[OutgoingMessage]
    gradbot: dict[str, Any]

    @property
    def outcome(self) -> str | None:
        value = self.gradbot.get("outcome")
        return value if isinstance(value, str) else None

    @property
    def faq_id(self) -> str | None:
        value = self.gradbot.get("faq_id")
        return value if isinstance(value, str) and value else None


def parse_turn(raw: list[dict[str, Any]]) -> Turn:
    """Split Rasa's reply list into visible messages and the (first) gradbot payload.

    Consecutive texts are joined into one message (Rasa's REST channel sends each
    paragraph separately); a text with buttons ends the message it joins.
    """
    messages: list[OutgoingMessage] = []
    gradbot: dict[str, Any] = {}
    for item in raw:
        custom = item.get("custom")
        if isinstance(custom, dict) and "gradbot" in custom:
            if not gradbot and isinstance(custom["gradbot"], dict):
                gradbot = custom["gradbot"]
            continue  # machine-readable: never shown
        text = item.get("text")
        text = text if isinstance(text, str) else ""
        image = item.get("image")
        if isinstance(image, str) and image:
            text = f"{text}\n{image}".strip()
        buttons = [
            Button(title=str(b.get("title") or b.get("payload") or "?"), payload=str(b["payload"]))
            for b in item.get("buttons") or []
            if isinstance(b, dict) and b.get("payload")
        ]
        if not text.strip() and not buttons:
            continue  # e.g. other custom payloads meant for other channels
        if messages and not messages[-1].buttons and text.strip():
            # Rasa's REST channel cuts one reply at blank lines: join the parts again
            messages[-1] = OutgoingMessage(text=f"{messages[-1].text}\n\n{text}", buttons=buttons)
            continue
        messages.append(OutgoingMessage(text=text, buttons=buttons))
    return Turn(messages=messages, gradbot=gradbot)


def split_text(text: str, limit: int = TELEGRAM_TEXT_LIMIT) -> list[str]:
    """Chunks of at most ``limit`` characters, cut at the coarsest boundary that fits."""
    text = text.strip()
    if not text:
        return []
    chunks: list[str] = []
    while len(text) > limit:
        window = text[: limit + 1]
        cut = -1
        for separator in ("\n\n", "\n", "。", ". ", "；", "! ", "？", "? ", " "):
            pos = window.rfind(separator, 0, limit)
            if pos > limit // 4:  # don't produce a tiny chunk just to honour a separator
                cut = pos + (len(separator) if separator.strip() else 0)
                break
        if cut <= 0:
            cut = limit
        chunk, text = text[:cut].rstrip(), text[cut:].lstrip()
        if chunk:
            chunks.append(chunk)
    if text:
        chunks.append(text)
    return chunks


FEEDBACK_PATTERN = re.compile(r"^fb:(\d+):(up|down)$")  # the bot's own 👍/👎 buttons
RASA_BUTTON_PATTERN = re.compile(r"^[pfh]:")  # buttons that stand for a Rasa payload


class CallbackCodec:
    """Encodes button payloads as callback data of at most 64 bytes, and decodes presses.

    * ``p:<payload>`` — the payload itself when it fits (survives restarts);
    * ``f:<faq_id>`` — ``/choose_faq{"faq_id": ...}`` (survives restarts);
    * ``h:<digest>`` — anything longer, remembered in a bounded in-memory table (a press
      after a restart or eviction gets "button expired");
    * ``fb:<log id>:up|down`` — the bot's own 👍/👎 buttons.
    """

    def __init__(self, max_remembered: int = 20_000) -> None:
        self._remembered: OrderedDict[str, str] = OrderedDict()
        self._max_remembered = max_remembered

    def encode(self, payload: str) -> str:
        data = "p:" + payload
        if _fits(data):
            return data
        match = _CHOOSE_FAQ.match(payload.strip())
        if match and _fits("f:" + match.group(1)):
            return "f:" + match.group(1)
        digest = "h:" + hashlib.sha256(payload.encode("utf-8")).hexdigest()[:40]
        self._remembered[digest] = payload
        self._remembered.move_to_end(digest)
        while len(self._remembered) > self._max_remembered:
            self._remembered.popitem(last=False)
        return digest

    def decode(self, data: str) -> str | None:
        """The Rasa payload a press stands for; None if unknown (expired or foreign)."""
        if data.startswith("p:"):
            return data[2:]
        if data.startswith("f:"):
            return "/choose_faq" + json.dumps({"faq_id": data[2:]}, ensure_ascii=False, separators=(",", ":"))
        if data.startswith("h:"):
            return self._remembered.get(data)
        return None

    @staticmethod
    def feedback_data(log_id: int, helpful: bool) -> str:
        return f"fb:{log_id}:{'up' if helpful else 'down'}"

    @staticmethod
    def parse_feedback(data: str) -> tuple[int, bool] | None:
        """``(log id, helpful)`` for a 👍/👎 press, else None."""
        match = FEEDBACK_PATTERN.match(data)
        if match is None:
            return None
        return int(match.group(1)), match.group(2) == "up"

    def keyboard(self, buttons: list[Button], feedback_log_id: int | None = None) -> InlineKeyboardMarkup | None:
        """One button per row (titles are long), plus a 👍/👎 row when ``feedback_log_id`` is given."""
        rows = [[InlineKeyboardButton(b.title[:100], callback_data=self.encode(b.payload))] for b in buttons]
        if feedback_log_id is not None:
            rows.append(feedback_row(feedback_log_id))
        return InlineKeyboardMarkup(rows) if rows else None


def feedback_row(log_id: int) -> list[InlineKeyboardButton]:
    return [
        InlineKeyboardButton(texts.FEEDBACK_UP, callback_data=CallbackCodec.feedback_data(log_id, True)),
        InlineKeyboardButton(texts.FEEDBACK_DOWN, callback_data=CallbackCodec.feedback_data(log_id, False)),
    ]


def without_feedback_row(markup: InlineKeyboardMarkup | None) -> InlineKeyboardMarkup | None:
    """The keyboard with the 👍/👎 row removed (None when nothing is left)."""
    if markup is None:
        return None
    rows = [
        list(row)
        for row in markup.inline_keyboard
        if not any(isinstance(b.callback_data, str) and b.callback_data.startswith("fb:") for b in row)
    ]
    return InlineKeyboardMarkup(rows) if rows else None


def _fits(data: str) -> bool:
    return len(data.encode("utf-8")) <= CALLBACK_DATA_LIMIT
