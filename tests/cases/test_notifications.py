"""Case-status notifications: the text, and one outbox row per active, unblocked binding."""

from __future__ import annotations

from datetime import datetime

import pytest
from sqlalchemy import select

from gradbot.cases.binding import set_blocked
from gradbot.cases.catalog import load_catalog
from gradbot.cases.notifications import StatusChange, enqueue_status_changes, notification_text
from gradbot.db.engine import sessions, upgrade
from gradbot.db.models import Case, OutboxMessage, Student, TelegramBinding

CHANGE = StatusChange(1, "2191000001", "dispatch", "学院已审核", "已鉴证盖章", "请完成去向登记", datetime(2026, 5, 20, 9, 30))


@pytest.fixture
def url(db_url):
    upgrade(db_url)
    with sessions(db_url).begin() as session:
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


def test_notification_text():
    text = notification_text(load_catalog(), CHANGE)
    assert text.startswith("【办理进度更新】签约派遣：已鉴证盖章（原状态：学院已审核）")
    assert "备注：请完成去向登记" in text and "下一步：" in text and "2026-05-20 09:30" in text


def test_one_row_per_active_unblocked_binding(url):
    with sessions(url).begin() as session:
        set_blocked(session, "tg-b")
        assert enqueue_status_changes(session, load_catalog(), [CHANGE]) == 1  # tg-b blocked, tg-old unbound
        assert enqueue_status_changes(session, load_catalog(), []) == 0
    with sessions(url).begin() as session:
        rows = session.execute(select(OutboxMessage)).scalars().all()
    assert [(r.kind, r.telegram_user_id, r.student_id, r.case_id, r.status) for r in rows] == [
        ("case_status", "tg-a", "2191000001", 1, "pending")]
    assert rows[0].text == notification_text(load_catalog(), CHANGE)
