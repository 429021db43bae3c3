"""Outbox notifications through the real bot: once each, across restarts; blocked users skipped."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from sqlalchemy import select

from bot.app import build_application, running_bot
from gradbot.db.engine import sessions
from gradbot.db.models import OutboxMessage, Student, TelegramBinding, utcnow

STUDENT = "2191234567"


def add_bound_student(url: str, user_id: int, student_id: str = STUDENT) -> None:
    with sessions(url).begin() as session:
        if session.get(Student, student_id) is None:
            session.add(Student(student_id=student_id, name="张三", level="master"))
        session.add(TelegramBinding(telegram_user_id=str(user_id), student_id=student_id))


def queue(url: str, user_id: int, text: str, student_id: str = STUDENT, **extra) -> int:
    with sessions(url).begin() as session:
        row = OutboxMessage(telegram_user_id=str(user_id), student_id=student_id, text=text, **extra)
        session.add(row)
        session.flush()
        return row.id


def row(url: str, row_id: int) -> OutboxMessage:
    with sessions(url).begin() as session:
        return session.execute(select(OutboxMessage).where(OutboxMessage.id == row_id)).scalar_one()


def binding_blocked(url: str, user_id: int) -> bool:
    with sessions(url).begin() as session:
        return session.execute(
            select(TelegramBinding.blocked).where(TelegramBinding.telegram_user_id == str(user_id))
        ).scalar_one()


async def wait_status(url: str, row_id: int, status: str, timeout: float = 5.0) -> OutboxMessage:
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        current = row(url, row_id)
        if current.status == status:
            return current
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"row {row_id} is {current.status!r}, expected {status!r}")
        await asyncio.sleep(0.05)


async def test_notification_delivered_once_across_a_restart(api, settings, bot_db):
    add_bound_student(bot_db, 401)
    first = queue(bot_db, 401, "【办理进度更新】档案转递：已寄出")
    async with running_bot(build_application(settings, outbox_interval_s=0.1), settings):
        await api.wait_sent(401, 1)
        sent = await wait_status(bot_db, first, "sent")
        assert sent.attempts == 1 and sent.sent_at is not None
        second = queue(bot_db, 401, "【办理进度更新】落户：已办结")  # arrives while running
        await api.wait_sent(401, 2)
        await wait_status(bot_db, second, "sent")

    third = queue(bot_db, 401, "【办理进度更新】派遣：已完成")  # queued while the bot is down
    async with running_bot(build_application(settings, outbox_interval_s=0.1), settings):
        await api.wait_sent(401, 3)
        await wait_status(bot_db, third, "sent")
        await asyncio.sleep(0.5)  # several more polling rounds
    assert api.texts_to(401) == [
        "【办理进度更新】档案转递：已寄出",
        "【办理进度更新】落户：已办结",
        "【办理进度更新】派遣：已完成",
    ]


async def test_blocked_user_marked_and_skipped(api, settings, bot_db):
    add_bound_student(bot_db, 402)
    api.block(402)
    first = queue(bot_db, 402, "【办理进度更新】档案转递：已寄出")
    async with running_bot(build_application(settings, outbox_interval_s=0.1), settings):
        skipped = await wait_status(bot_db, first, "skipped")
        assert skipped.last_error == "Forbidden: bot was blocked by the user"
        assert binding_blocked(bot_db, 402)
        second = queue(bot_db, 402, "【办理进度更新】落户：已办结")
        await wait_status(bot_db, second, "skipped")  # not even tried
    assert len(api.calls_of("sendMessage")) == 1


async def test_unblocked_user_who_writes_again_gets_notifications(api, rasa, settings, bot_db):
    from tests.support.fake_bot_api import text_update

    add_bound_student(bot_db, 403)
    api.block(403)
    first = queue(bot_db, 403, "第一条")
    async with running_bot(build_application(settings, outbox_interval_s=0.1), settings):
        await wait_status(bot_db, first, "skipped")
        api.blocked_chats.discard(403)
        await api.inject(text_update(403, "三方协议盖章"))
        await api.wait_sent(403, 1)
        assert not binding_blocked(bot_db, 403)
        second = queue(bot_db, 403, "第二条")
        await wait_status(bot_db, second, "sent")
    assert api.texts_to(403)[-1] == "第二条"


async def test_unbound_student_not_notified(api, settings, bot_db):
    add_bound_student(bot_db, 404)
    with sessions(bot_db).begin() as session:
        session.execute(TelegramBinding.__table__.update().values(unbound_at=utcnow()))
    row_id = queue(bot_db, 404, "不该收到")
    async with running_bot(build_application(settings, outbox_interval_s=0.1), settings):
        await wait_status(bot_db, row_id, "skipped")
    assert api.sent_to(404) == []


async def test_temporary_failure_retried_then_sent_once(api, settings, bot_db, monkeypatch):
    from bot import bot_api

    monkeypatch.setattr(bot_api, "SEND_RETRY_DELAY_S", 0.01)
    add_bound_student(bot_db, 405)
    # more 502s than the bot's own immediate retries (bot_api.SEND_RETRIES): the row goes back to pending
    api.fail_next("sendMessage", 502, "Bad Gateway", times=bot_api.SEND_RETRIES + 1)
    row_id = queue(bot_db, 405, "重试后送达")
    async with running_bot(build_application(settings, outbox_interval_s=0.1), settings):
        sent = await wait_status(bot_db, row_id, "sent")
    assert sent.attempts == 2
    assert api.texts_to(405) == ["重试后送达"]


async def test_interrupted_send_is_not_resent(api, settings, bot_db):
    """A row a crashed sender left in ``sending``: delivery unknown -> failed, never sent twice."""
    add_bound_student(bot_db, 406)
    stale = queue(bot_db, 406, "可能已送达", status="sending", attempts=1, claimed_at=utcnow() - timedelta(hours=1))
    async with running_bot(build_application(settings, outbox_interval_s=0.1), settings):
        failed = await wait_status(bot_db, stale, "failed")
        assert "delivery unknown" in failed.last_error
    assert api.sent_to(406) == []


async def test_two_senders_never_send_the_same_row(api, settings, bot_db):
    add_bound_student(bot_db, 407)
    ids = [queue(bot_db, 407, f"通知 {i}") for i in range(10)]
    async with running_bot(build_application(settings, outbox_interval_s=0.05), settings):
        async with running_bot(build_application(settings, outbox_interval_s=0.05), settings):
            for row_id in ids:
                await wait_status(bot_db, row_id, "sent")
    assert sorted(api.texts_to(407)) == sorted(f"通知 {i}" for i in range(10))


def my_chat_member(user_id: int, old: str, new: str) -> dict:
    from tests.support.fake_bot_api import BOT_ID, chat, user

    bot_user = {"id": BOT_ID, "is_bot": True, "first_name": "bot"}
    return {"my_chat_member": {
        "chat": chat(user_id), "from": user(user_id), "date": 1,
        "old_chat_member": {"status": old, "user": bot_user, **({"until_date": 0} if old == "kicked" else {})},
        "new_chat_member": {"status": new, "user": bot_user, **({"until_date": 0} if new == "kicked" else {})},
    }}


async def test_block_and_unblock_updates_keep_the_flag_in_step(api, settings, bot_db):
    add_bound_student(bot_db, 408)
    async with running_bot(build_application(settings, outbox_interval_s=0.1), settings):
        await api.inject(my_chat_member(408, "member", "kicked"))
        for _ in range(100):
            if binding_blocked(bot_db, 408):
                break
            await asyncio.sleep(0.05)
        assert binding_blocked(bot_db, 408)
        skipped = queue(bot_db, 408, "不发")
        await wait_status(bot_db, skipped, "skipped")
        await api.inject(my_chat_member(408, "kicked", "member"))
        for _ in range(100):
            if not binding_blocked(bot_db, 408):
                break
            await asyncio.sleep(0.05)
        assert not binding_blocked(bot_db, 408)
        sent = queue(bot_db, 408, "恢复发送")
        await wait_status(bot_db, sent, "sent")
    assert api.texts_to(408) == ["恢复发送"]


async def test_reply_markup_goes_with_the_last_part(api, settings, bot_db):
    from gradbot import outbox

    markup = {"inline_keyboard": [[{"text": "查看进度", "callback_data": "status"}]]}
    with sessions(bot_db).begin() as session:
        row_id = outbox.enqueue(session, "409", "长" * 5000, reply_markup=markup)  # two parts
    async with running_bot(build_application(settings, outbox_interval_s=0.1), settings):
        await wait_status(bot_db, row_id, "sent")
    calls = [c for c in api.calls_of("sendMessage") if c.params.get("chat_id") == 409]
    assert len(calls) == 2 and "reply_markup" not in calls[0].params
    assert calls[1].params["reply_markup"] == markup


async def test_kind_sender_outcome_listener_and_poke(api, bot_db):
    """A kind with its own send function; the listener hears each outcome; poke sends at once."""
    from telegram import Bot

    from bot.outbox_sender import OutboxSender
    from gradbot.outbox import Outcome
    from tests.support.fake_bot_api import TOKEN

    heard: list[tuple[str, Outcome, bool]] = []
    copied: list[int] = []

    async def copy(message) -> None:
        copied.append(message.id)
        await bot.send_message(int(message.telegram_user_id), "copy of " + message.text)

    async def listen(message, outcome, failure) -> None:
        heard.append((message.text, outcome, bool(failure and failure.recipient_blocked)))

    api.block(502)
    async with Bot(TOKEN, base_url=api.base_url) as bot:
        sender = OutboxSender(bot, bot_db, interval_s=30.0, kind_senders={"handoff_copy": copy}, on_outcome=listen)
        sender.start()
        await asyncio.sleep(0.2)  # the first round found nothing; the next is 30 s away
        a = queue(bot_db, 501, "answer", student_id=None, kind="handoff_copy")
        b = queue(bot_db, 502, "to a blocked user", student_id=None, kind="handoff_copy")
        c = queue(bot_db, 501, "closing text", student_id=None, kind="handoff")
        sender.poke()
        await wait_status(bot_db, c, "sent", timeout=3.0)
        await sender.stop()
    assert copied == [a, b]
    assert api.texts_to(501) == ["copy of answer", "closing text"]
    assert row(bot_db, b).status == "skipped"
    assert heard == [("answer", Outcome.SENT, False), ("to a blocked user", Outcome.SKIPPED, True),
                     ("closing text", Outcome.SENT, False)]
