"""The Bot API client: an unreadable update does not wedge polling, start-up waits for
getMe, and a Bot API on loopback is never reached through a proxy."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import threading
from pathlib import Path

from bot.app import build_application, run_bot, running_bot
from bot.bot_api import is_loopback_url, normalise_base_url, read_update
from tests.support.fake_bot_api import BOT_USERNAME, text_update
from tests.support.settings import with_changes

PROJECT_ROOT = Path(__file__).resolve().parents[2]


async def test_an_unreadable_update_is_skipped_and_the_next_one_answered(api, rasa, running):
    # reply_markup.inline_keyboard must be a list of rows: python-telegram-bot cannot parse this
    broken = text_update(601, "按钮")
    broken["message"]["reply_markup"] = {"inline_keyboard": {"not": "rows"}}
    await api.inject(broken)
    await api.inject(text_update(602, "三方协议在哪里盖章？"))
    (answer,) = await api.wait_sent(602, 1)
    assert "鉴证" in answer.params["text"]
    assert api.sent_to(601) == []


def test_read_update_keeps_the_id_of_an_unreadable_update():
    update = read_update({"update_id": 77, "message": {"chat": "not a chat"}})
    assert update is not None and update.update_id == 77 and update.effective_message is None
    assert read_update({"message": {}}) is None
    assert read_update({"update_id": 78, **text_update(603, "hi")}).effective_message.text == "hi"


async def test_bot_started_while_the_bot_api_is_down_knows_itself_once_it_is_up(api, rasa, settings):
    """PTB's start-up retry skips getMe after a failed first try; the bot must still learn
    its id and username (needed to see that a group message addresses it)."""
    api.fail_next("getMe", status=502, description="Bad Gateway", times=2)
    application = build_application(settings)
    thread = threading.Thread(target=run_bot, args=(settings, application), daemon=True)
    thread.start()
    try:
        await api.wait_call("setMyCommands", timeout=15)
        await api.inject(text_update(604, f"@{BOT_USERNAME} 三方协议在哪里盖章？", chat_id=-100604))
        (answer,) = await api.wait_sent(-100604, 1)
        assert "鉴证" in answer.params["text"]
    finally:
        loop = None
        for _ in range(100):
            task = getattr(application, "_Application__update_fetcher_task", None)
            loop = task.get_loop() if task is not None else None
            if loop is not None:
                break
            await asyncio.sleep(0.05)
        assert loop is not None
        loop.call_soon_threadsafe(application.stop_running)
        await asyncio.get_running_loop().run_in_executor(None, thread.join, 10)
    assert not thread.is_alive()
    assert len(api.calls_of("getMe")) >= 3


async def test_loopback_bot_api_ignores_proxy_variables(api, rasa, settings, monkeypatch):
    for name in ("HTTP_PROXY", "http_proxy", "ALL_PROXY", "all_proxy"):
        monkeypatch.setenv(name, "http://127.0.0.1:9")  # nothing listens there
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    async with running_bot(build_application(settings), settings):
        await api.inject(text_update(605, "/help"))
        await api.wait_sent(605, 1)


def test_is_loopback_url():
    assert is_loopback_url("http://127.0.0.1:8081/bot")
    assert is_loopback_url("http://localhost:8081/bot")
    assert is_loopback_url("http://[::1]:8081/bot")
    assert not is_loopback_url("https://api.telegram.org/bot")


def test_base_url_without_the_bot_path_is_completed():
    assert normalise_base_url("http://127.0.0.1:8081") == "http://127.0.0.1:8081/bot"
    assert normalise_base_url("http://127.0.0.1:8081/") == "http://127.0.0.1:8081/bot"
    assert normalise_base_url("http://127.0.0.1:8081/bot/") == "http://127.0.0.1:8081/bot"
    assert normalise_base_url("http://127.0.0.1:8081/bot") == "http://127.0.0.1:8081/bot"
    assert normalise_base_url("http://h/custom/bot{token}/x") == "http://h/custom/bot{token}/x"
    assert normalise_base_url("https://api.telegram.org/bot") == "https://api.telegram.org/bot"


async def test_bot_answers_with_a_base_url_given_without_bot(api, rasa, settings):
    settings = with_changes(settings, telegram_api_base_url=api.base_url.removesuffix("/bot"))
    async with running_bot(build_application(settings), settings):
        await api.inject(text_update(606, "/help"))
        await api.wait_sent(606, 1)


async def test_python_m_bot_with_a_refused_token_exits_1_without_the_token(api, rasa, settings, tmp_path):
    env = dict(
        os.environ, TELEGRAM_BOT_TOKEN="999:WRONG-token", TELEGRAM_API_BASE_URL=api.base_url, RASA_URL=rasa.url,
        DATABASE_URL=settings.database_url, GRADBOT_DATA_DIR=str(tmp_path), TELEGRAM_WEBHOOK_URL="",
    )
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", cwd=str(PROJECT_ROOT), env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
    )
    output, _ = await asyncio.wait_for(process.communicate(), 20)
    assert process.returncode == 1
    assert b"refused TELEGRAM_BOT_TOKEN" in output


async def test_polling_starts_when_the_bot_api_has_no_delete_webhook(api, rasa, settings):
    api.fail_next("deleteWebhook", status=400, description="Bad Request: method not found", times=50)
    async with running_bot(build_application(settings), settings):
        await api.inject(text_update(607, "三方协议在哪里盖章？"))
        (answer,) = await api.wait_sent(607, 1)
        assert "鉴证" in answer.params["text"]


async def test_webhook_serves_when_the_bot_api_has_no_set_webhook(api, rasa, settings):
    import socket

    import httpx

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    settings = with_changes(
        settings, telegram_webhook_url=f"http://127.0.0.1:{port}/tg/hook", telegram_webhook_port=port,
        telegram_webhook_secret="s3cret-Token",
    )
    api.fail_next("setWebhook", status=404, description="Not Found: method not found", times=50)
    async with running_bot(build_application(settings), settings):
        async with httpx.AsyncClient(trust_env=False) as client:
            response = await client.post(
                f"http://127.0.0.1:{port}/tg/hook", json={"update_id": 1, **text_update(608, "三方协议盖章")},
                headers={"X-Telegram-Bot-Api-Secret-Token": "s3cret-Token"},
            )
        assert response.status_code == 200
        await api.wait_sent(608, 1)


async def test_short_results_from_the_bot_api_still_count_as_sent(api, rasa, running):
    """A stand-in answering sendMessage with only ``{"message_id": …}``: every part of a long
    answer is still sent, feedback still works, and no "busy" notice follows."""
    from bot import texts
    from tests.support.fake_bot_api import callback_update

    api.short_results = True
    rasa.long_answer = "\n\n".join(f"第{i}段：" + "毕业去向登记" * 60 for i in range(30))
    await api.inject(text_update(609, "给我长答案"))
    await api.wait_for(lambda: any(c.params.get("reply_markup") for c in api.sent_to(609)))
    sent = api.sent_to(609)
    assert "\n\n".join(c.params["text"] for c in sent) == rasa.long_answer
    feedback = sent[-1].params["reply_markup"]["inline_keyboard"][-1][0]["callback_data"]
    await api.inject(callback_update(609, feedback))
    await api.wait_call("editMessageReplyMarkup")
    await api.inject(text_update(609, "三方协议在哪里盖章？"))
    await api.wait_sent(609, len(sent) + 1)
    await asyncio.sleep(0.3)
    assert texts.BUSY not in api.texts_to(609)


async def test_no_busy_polling_against_a_bot_api_that_ignores_the_long_poll_timeout(api, rasa, running):
    api.ignore_poll_timeout = True
    await api.inject(text_update(610, "wake the poller"))  # ends the long poll in progress
    await api.wait_sent(610, 1)
    before = api.get_updates_count
    await asyncio.sleep(1.0)
    assert api.get_updates_count - before <= 25  # about 20 a second, not hundreds
    await api.inject(text_update(611, "三方协议在哪里盖章？"))
    await api.wait_sent(611, 1)


# --- sends that did not arrive (benchmarks/bench_faults.py) ---------------------------------


async def test_a_send_answered_502_or_429_is_sent_again_and_arrives_once(api, monkeypatch):
    from bot import bot_api
    from bot.bot_api import build_bot
    from tests.support.fake_bot_api import TOKEN

    monkeypatch.setattr(bot_api, "SEND_RETRY_DELAY_S", 0.01)
    bot = build_bot(TOKEN, api.base_url)
    await bot.initialize()
    try:
        api.fail_next("sendMessage", 502, "Bad Gateway", times=2)
        api.fail_next("sendMessage", 429, "Too Many Requests: retry after 1", retry_after=1)
        await bot.send_message(chat_id=42, text="三方协议")
        assert api.texts_to(42) == ["三方协议"]
        assert [c.status for c in api.calls_of("sendMessage")] == [502, 502, 429, 200]
    finally:
        await bot.shutdown()


async def test_a_refused_send_is_not_repeated(api):
    import pytest
    from telegram.error import BadRequest

    from bot.bot_api import build_bot
    from tests.support.fake_bot_api import TOKEN

    bot = build_bot(TOKEN, api.base_url)
    await bot.initialize()
    try:
        with pytest.raises(BadRequest):
            await bot.send_message(chat_id=42, text=" ")  # "message text is empty"
        assert len(api.calls_of("sendMessage")) == 1
    finally:
        await bot.shutdown()


def test_only_errors_that_prove_nothing_arrived_allow_sending_again():
    import httpx
    from telegram.error import BadRequest, NetworkError, RetryAfter, TimedOut

    from bot.bot_api import not_delivered

    refused = NetworkError("httpx.ConnectError: refused")
    refused.__cause__ = httpx.ConnectError("refused")
    assert not_delivered(NetworkError("Bad Gateway")) and not_delivered(RetryAfter(1)) and not_delivered(refused)
    assert not not_delivered(TimedOut("Timed out"))  # a read timeout: Telegram may have it
    assert not not_delivered(BadRequest("Bad Request: chat not found"))


async def test_an_answer_answered_502_still_reaches_the_student_once(api, rasa, running):
    api.fail_next("sendMessage", 502, "Bad Gateway")
    await api.inject(text_update(605, "三方协议在哪里盖章？"))
    await api.wait_sent(605, 1, timeout=10)
    await asyncio.sleep(1.0)  # a second answer or a "busy" notice would come now
    texts = api.texts_to(605)
    assert len(texts) == 1 and "鉴证" in texts[0]
