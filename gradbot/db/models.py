"""Declarative models of the database: students and cases, bindings, the outbox, handoff
requests, the conversation log and per-deployment secrets.

Times: every system timestamp (``created_at``, ``bound_at``, ``sent_at`` …) is naive UTC
(:func:`utcnow`). ``Case.updated_at`` is the staff's own 更新时间 from the spreadsheet,
naive Beijing time (:func:`beijing_now` when the row has none).

Allowed values (:data:`LEVELS`, :data:`OUTBOX_STATUSES`, :data:`OUTBOX_KINDS`, feedback
±1) are CHECK constraints the database enforces. Schema changes go through Alembic
(``gradbot/db/migrations``); a test checks that the migrations and these models agree.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Column,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import declarative_base

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

Base = declarative_base(metadata=MetaData(naming_convention=NAMING_CONVENTION))

BEIJING = timezone(timedelta(hours=8))

LEVELS = ("undergraduate", "master", "doctor")
OUTBOX_STATUSES = ("pending", "sending", "sent", "failed", "skipped")
OUTBOX_KINDS = ("case_status",)  # a new kind of message (handoff relay, reminder) is added here and in a migration


def one_of(column: str, values: tuple[str, ...], nullable: bool = False) -> str:
    """The SQL of a CHECK constraint: ``column`` holds one of ``values`` (or NULL)."""
    allowed = f"{column} IN ({', '.join(repr(v) for v in values)})"
    return f"{column} IS NULL OR {allowed}" if nullable else allowed


FEEDBACK_CHECK = "feedback IS NULL OR feedback IN (-1, 1)"


def utcnow() -> datetime:
    """Now, naive UTC (the convention for system timestamps)."""
    return datetime.now(timezone.utc).replace(tzinfo=None)


def beijing_now() -> datetime:
    """Now, naive Beijing time (the convention for the staff's 更新时间)."""
    return datetime.now(BEIJING).replace(tzinfo=None, microsecond=0)


class Student(Base):
    """A student known from the staff's spreadsheets."""

    __tablename__ = "students"
    __table_args__ = (CheckConstraint(one_of("level", LEVELS, nullable=True), name="level"),)

    student_id = Column(String(32), primary_key=True)
    name = Column(String(100), nullable=False, default="")
    level = Column(String(16), nullable=True)  # one of LEVELS, or NULL when unknown
    college = Column(String(100), nullable=True)  # 学院 or 书院
    created_at = Column(DateTime, nullable=False, default=utcnow)
    updated_at = Column(DateTime, nullable=False, default=utcnow)


class Case(Base):
    """One matter (事项) of one student, with its current status."""

    __tablename__ = "cases"
    __table_args__ = (UniqueConstraint("student_id", "case_type", name="uq_cases_student_id_case_type"),)

    id = Column(Integer, primary_key=True, autoincrement=True)
    student_id = Column(String(32), ForeignKey("students.student_id"), nullable=False, index=True)
    case_type = Column(String(40), nullable=False)
    status = Column(String(40), nullable=False)
    note = Column(Text, nullable=False, default="")
    office = Column(String(100), nullable=True)  # handling office (a contact key or free text)
    updated_at = Column(DateTime, nullable=False)  # staff's 更新时间, Beijing time
    created_at = Column(DateTime, nullable=False, default=utcnow)


class CaseHistory(Base):
    """Append-only log of every status change: never updated, never deleted."""

    __tablename__ = "case_history"

    id = Column(Integer, primary_key=True, autoincrement=True)
    case_id = Column(Integer, ForeignKey("cases.id"), nullable=False, index=True)
    student_id = Column(String(32), nullable=False, index=True)
    case_type = Column(String(40), nullable=False)
    old_status = Column(String(40), nullable=True)  # None when the case is new
    new_status = Column(String(40), nullable=False)
    note = Column(Text, nullable=False, default="")
    source_updated_at = Column(DateTime, nullable=False)  # the row's 更新时间
    changed_at = Column(DateTime, nullable=False, default=utcnow)
    changed_by = Column(String(200), nullable=False)  # e.g. "import:sheet.xlsx (staff)"


class TelegramBinding(Base):
    """A Telegram user (Rasa sender id) bound to a student; active while unbound_at is NULL."""

    __tablename__ = "telegram_bindings"

    id = Column(Integer, primary_key=True, autoincrement=True)
    telegram_user_id = Column(String(64), nullable=False, index=True)
    student_id = Column(String(32), ForeignKey("students.student_id"), nullable=False, index=True)
    bound_at = Column(DateTime, nullable=False, default=utcnow)
    blocked = Column(Boolean, nullable=False, default=False)  # the user blocked the bot
    unbound_at = Column(DateTime, nullable=True)


class BindCode(Base):
    """A one-time binding code; only its SHA-256 is stored."""

    __tablename__ = "bind_codes"

    id = Column(Integer, primary_key=True, autoincrement=True)
    code_hash = Column(String(64), nullable=False, unique=True)
    student_id = Column(String(32), ForeignKey("students.student_id"), nullable=False, index=True)
    created_at = Column(DateTime, nullable=False, default=utcnow)
    expires_at = Column(DateTime, nullable=False)
    used_at = Column(DateTime, nullable=True)


class BindAttempt(Base):
    """One attempt to bind with a code, for the wrong-code lockout."""

    __tablename__ = "bind_attempts"
    __table_args__ = (Index("ix_bind_attempts_user_at", "telegram_user_id", "at"),)

    id = Column(Integer, primary_key=True, autoincrement=True)
    telegram_user_id = Column(String(64), nullable=False)
    at = Column(DateTime, nullable=False, default=utcnow)
    success = Column(Boolean, nullable=False)


class OutboxMessage(Base):
    """A message waiting to be sent to a Telegram chat (see :mod:`gradbot.outbox`).

    ``kind`` says what produced it; ``student_id``, when set, means "only while this chat is
    bound to this student"; ``reply_markup`` is a Telegram reply markup (JSON, sent with the
    last part of the text); ``payload`` is free JSON for the producer (e.g. what to do when
    the message has gone).
    """

    __tablename__ = "outbox"
    __table_args__ = (
        Index("ix_outbox_status_id", "status", "id"),
        CheckConstraint(one_of("status", OUTBOX_STATUSES), name="status"),
        CheckConstraint(one_of("kind", OUTBOX_KINDS), name="kind"),
    )

    id = Column(Integer, primary_key=True, autoincrement=True)
    kind = Column(String(32), nullable=False, default="case_status", server_default="case_status")
    telegram_user_id = Column(String(64), nullable=False)  # the chat to send to
    student_id = Column(String(32), nullable=True, index=True)
    case_id = Column(Integer, ForeignKey("cases.id"), nullable=True)
    text = Column(Text, nullable=False)
    reply_markup = Column(JSON, nullable=True)
    payload = Column(JSON, nullable=True)
    created_at = Column(DateTime, nullable=False, default=utcnow)
    status = Column(String(16), nullable=False, default="pending")
    attempts = Column(Integer, nullable=False, default=0)
    claimed_at = Column(DateTime, nullable=True)  # when a sender took it (status "sending")
    sent_at = Column(DateTime, nullable=True)
    last_error = Column(Text, nullable=True)


class HandoffRequest(Base):
    """A student asked for a human; staff see these in their reports."""

    __tablename__ = "handoff_requests"
    __table_args__ = (CheckConstraint(one_of("level", LEVELS, nullable=True), name="level"),)

    id = Column(Integer, primary_key=True, autoincrement=True)
    created_at = Column(DateTime, nullable=False, default=utcnow, index=True)
    telegram_user_id = Column(String(64), nullable=False)
    student_id = Column(String(32), nullable=True)
    level = Column(String(16), nullable=True)
    text = Column(Text, nullable=False, default="")
    handled = Column(Boolean, nullable=False, default=False)


class ConversationMessage(Base):
    """One student message and its outcome; the sender is kept only as a salted hash."""

    __tablename__ = "conversation_messages"
    __table_args__ = (CheckConstraint(FEEDBACK_CHECK, name="feedback"),)

    id = Column(Integer, primary_key=True, autoincrement=True)
    created_at = Column(DateTime, nullable=False, default=utcnow, index=True)
    channel = Column(String(32), nullable=False)
    session_hash = Column(String(64), nullable=False, index=True)
    text = Column(Text, nullable=False, default="")
    intent = Column(String(64), nullable=True)
    confidence = Column(Float, nullable=True)
    outcome = Column(String(32), nullable=True)
    faq_id = Column(String(100), nullable=True)
    feedback = Column(SmallInteger, nullable=True)  # 👎 -1, 👍 1, or NULL
    feedback_at = Column(DateTime, nullable=True)


class AppSecret(Base):
    """Per-deployment random values kept in the database (e.g. the conversation-log salt)."""

    __tablename__ = "app_secrets"

    name = Column(String(64), primary_key=True)
    value = Column(String(200), nullable=False)
