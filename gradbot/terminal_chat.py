"""A chat with the assistant in the terminal (when no Telegram token is configured).

It talks to the Rasa server's REST channel exactly as the Telegram bot does. Buttons
are listed with numbers; typing the number presses the button. ``/quit`` or Ctrl-D ends.
"""

from __future__ import annotations

import asyncio
import sys
import uuid
from typing import Any, Callable, TextIO

from bot.rasa_client import RasaClient, RasaUnavailable

MAX_INPUT_CHARS = 1000
WELCOME = ("就业创业中心助手（终端聊天）。输入问题，回车发送；输入按钮前的数字选择；/quit 退出。\n"
           "Career Center assistant (terminal chat). Type a question; a number picks a button; /quit exits.")
BUSY = "系统繁忙，请稍后再试。/ The assistant is busy, please try again shortly."


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


async def chat(client: RasaClient, read: Callable[[], str] = input, out: TextIO = sys.stdout) -> None:
    """Read questions until /quit or end of input and print the replies."""
    sender = f"terminal-{uuid.uuid4().hex[:12]}"
    payloads: list[str] = []
    print(WELCOME, file=out)
    while True:
        try:
            text = (await asyncio.to_thread(read)).strip()
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
            print(f"（消息过长，只处理前 {MAX_INPUT_CHARS} 个字符）", file=out)
        try:
            messages = await client.send(sender, text)
        except RasaUnavailable:
            print(BUSY, file=out)
            continue
        shown, payloads = render(messages)
        print(shown or "（没有回复）", file=out)
