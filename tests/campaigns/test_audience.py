"""Who a campaign reaches: bound, not blocked, matching every key; one chat per student."""

from __future__ import annotations

from sqlalchemy import update

from gradbot.campaigns.audience import matches, unknown_colleges
from gradbot.campaigns.definition import Audience
from gradbot.db.engine import sessions
from gradbot.db.models import TelegramBinding, utcnow
from tests.support.campaigns import add_students

PENDING = Audience(levels=("undergraduate",), colleges=("电信学院",), case_type="dispatch", statuses=("待提交",))


def test_every_key_must_match(db_url):
    wanted = add_students(db_url, 1000, 2)
    add_students(db_url, 2000, 1, college="机械学院")
    add_students(db_url, 3000, 1, level="doctor")
    add_students(db_url, 4000, 1, status="已鉴证盖章")
    add_students(db_url, 5000, 1, status=None)  # no dispatch case at all
    add_students(db_url, 6000, 1, bound=False)
    with sessions(db_url).begin() as session:
        found = matches(session, PENDING)
        everyone = matches(session, Audience())
    assert [(m.student_id, int(m.telegram_user_id), m.case_status) for m in found] == [(s, u, "待提交") for s, u in wanted]
    assert len(everyone) == 6  # all bound students


def test_one_chat_per_student_the_latest_and_never_a_blocked_or_unbound_one(db_url):
    (student, first_chat), = add_students(db_url, 1000, 1)
    with sessions(db_url).begin() as session:
        session.add(TelegramBinding(telegram_user_id="2222", student_id=student, bound_at=utcnow()))
    with sessions(db_url).begin() as session:
        assert [m.telegram_user_id for m in matches(session, PENDING)] == ["2222"]
        session.execute(update(TelegramBinding).where(TelegramBinding.telegram_user_id == "2222").values(blocked=True))
    with sessions(db_url).begin() as session:
        assert [m.telegram_user_id for m in matches(session, PENDING)] == [str(first_chat)]
        session.execute(update(TelegramBinding).values(unbound_at=utcnow()))
    with sessions(db_url).begin() as session:
        assert matches(session, PENDING) == []


def test_unknown_colleges_are_named(db_url):
    add_students(db_url, 1000, 1)
    with sessions(db_url).begin() as session:
        assert unknown_colleges(session, ["电信学院", "电信学员"]) == ["电信学员"]
