"""Notifications of case-status changes: the text a student receives, queued in the outbox
(:mod:`gradbot.outbox`) for every active binding of the student, in the import's transaction."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Sequence

from sqlalchemy.orm import Session

from gradbot import outbox
from gradbot.cases.binding import active_bindings
from gradbot.cases.catalog import Catalog
from gradbot.cases.status import format_time


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


def enqueue_status_changes(session: Session, catalog: Catalog, changes: Sequence[StatusChange]) -> int:
    """One outbox message per change per active binding of its student; returns how many."""
    if not changes:
        return 0
    bindings = active_bindings(session, (c.student_id for c in changes))
    return outbox.enqueue_many(session, [
        {"kind": "case_status", "telegram_user_id": user_id, "student_id": change.student_id,
         "case_id": change.case_id, "text": notification_text(catalog, change)}
        for change in changes
        for user_id in bindings.get(change.student_id, ())
    ])
