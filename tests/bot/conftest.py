"""Fixtures for the Telegram front end: a fake Bot API, a fake Rasa, and the real PTB
Application polling the fake API (see :mod:`tests.support`)."""

from __future__ import annotations

from typing import AsyncIterator

import pytest

from gradbot.settings import Settings
from tests.support.fake_bot_api import TOKEN, FakeBotApi
from tests.support.fake_rasa import FakeRasa


@pytest.fixture
async def api() -> AsyncIterator[FakeBotApi]:
    async with FakeBotApi() as server:
        yield server


@pytest.fixture
async def rasa() -> AsyncIterator[FakeRasa]:
    async with FakeRasa() as server:
        yield server


@pytest.fixture
def bot_db(tmp_path) -> str:
    """A fresh, migrated SQLite database for the bot."""
    from gradbot.db.engine import dispose_engines, upgrade

    url = f"sqlite:///{tmp_path / 'bot-test.db'}"
    upgrade(url)
    yield url
    dispose_engines()


@pytest.fixture
def settings(api: FakeBotApi, rasa: FakeRasa, bot_db: str, tmp_path) -> Settings:
    return Settings(
        data_dir=tmp_path,
        database_url=bot_db,
        rasa_url=rasa.url,
        rasa_timeout_s=1.5,
        telegram_token=TOKEN,
        telegram_api_base_url=api.base_url,
        telegram_webhook_url="",
    )


@pytest.fixture
async def running(settings: Settings):
    """The real bot, polling the fake API (outbox polled every 0.1 s)."""
    from bot.app import build_application, running_bot

    application = build_application(settings, outbox_interval_s=0.1)
    async with running_bot(application, settings) as app:
        yield app
