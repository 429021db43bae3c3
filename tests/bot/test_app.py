"""Wiring: webhook mode (real Update JSON, secret token), polling set-up, and ``python -m bot``
stopping cleanly on SIGTERM and SIGHUP."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from bot import texts
from bot.app import build_application, running_bot
from tests.support.fake_bot_api import TOKEN, text_update
from tests.support.settings import with_changes

PROJECT_ROOT = Path(__file__).resolve().parents[2]
SECRET = "s3cret-Token_for-tests"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


async def test_webhook_mode_accepts_telegram_updates_and_refuses_a_wrong_secret(api, rasa, settings):
    port = free_port()
    settings = with_changes(
        settings,
        telegram_webhook_url=f"http://127.0.0.1:{port}/tg/hook",
        telegram_webhook_listen="127.0.0.1",
        telegram_webhook_port=port,
        telegram_webhook_secret=SECRET,
    )
    async with running_bot(build_application(settings), settings):
        (set_webhook,) = api.calls_of("setWebhook")
        assert set_webhook.params["url"] == f"http://127.0.0.1:{port}/tg/hook"
        assert set_webhook.params["secret_token"] == SECRET
        assert not api.calls_of("getUpdates")

        update = {"update_id": 90001, **text_update(501, "三方协议在哪里盖章？")}
        async with httpx.AsyncClient(trust_env=False) as client:
            wrong = await client.post(
                f"http://127.0.0.1:{port}/tg/hook", json=update,
                headers={"X-Telegram-Bot-Api-Secret-Token": "not-the-secret"},
            )
            assert wrong.status_code == 403
            missing = await client.post(f"http://127.0.0.1:{port}/tg/hook", json=update)
            assert missing.status_code == 403
            await asyncio.sleep(0.3)
            assert api.sent_to(501) == [] and rasa.received == []

            good = await client.post(
                f"http://127.0.0.1:{port}/tg/hook", json=update,
                headers={"X-Telegram-Bot-Api-Secret-Token": SECRET},
            )
            assert good.status_code == 200
        (answer,) = await api.wait_sent(501, 1)
        assert "鉴证" in answer.params["text"]


async def test_webhook_without_configured_secret_uses_a_random_one(api, rasa, settings):
    port = free_port()
    settings = with_changes(settings, telegram_webhook_url=f"http://127.0.0.1:{port}/hook", telegram_webhook_port=port)
    async with running_bot(build_application(settings), settings):
        (set_webhook,) = api.calls_of("setWebhook")
        assert len(set_webhook.params["secret_token"]) >= 32
        async with httpx.AsyncClient(trust_env=False) as client:
            response = await client.post(f"http://127.0.0.1:{port}/hook", json={"update_id": 1, **text_update(502, "hi")})
        assert response.status_code == 403


async def test_polling_mode_deletes_any_webhook_and_publishes_the_menu(api, rasa, settings):
    async with running_bot(build_application(settings), settings):
        await api.wait_call("setMyCommands")
        await api.wait_call("deleteWebhook")
        await api.inject(text_update(503, "/help"))
        (help_text,) = await api.wait_sent(503, 1)
        assert help_text.params["text"] == texts.HELP


def test_build_application_requires_a_token(settings):
    with pytest.raises(ValueError, match="TELEGRAM_BOT_TOKEN"):
        build_application(with_changes(settings, telegram_token=""))


@pytest.mark.parametrize("stop_signal", [signal.SIGTERM, signal.SIGHUP])
async def test_python_m_bot_runs_and_stops_on_sigterm(api, rasa, settings, tmp_path, stop_signal):
    env = dict(
        os.environ,
        TELEGRAM_BOT_TOKEN=TOKEN,
        TELEGRAM_API_BASE_URL=api.base_url,
        RASA_URL=rasa.url,
        DATABASE_URL=settings.database_url,
        GRADBOT_DATA_DIR=str(tmp_path),
        TELEGRAM_WEBHOOK_URL="",
    )
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", cwd=str(PROJECT_ROOT), env=env,
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
    )
    try:
        await api.wait_call("setMyCommands", timeout=8)
        await api.inject(text_update(504, "三方协议盖章"))
        await api.wait_sent(504, 1, timeout=5)
        started = time.monotonic()
        process.send_signal(stop_signal)  # SIGHUP: the terminal was closed; `gradbot run` must still stop its servers
        output, _ = await asyncio.wait_for(process.communicate(), 8)
        assert process.returncode == 0, output.decode(errors="replace")[-2000:]
        assert time.monotonic() - started < 8
        assert b"Traceback" not in output
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()


async def test_run_bot_in_a_thread_polls_and_stops(api, rasa, settings):
    import threading

    from bot.app import run_bot

    application = build_application(settings)
    thread = threading.Thread(target=run_bot, args=(settings, application), daemon=True)
    thread.start()
    try:
        await api.wait_call("setMyCommands", timeout=8)
        await api.inject(text_update(505, "三方协议盖章"))
        (answer,) = await api.wait_sent(505, 1)
        assert "鉴证" in answer.params["text"]
    finally:
        for _ in range(100):  # the loop exists once run_polling has started
            loop = getattr(application, "_Application__loop", None) or _running_loop_of(application)
            if loop is not None:
                break
            await asyncio.sleep(0.05)
        loop.call_soon_threadsafe(application.stop_running)
        await asyncio.get_running_loop().run_in_executor(None, thread.join, 10)
    assert not thread.is_alive()


def _running_loop_of(application):
    task = getattr(application, "_Application__update_fetcher_task", None)
    return task.get_loop() if task is not None else None


def test_loopback_webhook_url_is_served_on_its_own_port(settings):
    from bot.app import webhook_options

    local = with_changes(settings, telegram_webhook_url="http://127.0.0.1:9123/tg/hook", telegram_webhook_port=8443)
    assert (webhook_options(local)["port"], webhook_options(local)["url_path"]) == (9123, "tg/hook")
    public = with_changes(settings, telegram_webhook_url="https://bot.example.org:8443/tg", telegram_webhook_port=8080)
    assert webhook_options(public)["port"] == 8080  # behind a reverse proxy: the configured port
