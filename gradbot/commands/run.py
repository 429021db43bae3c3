"""``gradbot run``: start the whole assistant; ``gradbot chat``: chat with a running one.

``run`` migrates the database, starts the action server and the Rasa server, then the
Telegram bot when ``TELEGRAM_BOT_TOKEN`` is set, or else a chat in this terminal.
Ctrl-C stops everything.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import logging
import signal

log = logging.getLogger(__name__)


def register(sub: argparse._SubParsersAction) -> None:
    run = sub.add_parser("run", help="启动助手（Telegram 机器人；没有 token 时在终端里聊天）")
    run.add_argument("--chat", action="store_true", help="即使设置了 Telegram token 也在终端里聊天")
    run.set_defaults(func=run_assistant)
    chat = sub.add_parser("chat", help="在终端里和 RASA_URL 上的 Rasa 服务器聊天")
    chat.set_defaults(func=run_chat)


def _terminal_chat(rasa_url: str, timeout_s: float) -> None:
    from bot.rasa_client import RasaClient
    from gradbot.terminal_chat import TurnLogger, chat

    async def main() -> None:
        client = RasaClient(rasa_url, timeout_s)
        try:
            await chat(client, log_turn=TurnLogger())  # logged like Telegram turns, so a trial run gives a report
        finally:
            await client.aclose()

    # closing the terminal (SIGHUP) or `kill` (SIGTERM) stops the chat like Ctrl-C, so the
    # servers `gradbot run` started (in their own sessions) are stopped, not left running
    stop_signals = (signal.SIGTERM, signal.SIGHUP)
    previous = {s: signal.signal(s, signal.default_int_handler) for s in stop_signals}
    try:
        asyncio.run(main())
    finally:
        for stop_signal, handler in previous.items():
            signal.signal(stop_signal, handler)


def run_assistant(args: argparse.Namespace) -> int:
    from gradbot.db.engine import upgrade
    from gradbot.knowledge.store import default_store, watch_held_back
    from gradbot.settings import get_settings
    from gradbot.stack import RasaStack, port_of

    settings = get_settings()
    upgrade()
    watch_held_back(default_store())  # a broken knowledge-base edit is announced here, not only in a log file
    action_port = port_of(settings.action_server_url, 5055)
    with RasaStack(settings, rasa_port=port_of(settings.rasa_url, 5005), action_port=action_port, supervise=True,
                   rasa_servers=settings.rasa_servers, action_servers=settings.action_servers) as stack:
        settings = dataclasses.replace(settings, rasa_url=stack.rasa_url, rasa_urls_list=",".join(stack.rasa_urls))
        if settings.telegram_token and not args.chat:
            from bot.app import run_bot

            run_bot(settings)
        else:
            if not settings.telegram_token:
                print("没有设置 TELEGRAM_BOT_TOKEN：在这个终端里聊天。")
            _terminal_chat(stack.rasa_url, settings.rasa_timeout_s)
    return 0


def run_chat(args: argparse.Namespace) -> int:
    from gradbot.settings import get_settings

    settings = get_settings()
    _terminal_chat(settings.rasa_url, settings.rasa_timeout_s)
    return 0
