"""The outbox: notification text, one row per binding, the sender protocol, blocked users."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import select, update

from gradbot.cases.catalog import load_catalog
from gradbot.cases.db import session_scope, upgrade
from gradbot.cases.models import Case, OutboxMessage, Student, TelegramBinding
from gradbot.cases.outbox import (
    StatusChange, claim_pending, enqueue_status_changes, mark_failed, mark_sent, mark_skipped,
    notification_text, release_stale, set_blocked,
)


@pytest.fixture
def url(db_url):
    upgrade(db_url)
    with session_scope(db_url) as session:
        session.add_all([Student(student_id="2191000001", name="张三"), Student(student_id="2191000002", name="李四")])
        session.flush()
        session.add(Case(id=1, student_id="2191000001", case_type="dispatch", status="已鉴证盖章", note="",
                         updated_at=datetime(2026, 5, 20, 9, 30)))
        session.add_all([
            TelegramBinding(telegram_user_id="tg-a", student_id="2191000001"),
            TelegramBinding(telegram_user_id="tg-b", student_id="2191000001"),
            TelegramBinding(telegram_user_id="tg-old", student_id="2191000001", unbound_at=datetime(2026, 1, 1)),
            TelegramBinding(telegram_user_id="tg-c", student_id="2191000002"),
        ])
    return db_url


CHANGE = StatusChange(1, "2191000001", "dispatch", "学院已审核", "已鉴证盖章", "请完成去向登记", datetime(2026, 5, 20, 9, 30))


def test_notification_text():
    text = notification_text(load_catalog(), CHANGE)
    assert text.startswith("【办理进度更新】签约派遣：已鉴证盖章（原状态：学院已审核）")
    assert "备注：请完成去向登记" in text and "下一步：" in text and "2026-05-20 09:30" in text


def test_one_row_per_active_binding_and_sender_protocol(url):
    with session_scope(url) as session:
        set_blocked(session, "tg-b")
        assert enqueue_status_changes(session, load_catalog(), [CHANGE]) == 1  # tg-b blocked, tg-old unbound
    with session_scope(url) as session:
        claimed = claim_pending(session)
        assert [(m.telegram_user_id, m.status, m.attempts) for m in claimed] == [("tg-a", "sending", 1)]
        assert claim_pending(session) == []  # nothing is handed out twice
        mark_failed(session, claimed[0].id, "timeout", max_attempts=2)
    with session_scope(url) as session:
        again = claim_pending(session)
        assert [m.attempts for m in again] == [2]
        mark_failed(session, again[0].id, "timeout", max_attempts=2)
        row = session.get(OutboxMessage, again[0].id, populate_existing=True)
        assert (row.status, row.last_error) == ("failed", "timeout")


def test_mark_sent_skipped_and_release_stale(url):
    with session_scope(url) as session:
        assert enqueue_status_changes(session, load_catalog(), [CHANGE]) == 2
        first, second = claim_pending(session)
        mark_sent(session, first.id)
        mark_skipped(session, second.id, "user blocked the bot")
        enqueue_status_changes(session, load_catalog(), [CHANGE])
        stuck = claim_pending(session, limit=1)[0]
        session.execute(update(OutboxMessage).where(OutboxMessage.id == stuck.id)
                        .values(claimed_at=OutboxMessage.claimed_at - timedelta(minutes=30)))
        assert release_stale(session) == 1
        statuses = dict(session.execute(select(OutboxMessage.id, OutboxMessage.status)).all())
    assert statuses[first.id] == "sent" and statuses[second.id] == "skipped" and statuses[stuck.id] == "pending"
