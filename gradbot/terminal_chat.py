"""A chat with the assistant in the terminal (when no Telegram token is configured).

It talks to the Rasa server's REST channel exactly as the Telegram bot does. Buttons
are listed with numbers; typing the number presses the button. ``/quit`` or Ctrl-D ends.
With a :class:`TurnLogger` (``gradbot run``/``gradbot chat`` pass one) every turn goes
into the conversation log like a Telegram turn (channel ``terminal``; a button press is
logged as its payload, as the bot does), so a trial run in the terminal gives a report.
There are no 👍/👎 buttons in the terminal.
"""

from __future__ import annotations

import asyncio
import logging
import sys
import threading
import uuid
from typing import Any, Callable, TextIO

from bot.rasa_client import RasaClient, RasaUnavailable
from bot.texts import TOO_LONG_NOTE

MAX_INPUT_CHARS = 1000
WELCOME = ("就业创业中心助手（终端聊天）。输入问题，回车发送；输入按钮前的数字选择；/quit 退出。\n"
           "Career Center assistant (terminal chat). Type a question; a number picks a button; /quit exits.")
BUSY = "系统繁忙，请稍后再试。/ The assistant is busy, please try again shortly."
CHANNEL = "terminal"
log = logging.getLogger(__name__)


def turn_metadata(messages: list[dict[str, Any]]) -> dict[str, Any]:
    """The machine-readable ``gradbot`` payload of a Rasa turn (empty when there is none)."""
    for message in messages:
        custom = message.get("custom")
        if isinstance(custom, dict) and isinstance(custom.get("gradbot"), dict):
            return custom["gradbot"]
    return {}


class TurnLogger:
    """Writes each terminal turn to the conversation log (the configured database, migrated once)."""

    def __init__(self, database_url: str | None = None) -> None:
        self.database_url = database_url
        self._ready = False

    def __call__(self, sender: str, text: str, gradbot: dict[str, Any], outcome: str | None = None) -> None:
        """Log one turn; a database problem is logged as a warning and never stops the chat."""
        from gradbot.db.engine import sessions, upgrade
        from gradbot.reporting.conversation_log import log_message

        confidence = gradbot.get("confidence")
        try:
            if not self._ready:
                upgrade(self.database_url)
                self._ready = True
            with sessions(self.database_url).begin() as session:
                log_message(session, CHANNEL, sender, text,
                            intent=gradbot.get("intent") if isinstance(gradbot.get("intent"), str) else None,
                            confidence=float(confidence) if isinstance(confidence, (int, float)) else None,
                            outcome=outcome or gradbot.get("outcome"),
                            faq_id=gradbot.get("faq_id") if isinstance(gradbot.get("faq_id"), str) else None)
        except Exception:
            log.warning("could not log a terminal chat turn", exc_info=True)


def render(messages: list[dict[str, Any]]) -> tuple[str, list[str]]:
    """The text to print and the payloads of the numbered buttons."""
    lines: list[str] = []
    payloads: list[str] = []
    for message in messages:
        if isinstance(message.get("custom"), dict):
            continue  # machine-readable metadata, never shown
        if message.get("text"):
            lines.append(str(message["text"]))
        for button in message.get("buttons") or []:
            payloads.append(str(button.get("payload", "")))
            lines.append(f"  [{len(payloads)}] {button.get('title', '')}")
    return "\n".join(lines), payloads


async def read_line(read: Callable[[], str]) -> str:
    """``read()`` in a daemon thread: Ctrl-C ends the chat at once instead of waiting for a
    blocked ``input()`` (asyncio's default executor is joined on exit; a daemon thread is not)."""
    loop = asyncio.get_running_loop()
    future: asyncio.Future[str] = loop.create_future()

    def settle(result: str | None, error: BaseException | None) -> None:
        if not future.done():
            future.set_exception(error) if error is not None else future.set_result(result or "")

    def worker() -> None:
        try:
            result, error = read(), None
        except BaseException as exc:  # EOFError, KeyboardInterrupt: handed to the chat loop
            result, error = None, exc
        try:
            loop.call_soon_threadsafe(settle, result, error)
        except RuntimeError:
            pass  # the chat has ended and its loop is closed

    threading.Thread(target=worker, name="terminal-chat-input", daemon=True).start()
    return await future


async def chat(client: RasaClient, read: Callable[[], str] = input, out: TextIO = sys.stdout,
               log_turn: Callable[[str, str, dict[str, Any], str | None], None] | None = None) -> None:
    """Read questions until /quit or end of input and print the replies; ``log_turn`` logs each turn."""
    sender = f"terminal-{uuid.uuid4().hex[:12]}"
    payloads: list[str] = []
    print(WELCOME, file=out)
    while True:
        try:
            text = (await read_line(read)).strip()
        except (EOFError, KeyboardInterrupt):
            print(file=out)
            return
        if not text:
            continue
        if text in ("/quit", "/exit"):
            return
        if text.isdigit() and 1 <= int(text) <= len(payloads):
            text = payloads[int(text) - 1]
        elif len(text) > MAX_INPUT_CHARS:
            text = text[:MAX_INPUT_CHARS]
            print(TOO_LONG_NOTE.format(limit=MAX_INPUT_CHARS), file=out)
        try:
            messages = await client.send(sender, text)
        except RasaUnavailable:
            print(BUSY, file=out)
            if log_turn is not None:
                await asyncio.to_thread(log_turn, sender, text, {}, "error")
            continue
        if log_turn is not None:
            await asyncio.to_thread(log_turn, sender, text, turn_metadata(messages), None)
        shown, payloads = render(messages)
        print(shown or "（没有回复）", file=out)
