"""The outbox: queueing, the claim -> send -> finish rule (at most once), interrupted claims."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from gradbot import outbox
from gradbot.db.engine import sessions, upgrade
from gradbot.db.models import OutboxMessage, Student, TelegramBinding, utcnow
from gradbot.outbox import Outcome, SendFailed

MARKUP = {"inline_keyboard": [[{"text": "查看", "callback_data": "x"}]]}


@pytest.fixture
def url(db_url):
    upgrade(db_url)
    with sessions(db_url).begin() as session:
        session.add(Student(student_id="2191000001", name="张三"))
        session.flush()
        session.add(TelegramBinding(telegram_user_id="101", student_id="2191000001"))
    return db_url


def enqueue(url: str, **fields) -> int:
    with sessions(url).begin() as session:
        return outbox.enqueue(session, fields.pop("telegram_user_id", "101"), fields.pop("text", "你好"), **fields)


def status_of(url: str, message_id: int) -> OutboxMessage:
    with sessions(url).begin() as session:
        return session.execute(select(OutboxMessage).where(OutboxMessage.id == message_id)).scalar_one()


def test_enqueue_and_claim_hand_out_each_row_once(url):
    first = enqueue(url, student_id="2191000001", reply_markup=MARKUP, payload={"ticket": 7})
    second = enqueue(url, text="第二条")
    with sessions(url).begin() as session:
        assert outbox.pending_ids(session) == [first, second]
        claimed = outbox.claim(session, first)
        assert outbox.claim(session, first) is None  # not pending any more
        assert outbox.pending_ids(session) == [second]
    assert (claimed.kind, claimed.telegram_user_id, claimed.student_id, claimed.attempts) == (
        "case_status", "101", "2191000001", 1)
    assert claimed.reply_markup == MARKUP and claimed.payload == {"ticket": 7}
    assert status_of(url, first).status == "sending"


def test_retry_goes_back_to_pending_until_attempts_run_out(url):
    message_id = enqueue(url)
    for attempt, expected in ((1, "pending"), (2, "failed")):
        with sessions(url).begin() as session:
            assert outbox.claim(session, message_id).attempts == attempt
            assert outbox.finish(session, message_id, Outcome.RETRY, "timeout", max_attempts=2) == expected
    row = status_of(url, message_id)
    assert (row.status, row.last_error, row.attempts) == ("failed", "timeout", 2)


def test_finish_only_moves_a_claimed_row(url):
    message_id = enqueue(url)
    with sessions(url).begin() as session:
        outbox.finish(session, message_id, Outcome.SENT)
    assert status_of(url, message_id).status == "pending"


def test_interrupted_claim_is_failed_never_resent(url):
    stale, fresh = enqueue(url), enqueue(url)
    with sessions(url).begin() as session:
        outbox.claim(session, stale)
        outbox.claim(session, fresh)
        session.execute(update(OutboxMessage).where(OutboxMessage.id == stale)
                        .values(claimed_at=utcnow() - timedelta(minutes=30)))
    with sessions(url).begin() as session:
        assert outbox.fail_interrupted(session) == 1
        assert outbox.pending_ids(session) == []
    assert status_of(url, stale).status == "failed" and "delivery unknown" in status_of(url, stale).last_error
    assert status_of(url, fresh).status == "sending"


async def test_deliver_outcomes(url):
    sent_texts: list[str] = []

    async def send(message: outbox.OutgoingMessage) -> None:
        if message.text == "blocked":
            raise SendFailed(Outcome.SKIPPED, "Forbidden: bot was blocked by the user", recipient_blocked=True)
        if message.text == "boom":
            raise RuntimeError("unexpected")
        sent_texts.append(message.text)

    factory = sessions(url)
    ok = enqueue(url, text="ok", student_id="2191000001")
    boom = enqueue(url, text="boom")
    assert await outbox.deliver(factory, ok, send) is Outcome.SENT
    assert await outbox.deliver(factory, ok, send) is None  # already sent: never twice
    assert await outbox.deliver(factory, boom, send) is Outcome.FAILED
    assert status_of(url, boom).last_error == "RuntimeError('unexpected')"

    blocked = enqueue(url, text="blocked", student_id="2191000001")
    assert await outbox.deliver(factory, blocked, send) is Outcome.SKIPPED
    with sessions(url).begin() as session:
        assert session.execute(select(TelegramBinding.blocked)).scalar_one() is True
    after_block = enqueue(url, text="after", student_id="2191000001")
    assert await outbox.deliver(factory, after_block, send) is Outcome.SKIPPED  # not even tried
    unbound_chat = enqueue(url, text="no binding row", telegram_user_id="999", student_id="2191000001")
    assert await outbox.deliver(factory, unbound_chat, send) is Outcome.SENT  # queued by hand: sent
    assert sent_texts == ["ok", "no binding row"]
    assert status_of(url, ok).sent_at is not None


async def test_cancelled_send_leaves_the_row_for_fail_interrupted(url):
    message_id = enqueue(url)
    started = asyncio.Event()

    async def hang(message: outbox.OutgoingMessage) -> None:
        started.set()
        await asyncio.sleep(60)

    task = asyncio.create_task(outbox.deliver(sessions(url), message_id, hang))
    await started.wait()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert status_of(url, message_id).status == "sending"
    with sessions(url).begin() as session:
        assert outbox.fail_interrupted(session, older_than=timedelta(0)) == 1
    assert status_of(url, message_id).status == "failed"


@pytest.mark.parametrize("column, value", [("status", "lost"), ("kind", "spam")])
def test_database_refuses_unknown_status_and_kind(url, column, value):
    message_id = enqueue(url)
    with pytest.raises(IntegrityError), sessions(url).begin() as session:
        session.execute(update(OutboxMessage).where(OutboxMessage.id == message_id).values({column: value}))


def test_send_failed_cannot_claim_success():
    with pytest.raises(ValueError):
        SendFailed(Outcome.SENT, "no")
