"""The outbox: notifications for bound students, written in the same transaction as the
status change that caused them, and taken out by the Telegram sender.

Sender protocol: :func:`claim_pending` marks rows ``sending`` (and counts the attempt)
before sending; then :func:`mark_sent`, :func:`mark_failed` (back to ``pending`` until
``max_attempts``, then ``failed``) or :func:`mark_skipped` (e.g. the user blocked the
bot, see :func:`set_blocked`). :func:`release_stale` returns rows a crashed sender left
in ``sending``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Iterable, Sequence

from sqlalchemy import and_, insert, select, update
from sqlalchemy.orm import Session

from gradbot.cases.catalog import Catalog
from gradbot.cases.models import OutboxMessage, TelegramBinding, utcnow
from gradbot.cases.status import format_time

_CHUNK = 500


@dataclass(frozen=True)
class StatusChange:
    """A case whose status changed (``old_status`` None for a new case)."""

    case_id: int
    student_id: str
    case_type: str
    old_status: str | None
    new_status: str
    note: str
    updated_at: datetime


def notification_text(catalog: Catalog, change: StatusChange) -> str:
    """The Chinese message telling a student their case moved on."""
    case_type = catalog.get(change.case_type)
    type_name = case_type.name if case_type else change.case_type
    lines = [f"【办理进度更新】{type_name}：{change.new_status}"]
    if change.old_status and change.old_status != change.new_status:
        lines[0] += f"（原状态：{change.old_status}）"
    if change.note:
        lines.append(f"备注：{change.note}")
    if case_type:
        try:
            next_step = case_type.status(change.new_status).next_step
        except ValueError:
            next_step = ""
        if next_step:
            lines.append(f"下一步：{next_step}")
    lines.append(f"更新时间：{format_time(change.updated_at)}")
    lines.append("发送“我的进度”可查看全部事项。")
    return "\n".join(lines)


def active_bindings(session: Session, student_ids: Iterable[str]) -> dict[str, list[str]]:
    """student_id -> Telegram user ids of its active, not-blocked bindings (batched)."""
    ids = sorted(set(student_ids))
    found: dict[str, list[str]] = {}
    for start in range(0, len(ids), _CHUNK):
        rows = session.execute(
            select(TelegramBinding.student_id, TelegramBinding.telegram_user_id).where(
                TelegramBinding.student_id.in_(ids[start:start + _CHUNK]),
                TelegramBinding.unbound_at.is_(None),
                TelegramBinding.blocked.is_(False),
            )
        )
        for student_id, user_id in rows:
            found.setdefault(student_id, []).append(user_id)
    return found


def enqueue_status_changes(session: Session, catalog: Catalog, changes: Sequence[StatusChange]) -> int:
    """One outbox row per change per active binding of its student; returns how many."""
    if not changes:
        return 0
    bindings = active_bindings(session, (c.student_id for c in changes))
    now = utcnow()
    rows = [
        {
            "telegram_user_id": user_id,
            "student_id": change.student_id,
            "case_id": change.case_id,
            "text": notification_text(catalog, change),
            "created_at": now,
            "status": "pending",
            "attempts": 0,
        }
        for change in changes
        for user_id in bindings.get(change.student_id, ())
    ]
    if rows:
        session.execute(insert(OutboxMessage.__table__), rows)
    return len(rows)


def claim_pending(session: Session, limit: int = 20) -> list[OutboxMessage]:
    """Take up to ``limit`` pending rows (oldest first), marking them ``sending``."""
    candidates = session.execute(
        select(OutboxMessage.id).where(OutboxMessage.status == "pending").order_by(OutboxMessage.id).limit(limit)
    ).scalars().all()
    claimed = []
    now = utcnow()
    for message_id in candidates:  # conditional update: two senders never claim the same row
        result = session.execute(
            update(OutboxMessage)
            .where(and_(OutboxMessage.id == message_id, OutboxMessage.status == "pending"))
            .values(status="sending", claimed_at=now, attempts=OutboxMessage.attempts + 1)
            .execution_options(synchronize_session=False)
        )
        if result.rowcount == 1:
            claimed.append(message_id)
    if not claimed:
        return []
    return list(session.execute(
        select(OutboxMessage).where(OutboxMessage.id.in_(claimed)).order_by(OutboxMessage.id)
        .execution_options(populate_existing=True)
    ).scalars())


def _finish(session: Session, message_id: int, **values) -> None:
    session.execute(
        update(OutboxMessage).where(OutboxMessage.id == message_id).values(**values)
        .execution_options(synchronize_session=False)
    )


def mark_sent(session: Session, message_id: int) -> None:
    """The message was delivered."""
    _finish(session, message_id, status="sent", sent_at=utcnow(), last_error=None)


def mark_failed(session: Session, message_id: int, error: str, max_attempts: int = 5) -> None:
    """Delivery failed: back to ``pending`` for a retry, or ``failed`` after ``max_attempts``."""
    attempts = session.execute(select(OutboxMessage.attempts).where(OutboxMessage.id == message_id)).scalar_one()
    _finish(session, message_id, status="failed" if attempts >= max_attempts else "pending",
            last_error=str(error)[:1000])


def mark_skipped(session: Session, message_id: int, reason: str) -> None:
    """Not delivered on purpose (e.g. the user blocked the bot)."""
    _finish(session, message_id, status="skipped", last_error=str(reason)[:1000])


def release_stale(session: Session, older_than: timedelta = timedelta(minutes=10)) -> int:
    """Put rows left in ``sending`` longer than ``older_than`` back to ``pending``."""
    result = session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.status == "sending", OutboxMessage.claimed_at < utcnow() - older_than)
        .values(status="pending")
        .execution_options(synchronize_session=False)
    )
    return result.rowcount or 0


def set_blocked(session: Session, telegram_user_id: str, blocked: bool = True) -> int:
    """Mark (or clear) the user's active bindings as having blocked the bot."""
    result = session.execute(
        update(TelegramBinding)
        .where(TelegramBinding.telegram_user_id == str(telegram_user_id), TelegramBinding.unbound_at.is_(None))
        .values(blocked=blocked)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount or 0
