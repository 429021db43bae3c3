"""A student's cases, formatted for the chat (and for staff in ``gradbot cases show``).

Each case shows its status, last update, 备注, the next step from the catalog and the
office to contact (from ``policies/_contacts.yml`` when it has the key).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from gradbot.cases.catalog import Catalog, CatalogError, load_catalog
from gradbot.db.models import Case, CaseHistory, Student
from gradbot.knowledge.contacts import format_contact


def format_time(value: datetime) -> str:
    """``2026-05-10`` for a date-only 更新时间, else ``2026-05-10 14:30``."""
    return f"{value:%Y-%m-%d}" if (value.hour, value.minute, value.second) == (0, 0, 0) else f"{value:%Y-%m-%d %H:%M}"


@dataclass(frozen=True)
class CaseView:
    """One case as a student sees it."""

    case_type: str
    type_name: str
    status: str
    status_position: int  # 1-based position in the type's status order (0 if unknown)
    status_count: int
    updated_at: datetime
    note: str
    next_step: str
    contact: str


def cases_for(session: Session, student_id: str, english: bool = False, catalog: Catalog | None = None) -> list[CaseView]:
    """The student's cases, in catalog order."""
    catalog = catalog or load_catalog()
    order = {t.key: i for i, t in enumerate(catalog.types)}
    cases = session.execute(select(Case).where(Case.student_id == str(student_id))).scalars().all()
    level = session.execute(select(Student.level).where(Student.student_id == str(student_id))).scalar()
    views = []
    for case in sorted(cases, key=lambda c: (order.get(c.case_type, len(order)), c.case_type)):
        case_type = catalog.get(case.case_type)
        status_name, next_step, position = case.status, "", 0
        if case_type is not None:
            try:
                status = case_type.status(case.status)
                position = case_type.statuses.index(status) + 1
                status_name = (status.name_en or status.name) if english else status.name
                next_step = (status.next_step_en or status.next_step) if english else status.next_step
            except CatalogError:  # a status removed from the catalog after import: show it as stored
                pass
        type_name = ((case_type.name_en or case_type.name) if english else case_type.name) if case_type else case.case_type
        contact_key = (case_type.contact_for(level) if case_type else "") or case.office
        views.append(CaseView(
            case_type=case.case_type, type_name=type_name, status=status_name, status_position=position,
            status_count=len(case_type.statuses) if case_type else 0, updated_at=case.updated_at,
            note=case.note or "", next_step=next_step, contact=format_contact(contact_key, english) or (case.office or ""),
        ))
    return views


_LABELS_EN = ("Last update", "Note", "Next step", "Contact")
_LABELS_ZH = ("更新时间", "备注", "下一步", "联系")


def format_cases(views: list[CaseView], english: bool = False) -> str:
    """The chat message listing the cases (a friendly line when there are none)."""
    if not views:
        return ("There are no cases on record for you yet. They appear once staff enter them, "
                "usually the evening after you hand in your documents."
                if english else "暂时没有你的办理记录。材料交到办公室后，一般当天晚上会录入系统。")
    blocks = []
    for view in views:
        step = f" ({view.status_position}/{view.status_count})" if english and view.status_position else (
            f"（第 {view.status_position}/{view.status_count} 步）" if view.status_position else "")
        colon, labels = (": ", _LABELS_EN) if english else ("：", _LABELS_ZH)
        lines = [f"• {view.type_name}{colon}{view.status}{step}", f"  {labels[0]}{colon}{format_time(view.updated_at)}"]
        for label, value in zip(labels[1:], (view.note, view.next_step, view.contact)):
            if value:
                lines.append(f"  {label}{colon}{value}")
        blocks.append("\n".join(lines))
    header = "Your cases:" if english else "你的办理进度："
    return header + "\n" + "\n\n".join(blocks)


def status_message(session: Session, student_id: str, english: bool = False) -> str:
    """Everything a bound student sees when asking for their status."""
    return format_cases(cases_for(session, student_id, english), english)


def history_for(session: Session, student_id: str) -> list[CaseHistory]:
    """Every recorded change of the student's cases, oldest first (for staff)."""
    return list(session.execute(
        select(CaseHistory).where(CaseHistory.student_id == str(student_id)).order_by(CaseHistory.id)
    ).scalars())
