"""Migrations: from empty, repeated, from 0001 with data, in step with the models; allowed values enforced."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect, select, text
from sqlalchemy.exc import IntegrityError

from gradbot.db import engine as db
from gradbot.db.engine import current_revision, get_engine, head_revision, sessions, upgrade
from gradbot.db.models import (
    Base,
    Case,
    ConversationMessage,
    HandoffRequest,
    OutboxMessage,
    Student,
    TelegramBinding,
)


def test_upgrade_from_empty_creates_every_table(db_url):
    assert current_revision(db_url) is None
    upgrade(db_url)
    assert current_revision(db_url) == head_revision()
    tables = set(inspect(get_engine(db_url)).get_table_names())
    assert set(Base.metadata.tables) <= tables and "alembic_version" in tables


def test_upgrade_twice_keeps_data(db_url):
    upgrade(db_url)
    with sessions(db_url).begin() as session:
        session.add(Student(student_id="2191000001", name="张三"))
        session.flush()
        session.add(Case(student_id="2191000001", case_type="dispatch", status="待提交", note="",
                         updated_at=__import__("datetime").datetime(2026, 5, 1)))
    db.dispose_engines()  # a new process: forgets that it has seen the database at head
    upgrade(db_url)
    upgrade(db_url)
    with sessions(db_url).begin() as session:
        assert session.execute(select(Case.status)).scalars().all() == ["待提交"]


def test_models_match_migrations(db_url):
    upgrade(db_url)
    with get_engine(db_url).connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert compare_metadata(context, Base.metadata) == []


def test_0002_keeps_existing_rows_and_makes_them_case_status(db_url):
    from datetime import datetime

    upgrade(db_url, "0001")
    day = datetime(2026, 5, 1)
    statements = (  # raw SQL: the models describe the newest schema, not 0001's
        "INSERT INTO students (student_id, name, level, created_at, updated_at) "
        "VALUES ('2191000001', '张三', 'master', :day, :day)",
        "INSERT INTO cases (id, student_id, case_type, status, note, updated_at, created_at) "
        "VALUES (1, '2191000001', 'dispatch', '待提交', '', :day, :day)",
        "INSERT INTO telegram_bindings (telegram_user_id, student_id, bound_at, blocked) "
        "VALUES ('101', '2191000001', :day, false)",
        "INSERT INTO outbox (telegram_user_id, student_id, case_id, text, created_at, status, attempts) "
        "VALUES ('101', '2191000001', 1, '通知', :day, 'pending', 0)",
    )
    with get_engine(db_url).begin() as connection:
        for statement in statements:
            connection.execute(text(statement), {"day": day})
    db.dispose_engines()
    upgrade(db_url)
    assert current_revision(db_url) == head_revision()
    with sessions(db_url).begin() as session:
        assert session.execute(select(Case.status)).scalars().all() == ["待提交"]
        assert session.execute(select(TelegramBinding.student_id)).scalars().all() == ["2191000001"]
        message = session.execute(select(OutboxMessage)).scalar_one()
        assert (message.kind, message.case_id, message.reply_markup, message.payload) == ("case_status", 1, None, None)


@pytest.mark.parametrize("make_row", [
    lambda: Student(student_id="2191000009", name="x", level="phd"),
    lambda: HandoffRequest(telegram_user_id="1", level="freshman"),
    lambda: ConversationMessage(channel="telegram", session_hash="h", feedback=5),
], ids=["student level", "handoff level", "feedback"])
def test_database_refuses_values_outside_the_allowed_ones(db_url, make_row):
    upgrade(db_url)
    with pytest.raises(IntegrityError), sessions(db_url).begin() as session:
        session.add(make_row())
