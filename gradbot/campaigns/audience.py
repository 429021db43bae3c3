"""Who a campaign reaches: bound students (an active binding that has not blocked the bot)
who match every audience key given. One chat per student: the most recently bound one."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from gradbot import preferences
from gradbot.campaigns.definition import Audience
from gradbot.db.models import Case, Student, TelegramBinding


@dataclass(frozen=True)
class Match:
    """A bound student the audience selects."""

    student_id: str
    telegram_user_id: str
    level: str | None
    college: str | None
    case_status: str | None  # the status of the audience's case type (None without one)
    language: str  # zh / en
    muted: bool  # turned reminders off: never sent, never counted as reached


def matches(session: Session, audience: Audience, student_ids: Iterable[str] | None = None) -> list[Match]:
    """Every bound student matching ``audience`` (muted ones included, flagged), by student id;
    only among ``student_ids`` when given."""
    query = (
        select(Student.student_id, Student.level, Student.college, TelegramBinding.telegram_user_id)
        .join(TelegramBinding, TelegramBinding.student_id == Student.student_id)
        .where(TelegramBinding.unbound_at.is_(None), TelegramBinding.blocked.is_(False))
        .order_by(Student.student_id, TelegramBinding.bound_at.desc(), TelegramBinding.id.desc())
    )
    if audience.levels:
        query = query.where(Student.level.in_(audience.levels))
    if audience.colleges:
        query = query.where(Student.college.in_(audience.colleges))
    if audience.case_type:
        query = query.join(Case, (Case.student_id == Student.student_id) & (Case.case_type == audience.case_type))
        query = query.add_columns(Case.status)
        if audience.statuses:
            query = query.where(Case.status.in_(audience.statuses))
    if student_ids is not None:
        query = query.where(Student.student_id.in_(list(student_ids)))
    rows: dict[str, tuple] = {}
    for row in session.execute(query):
        rows.setdefault(row.student_id, tuple(row))
    prefs = preferences.many(session, rows)
    found = []
    for student_id, row in rows.items():
        pref = prefs.get(student_id, preferences.Preferences())
        found.append(Match(student_id=student_id, level=row[1], college=row[2], telegram_user_id=row[3],
                           case_status=row[4] if len(row) > 4 else None,
                           language=pref.effective_language, muted=not pref.reminders))
    return found


def muted(found: Iterable[Match], delivered: Iterable[str] = ()) -> list[Match]:
    """The one definition of "muted" that staff see (``notify preview``, ``send`` and ``report``): a
    matching bound student with reminders off who has not been sent this campaign (``delivered``:
    the student ids it reached). Never sent, never counted as reached."""
    reached = set(delivered)
    return [m for m in found if m.muted and m.student_id not in reached]


def unknown_colleges(session: Session, colleges: Iterable[str]) -> list[str]:
    """The colleges no student in the database belongs to (likely a typo)."""
    wanted = list(colleges)
    if not wanted:
        return []
    known = set(session.execute(select(Student.college).where(Student.college.in_(wanted)).distinct()).scalars())
    return [c for c in wanted if c not in known]
