"""The terminal chat, against a Rasa REST stand-in (httpx MockTransport)."""

from __future__ import annotations

import asyncio
import io
import json
import threading

import httpx

from bot.rasa_client import RasaClient
from gradbot.terminal_chat import chat, render


def test_render_numbers_buttons_and_hides_payloads() -> None:
    text, payloads = render([
        {"text": "您是想问：", "buttons": [{"title": "网签", "payload": "/p1"}, {"title": "盖章", "payload": "/p2"}]},
        {"custom": {"gradbot": {"outcome": "clarify"}}},
    ])
    assert text == "您是想问：\n  [1] 网签\n  [2] 盖章" and payloads == ["/p1", "/p2"]


async def test_chat_sends_button_payload_for_a_number_and_survives_rasa_errors() -> None:
    sent: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        message = json.loads(request.content)["message"]
        sent.append(message)
        if message == "boom":
            return httpx.Response(500)
        return httpx.Response(200, json=[{"text": f"re:{message}", "buttons": [{"title": "B", "payload": "/choose"}]}])

    client = RasaClient("http://rasa.test", 2.0, transport=httpx.MockTransport(handler))
    inputs = iter(["你好", "1", "boom", "x" * 5000, "/quit"])
    out = io.StringIO()
    await chat(client, read=lambda: next(inputs), out=out)
    await client.aclose()
    assert sent[:3] == ["你好", "/choose", "boom"] and len(sent[3]) == 1000
    assert "re:你好" in out.getvalue() and "系统繁忙" in out.getvalue()
    assert "你的消息太长" in out.getvalue() and "Your message was long" in out.getvalue()  # both languages, as on Telegram


async def test_turns_are_logged_like_telegram_turns(cases_db) -> None:
    """A trial run in the terminal gives a report: every turn lands in the conversation log."""
    from sqlalchemy import select

    from gradbot.db.engine import sessions
    from gradbot.db.models import ConversationMessage
    from gradbot.terminal_chat import TurnLogger

    def handler(request: httpx.Request) -> httpx.Response:
        message = json.loads(request.content)["message"]
        if message == "boom":
            return httpx.Response(500)
        if message.startswith("/choose_faq"):
            return httpx.Response(200, json=[{"text": "答案"}, {"custom": {"gradbot": {"outcome": "faq", "faq_id": "dispatch.x"}}}])
        return httpx.Response(200, json=[
            {"text": "您是想问：", "buttons": [{"title": "网签", "payload": '/choose_faq{"faq_id":"dispatch.x"}'}]},
            {"custom": {"gradbot": {"outcome": "clarify", "intent": "ask_dispatch", "confidence": 0.5}}}])

    client = RasaClient("http://rasa.test", 2.0, transport=httpx.MockTransport(handler))
    inputs = iter(["三方协议", "1", "boom", "/quit"])
    await chat(client, read=lambda: next(inputs), out=io.StringIO(), log_turn=TurnLogger(cases_db))
    await client.aclose()
    with sessions(cases_db).begin() as session:
        rows = [(r.channel, r.text, r.outcome, r.faq_id, r.intent) for r in
                session.execute(select(ConversationMessage).order_by(ConversationMessage.id)).scalars()]
    assert rows == [("terminal", "三方协议", "clarify", None, "ask_dispatch"),
                    ("terminal", '/choose_faq{"faq_id":"dispatch.x"}', "faq", "dispatch.x", None),
                    ("terminal", "boom", "error", None, None)]


def test_ctrl_c_ends_the_chat_while_it_waits_for_input() -> None:
    """Ctrl-C while input() is blocked ends the chat at once (so `gradbot run` stops its servers)."""
    release = threading.Event()

    def blocked_input() -> str:  # input() waiting for a line that never comes
        release.wait()
        return "/quit"

    async def main() -> None:
        client = RasaClient("http://rasa.test", 2.0, transport=httpx.MockTransport(lambda r: httpx.Response(200, json=[])))
        asyncio.get_running_loop().create_task(chat(client, read=blocked_input, out=io.StringIO()))
        await asyncio.sleep(0.2)
        raise KeyboardInterrupt  # what Ctrl-C does inside asyncio.run

    outcome: list[BaseException] = []

    def run() -> None:
        try:
            asyncio.run(main())
        except BaseException as exc:
            outcome.append(exc)

    runner = threading.Thread(target=run, daemon=True)
    runner.start()
    runner.join(10)
    release.set()
    assert not runner.is_alive(), "the chat still waits for input after Ctrl-C"
    assert isinstance(outcome[0], KeyboardInterrupt)
