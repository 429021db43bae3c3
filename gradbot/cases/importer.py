"""The staff import of case statuses: plan, then apply, in the caller's transaction.

:func:`plan_import` checks every row (:mod:`gradbot.cases.row_check`) of a table read by
:mod:`gradbot.cases.spreadsheet` and compares it with the database (batched queries):
each row is new, changed, unchanged, stale (older than what the database holds; never
overwrites it) or rejected with a reason. Two rows for the same student and case: the
newer 更新时间 wins (without both times, the lower row in the file), and the plan says
which was kept. Changes to a student's details (name, level, college) are listed. :func:`apply_plan` writes the valid rows, their
history and the outbox notifications; :func:`import_file` does both for one file in the
session it is given, so a failure midway leaves the database as it was.
The staff's summary is :func:`gradbot.cases.import_report.format_report`.
"""

from __future__ import annotations

import logging
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.orm import Session
from tqdm import tqdm

from gradbot.cases.catalog import Catalog, load_catalog
from gradbot.cases.notifications import StatusChange, enqueue_status_changes
from gradbot.cases.row_check import Rejected, Row, check_row
from gradbot.cases.spreadsheet import Table, read_table
from gradbot.db.models import Case, CaseHistory, Student, beijing_now, utcnow

log = logging.getLogger(__name__)

_CHUNK = 500


@dataclass
class PlannedRow:
    """What the import will do with a valid row."""

    row: Row
    action: str  # new | changed | unchanged | stale
    old_status: str | None = None
    changes: list[str] = field(default_factory=list)
    case_id: int | None = None
    reason: str = ""


@dataclass
class Duplicate:
    """Two rows of one file for the same student and case: which one is imported, and why."""

    kept: Row
    dropped: Row

    @property
    def reason(self) -> str:
        k, d = self.kept, self.dropped
        if k.has_updated_at and d.has_updated_at and k.updated_at != d.updated_at:
            why = f"更新时间 {k.updated_at:%Y-%m-%d %H:%M} 比第 {d.row} 行的 {d.updated_at:%Y-%m-%d %H:%M} 新"
        elif k.has_updated_at and d.has_updated_at:
            why = "更新时间相同，取表格中靠下的一行"
        else:
            why = "没有都填更新时间，取表格中靠下的一行"
        return (f"与第 {d.row} 行是同一学号、同一事项：导入第 {k.row} 行（状态 {k.status}，{why}），"
                f"第 {d.row} 行（状态 {d.status}）不导入")


def _newer(a: Row, b: Row) -> Row:
    """Of two rows for the same case, the one to import: newer 更新时间, else the lower row."""
    if a.has_updated_at and b.has_updated_at and a.updated_at != b.updated_at:
        return a if a.updated_at > b.updated_at else b
    return a if a.row > b.row else b


@dataclass
class ImportPlan:
    """Everything :func:`apply_plan` would do, for staff to review first."""

    source: str
    planned: list[PlannedRow] = field(default_factory=list)
    rejected: list[Rejected] = field(default_factory=list)
    new_students: dict[str, dict] = field(default_factory=dict)
    student_updates: dict[str, dict] = field(default_factory=dict)
    student_changes: dict[str, list[str]] = field(default_factory=dict)  # student id -> "姓名 张三 → 张叁", ...
    duplicates: list[Duplicate] = field(default_factory=list)
    ignored_columns: list[str] = field(default_factory=list)
    encoding: str = ""

    def rows(self, action: str) -> list[PlannedRow]:
        """The planned rows with this action."""
        return [p for p in self.planned if p.action == action]

    def counts(self) -> dict[str, int]:
        """Rows per outcome, plus student counts."""
        counts = {a: 0 for a in ("new", "changed", "unchanged", "stale")}
        for p in self.planned:
            counts[p.action] += 1
        counts["rejected"] = len(self.rejected)
        counts["duplicates"] = len(self.duplicates)
        counts["new_students"] = len(self.new_students)
        counts["updated_students"] = len(self.student_updates)
        return counts


# ---------------------------------------------------------------- planning

def _chunks(items: list, size: int = _CHUNK) -> Iterator[list]:
    for start in range(0, len(items), size):
        yield items[start:start + size]


def _progress(iterable, total: int, desc: str, enabled: bool | None):
    return tqdm(iterable, total=total, desc=desc, unit="行", file=sys.stderr, leave=False,
                disable=(not enabled) if enabled is not None else None, mininterval=0.2)


def plan_import(session: Session, table: Table, source: str = "", catalog: Catalog | None = None,
                progress: bool | None = False) -> ImportPlan:
    """Check every row and compare it with the database (a few batched queries)."""
    catalog = catalog or load_catalog()
    plan = ImportPlan(source=source, ignored_columns=table.ignored_columns, encoding=table.encoding)
    now = beijing_now()
    chosen: dict[tuple[str, str], Row] = {}
    for number, raw in _progress(table.rows, len(table.rows), "检查", progress):
        checked = check_row(number, raw, catalog, now)
        if isinstance(checked, Rejected):
            plan.rejected.append(checked)
            continue
        key = (checked.student_id, checked.case_type)
        if key in chosen:
            kept = _newer(chosen[key], checked)
            plan.duplicates.append(Duplicate(kept, checked if kept is chosen[key] else chosen[key]))
            checked = kept
        chosen[key] = checked
    valid = sorted(chosen.values(), key=lambda r: r.row)
    plan.duplicates.sort(key=lambda d: d.dropped.row)

    student_ids = sorted({r.student_id for r in valid})
    students: dict[str, Student] = {}
    cases: dict[tuple[str, str], tuple] = {}
    for chunk in _progress(list(_chunks(student_ids)), -(-len(student_ids) // _CHUNK), "比对", progress):
        for student in session.execute(select(Student).where(Student.student_id.in_(chunk))).scalars():
            students[student.student_id] = student
        rows = session.execute(
            select(Case.id, Case.student_id, Case.case_type, Case.status, Case.note, Case.office, Case.updated_at)
            .where(Case.student_id.in_(chunk))
        )
        for row in rows:
            cases[(row.student_id, row.case_type)] = row

    for row in valid:
        _plan_student(plan, students.get(row.student_id), row)
        existing = cases.get((row.student_id, row.case_type))
        if row.note is None:  # no 备注 column: keep the note staff entered before (e.g. a tracking number)
            row.note = (existing.note or "") if existing is not None else ""
        if existing is None:
            plan.planned.append(PlannedRow(row, "new"))
            continue
        changes = []
        if existing.status != row.status:
            changes.append(f"状态 {existing.status} → {row.status}")
        if (existing.note or "") != row.note:
            changes.append("备注")
        if row.office and (existing.office or "") != row.office:
            changes.append("办理部门")
        if not changes:
            plan.planned.append(PlannedRow(row, "unchanged", existing.status, case_id=existing.id))
        elif row.updated_at < existing.updated_at:
            plan.planned.append(PlannedRow(
                row, "stale", existing.status, changes, existing.id,
                reason=f"更新时间 {row.updated_at:%Y-%m-%d %H:%M} 早于数据库中的 {existing.updated_at:%Y-%m-%d %H:%M}，不覆盖",
            ))
        else:
            plan.planned.append(PlannedRow(row, "changed", existing.status, changes, existing.id))
    plan.rejected.sort(key=lambda r: r.row)
    return plan


def _plan_student(plan: ImportPlan, student: Student | None, row: Row) -> None:
    wanted = {"name": row.name, "level": row.level, "college": row.college}
    if student is None:
        entry = plan.new_students.setdefault(row.student_id, {"student_id": row.student_id, "name": "",
                                                              "level": None, "college": None})
        entry.update({k: v for k, v in wanted.items() if v})
        return
    current = plan.student_updates.get(row.student_id) or {
        "b_student_id": student.student_id, "name": student.name, "level": student.level, "college": student.college,
    }
    merged = dict(current)
    merged.update({k: v for k, v in wanted.items() if v})
    changes = [f"{label} {_shown(k, getattr(student, k))} → {_shown(k, merged[k])}"
               for k, label in (("name", "姓名"), ("level", "学历层次"), ("college", "学院")) if merged[k] != getattr(student, k)]
    if changes:
        plan.student_updates[row.student_id] = merged
        plan.student_changes[row.student_id] = changes


def _shown(key: str, value: str | None) -> str:
    from gradbot.cases.catalog import LEVEL_NAMES

    if key == "level":
        return LEVEL_NAMES.get(value or "", "未知")
    return value or "（空）"


# ---------------------------------------------------------------- applying

@dataclass
class ApplyResult:
    """What :func:`apply_plan` wrote."""

    new_cases: int = 0
    changed_cases: int = 0
    history_rows: int = 0
    notifications: int = 0
    new_students: int = 0
    updated_students: int = 0


def apply_plan(session: Session, plan: ImportPlan, changed_by: str, catalog: Catalog | None = None) -> ApplyResult:
    """Write the plan's new and changed rows, their history and notifications (caller commits)."""
    catalog = catalog or load_catalog()
    now = utcnow()
    result = ApplyResult()
    students = Student.__table__
    if plan.new_students:
        session.execute(insert(students), [dict(v, created_at=now, updated_at=now) for v in plan.new_students.values()])
        result.new_students = len(plan.new_students)
    if plan.student_updates:
        session.execute(
            update(students).where(students.c.student_id == bindparam("b_student_id"))
            .values(name=bindparam("name"), level=bindparam("level"), college=bindparam("college"), updated_at=now),
            [dict(v) for v in plan.student_updates.values()],
        )
        result.updated_students = len(plan.student_updates)

    cases = Case.__table__
    new_rows = plan.rows("new")
    if new_rows:
        session.execute(insert(cases), [
            {"student_id": p.row.student_id, "case_type": p.row.case_type, "status": p.row.status,
             "note": p.row.note, "office": p.row.office or catalog.get(p.row.case_type).contact or None,
             "updated_at": p.row.updated_at, "created_at": now}
            for p in new_rows
        ])
        wanted = {(p.row.student_id, p.row.case_type): p for p in new_rows}
        for chunk in _chunks(sorted({p.row.student_id for p in new_rows})):
            for case_id, student_id, case_type in session.execute(
                select(cases.c.id, cases.c.student_id, cases.c.case_type).where(cases.c.student_id.in_(chunk))
            ):
                if (student_id, case_type) in wanted:
                    wanted[(student_id, case_type)].case_id = case_id
        result.new_cases = len(new_rows)

    changed_rows = plan.rows("changed")
    if changed_rows:
        session.execute(
            update(cases).where(cases.c.id == bindparam("b_id"))
            .values(status=bindparam("status"), note=bindparam("note"), office=bindparam("office"),
                    updated_at=bindparam("updated_at")),
            _changed_params(session, changed_rows),
        )
        result.changed_cases = len(changed_rows)

    written = new_rows + changed_rows
    if written:
        session.execute(insert(CaseHistory.__table__), [
            {"case_id": p.case_id, "student_id": p.row.student_id, "case_type": p.row.case_type,
             "old_status": p.old_status if p.action == "changed" else None, "new_status": p.row.status,
             "note": p.row.note, "source_updated_at": p.row.updated_at, "changed_at": now, "changed_by": changed_by[:200]}
            for p in written
        ])
        result.history_rows = len(written)
    status_changes = [
        StatusChange(p.case_id, p.row.student_id, p.row.case_type, p.old_status if p.action == "changed" else None,
                     p.row.status, p.row.note, p.row.updated_at)
        for p in written if p.action == "new" or p.old_status != p.row.status
    ]
    result.notifications = enqueue_status_changes(session, catalog, status_changes)
    return result


def _changed_params(session: Session, changed_rows: list[PlannedRow]) -> list[dict]:
    """Update parameters; a blank 办理部门 keeps the stored one (looked up in batches)."""
    offices: dict[int, str | None] = {}
    missing = [p.case_id for p in changed_rows if not p.row.office]
    for chunk in _chunks(missing):
        offices.update(session.execute(select(Case.id, Case.office).where(Case.id.in_(chunk))).all())
    return [
        {"b_id": p.case_id, "status": p.row.status, "note": p.row.note,
         "office": p.row.office or offices.get(p.case_id), "updated_at": p.row.updated_at}
        for p in changed_rows
    ]


# ---------------------------------------------------------------- the whole import

@dataclass
class ImportReport:
    """The outcome of :func:`import_file`."""

    plan: ImportPlan
    applied: bool
    result: ApplyResult | None = None
    refused: str = ""  # why nothing was written under --strict


def import_file(session: Session, path: str | Path, apply: bool = False, strict: bool = False,
                changed_by: str | None = None, progress: bool | None = False,
                catalog: Catalog | None = None) -> ImportReport:
    """Plan (and with ``apply`` write, in ``session``'s transaction) the import of one spreadsheet.

    :class:`gradbot.cases.spreadsheet.ImportFileError` when the file can't be used at all.
    """
    path = Path(path)
    table = read_table(path)
    catalog = catalog or load_catalog()
    plan = plan_import(session, table, source=path.name, catalog=catalog, progress=progress)
    if strict and plan.rejected:
        return ImportReport(plan, applied=False, refused=f"--strict: {len(plan.rejected)} 行被拒绝，整个文件未导入")
    if not apply:
        return ImportReport(plan, applied=False)
    result = apply_plan(session, plan, changed_by or f"import:{path.name}", catalog)
    log.debug("imported %s: %d new, %d changed, %d notifications", path.name, result.new_cases,
              result.changed_cases, result.notifications)
    return ImportReport(plan, applied=True, result=result)
