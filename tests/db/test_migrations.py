"""Migrations: from empty, repeated, data kept, and in step with the models."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect, select

from gradbot.cases import db
from gradbot.cases.db import current_revision, get_engine, head_revision, session_scope, upgrade
from gradbot.cases.models import Base, Case, Student


def test_upgrade_from_empty_creates_every_table(db_url):
    assert current_revision(db_url) is None
    upgrade(db_url)
    assert current_revision(db_url) == head_revision()
    tables = set(inspect(get_engine(db_url)).get_table_names())
    assert set(Base.metadata.tables) <= tables and "alembic_version" in tables


def test_upgrade_twice_keeps_data(db_url):
    upgrade(db_url)
    with session_scope(db_url) as session:
        session.add(Student(student_id="2191000001", name="张三"))
        session.flush()
        session.add(Case(student_id="2191000001", case_type="dispatch", status="待提交", note="",
                         updated_at=__import__("datetime").datetime(2026, 5, 1)))
    db.dispose_engines()  # a new process: forgets that it has seen the database at head
    upgrade(db_url)
    upgrade(db_url)
    with session_scope(db_url) as session:
        assert session.execute(select(Case.status)).scalars().all() == ["待提交"]


def test_models_match_migrations(db_url):
    upgrade(db_url)
    with get_engine(db_url).connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert compare_metadata(context, Base.metadata) == []
