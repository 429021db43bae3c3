"""The staff import: spreadsheets (CSV or XLSX) of case statuses into the database.

:func:`read_table` reads the file (CSV in UTF-8, UTF-8 with BOM or GBK/GB18030, or
XLSX; Chinese or English headers). :func:`plan_import` checks every row and compares it
with the database (batched queries): each row is new, changed, unchanged, stale (older
than what the database holds; never overwrites it) or rejected with a reason.
:func:`apply_plan` writes the valid rows, their history and the outbox notifications;
:func:`import_file` does all of it in one transaction, so a failure midway leaves the
database as it was.
"""

from __future__ import annotations

import csv
import io
import logging
import re
import sys
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Iterable, Iterator, Sequence

from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.orm import Session
from tqdm import tqdm

from gradbot.cases.catalog import Catalog, CatalogError, load_catalog, parse_level
from gradbot.cases.models import Case, CaseHistory, Student, beijing_now, utcnow
from gradbot.cases.outbox import StatusChange, enqueue_status_changes

log = logging.getLogger(__name__)

_CHUNK = 500
FIELDS = ("student_id", "name", "level", "college", "case_type", "status", "note", "updated_at", "office")
REQUIRED_FIELDS = ("student_id", "case_type", "status")
HEADER_NAMES = {
    "student_id": ("学号", "student_id", "studentid", "student_no", "学生学号"),
    "name": ("姓名", "name", "学生姓名"),
    "level": ("学历层次", "层次", "学历", "培养层次", "level"),
    "college": ("学院", "书院", "学院/书院", "书院/学院", "学院或书院", "college", "school"),
    "case_type": ("事项", "事项类型", "办理事项", "case_type", "casetype", "type"),
    "status": ("状态", "办理状态", "进度", "status"),
    "note": ("备注", "说明", "note", "notes", "remark", "remarks"),
    "updated_at": ("更新时间", "更新日期", "updated_at", "updatedat", "updated", "update_time"),
    "office": ("办理部门", "经办部门", "office"),
}
_HEADER_LOOKUP = {re.sub(r"[\s_]", "", alias.lower()): key for key, names in HEADER_NAMES.items() for alias in names}
_STUDENT_ID = re.compile(r"^[A-Za-z0-9-]{3,32}$")
_DATE_FORMATS = (
    "%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d", "%Y/%m/%d %H:%M:%S", "%Y/%m/%d %H:%M",
    "%Y/%m/%d", "%Y.%m.%d", "%Y%m%d", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%dT%H:%M",
)
_SIMPLE_DATE = re.compile(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?:[ T](\d{1,2}):(\d{2})(?::(\d{2}))?)?$")
MAX_LENGTHS = {"name": 100, "college": 100, "office": 100}


class ImportFileError(ValueError):
    """The whole file cannot be read (format, encoding, missing columns)."""


# ---------------------------------------------------------------- reading

@dataclass
class Table:
    """The rows of a spreadsheet: (row number as staff see it, {field: raw value})."""

    rows: list[tuple[int, dict[str, object]]]
    ignored_columns: list[str] = field(default_factory=list)
    encoding: str = ""


def _header_key(cell: object) -> str | None:
    text = str(cell or "").replace("\ufeff", "").strip()
    text = re.sub(r"[（(].*?[)）]", "", text)  # 更新时间(YYYY-MM-DD) -> 更新时间
    return _HEADER_LOOKUP.get(re.sub(r"[\s_\u3000]", "", text.lower()))


def _rows_to_table(raw_rows: Iterable[tuple[int, Sequence]], source: str) -> Table:
    iterator = iter(raw_rows)
    header: dict[int, str] | None = None
    ignored: list[str] = []
    for _, cells in iterator:  # the header is the first row naming 学号 (title rows above it are skipped)
        keys = [_header_key(c) for c in cells]
        if "student_id" in keys:
            header = {}
            for index, (cell, key) in enumerate(zip(cells, keys)):
                if key and key not in header.values():
                    header[index] = key
                elif str(cell or "").strip():
                    ignored.append(str(cell).strip())
            break
    if header is None:
        raise ImportFileError(f"{source}: no header row with 学号/student_id found")
    missing = [f for f in REQUIRED_FIELDS if f not in header.values()]
    if missing:
        names = "、".join(f"{HEADER_NAMES[f][0]}({f})" for f in missing)
        raise ImportFileError(f"{source}: missing column(s) {names}")
    rows = []
    for number, cells in iterator:
        values = {key: (cells[index] if index < len(cells) else None) for index, key in header.items()}
        if all(v is None or str(v).strip() == "" for v in values.values()):
            continue
        rows.append((number, values))
    return Table(rows=rows, ignored_columns=ignored)


def decode_csv_bytes(data: bytes) -> tuple[str, str]:
    """Text and encoding of a CSV as Excel saves it: UTF-8 (with or without BOM), UTF-16, GB18030."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8"), "utf-8-sig"
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16"), "utf-16"
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("gb18030"), "gb18030"  # a superset of GBK and GB2312
    except UnicodeDecodeError as exc:
        raise ImportFileError(f"cannot decode the file as UTF-8 or GBK (byte {exc.start})") from None


def _read_csv(path: Path) -> Table:
    text, encoding = decode_csv_bytes(path.read_bytes())
    first_line = text.split("\n", 1)[0]
    delimiter = max(",\t;", key=first_line.count) if any(d in first_line for d in ",\t;") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    table = _rows_to_table(((reader.line_num, row) for row in reader), path.name)
    table.encoding = encoding
    return table


def _read_xlsx(path: Path) -> Table:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a broken file
        raise ImportFileError(f"{path.name}: not a readable XLSX file ({exc})") from None
    try:
        sheet = workbook.active or workbook.worksheets[0]
        table = _rows_to_table(
            ((number, list(cells)) for number, cells in enumerate(sheet.iter_rows(values_only=True), start=1)),
            path.name,
        )
    finally:
        workbook.close()
    table.encoding = "xlsx"
    return table


def read_table(path: str | Path) -> Table:
    """Read a CSV or XLSX spreadsheet; :class:`ImportFileError` if it can't be used at all."""
    path = Path(path)
    if not path.is_file():
        raise ImportFileError(f"{path}: no such file")
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        return _read_xlsx(path)
    if suffix == ".xls":
        raise ImportFileError(f"{path.name}: old .xls files are not supported; save it as .xlsx or CSV")
    return _read_csv(path)


# ---------------------------------------------------------------- checking rows

@dataclass
class Row:
    """A valid spreadsheet row, normalised."""

    row: int
    student_id: str
    case_type: str
    status: str
    note: str
    updated_at: datetime
    has_updated_at: bool
    name: str = ""
    level: str | None = None
    college: str = ""
    office: str = ""


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
class Rejected:
    """A row that will not be imported, and why."""

    row: int
    reason: str
    student_id: str = ""


@dataclass
class ImportPlan:
    """Everything :func:`apply_plan` would do, for staff to review first."""

    source: str
    planned: list[PlannedRow] = field(default_factory=list)
    rejected: list[Rejected] = field(default_factory=list)
    new_students: dict[str, dict] = field(default_factory=dict)
    student_updates: dict[str, dict] = field(default_factory=dict)
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
        counts["new_students"] = len(self.new_students)
        counts["updated_students"] = len(self.student_updates)
        return counts


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).replace("\u3000", " ").strip()


def parse_datetime(value: object) -> datetime | None:
    """A 更新时间 cell as a naive datetime; None when empty; ValueError when unreadable."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, datetime):
        return value.replace(tzinfo=None, microsecond=0)
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day)
    text = _text(value)
    text = re.sub(r"(\d{4})年(\d{1,2})月(\d{1,2})日?", r"\1-\2-\3", text).strip()
    simple = _SIMPLE_DATE.match(text)
    if simple:  # the common shapes, without strptime's cost
        year, month, day, hour, minute, second = (int(g) if g else 0 for g in simple.groups())
        return datetime(year, month, day, hour, minute, second)  # ValueError for 2026-02-30
    for fmt in _DATE_FORMATS:
        try:
            return datetime.strptime(text, fmt)
        except ValueError:
            continue
    raise ValueError(text)


def check_row(number: int, raw: dict[str, object], catalog: Catalog, now: datetime) -> Row | Rejected:
    """Validate and normalise one row."""
    student_id = _text(raw.get("student_id"))
    if not student_id:
        return Rejected(number, "缺少学号")
    if not _STUDENT_ID.match(student_id):
        return Rejected(number, f"学号“{student_id}”格式不对（应为字母或数字）", student_id)
    try:
        case_type = catalog.case_type(_text(raw.get("case_type")))
    except CatalogError as exc:
        reason = "缺少事项" if not _text(raw.get("case_type")) else str(exc)
        return Rejected(number, reason, student_id)
    status_text = _text(raw.get("status"))
    if not status_text:
        return Rejected(number, "缺少状态", student_id)
    try:
        status = case_type.status(status_text)
    except CatalogError as exc:
        return Rejected(number, str(exc), student_id)
    try:
        level = parse_level(_text(raw.get("level")))
    except CatalogError as exc:
        return Rejected(number, str(exc), student_id)
    try:
        updated_at = parse_datetime(raw.get("updated_at"))
    except ValueError:
        return Rejected(number, f"更新时间“{_text(raw.get('updated_at'))}”无法识别（示例：2026-06-01 或 2026-06-01 14:30）",
                        student_id)
    if updated_at is not None and updated_at > now + timedelta(days=1):
        return Rejected(number, f"更新时间 {updated_at:%Y-%m-%d %H:%M} 在未来", student_id)
    values = {k: _text(raw.get(k)) for k in ("name", "college", "office")}
    for key, limit in MAX_LENGTHS.items():
        if len(values[key]) > limit:
            return Rejected(number, f"{HEADER_NAMES[key][0]}超过 {limit} 个字符", student_id)
    return Row(
        row=number, student_id=student_id, case_type=case_type.key, status=status.name,
        note=_text(raw.get("note")), updated_at=updated_at or now, has_updated_at=updated_at is not None,
        name=values["name"], level=level, college=values["college"], office=values["office"],
    )


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
    valid: list[Row] = []
    first_seen: dict[tuple[str, str], int] = {}
    for number, raw in _progress(table.rows, len(table.rows), "检查", progress):
        checked = check_row(number, raw, catalog, now)
        if isinstance(checked, Rejected):
            plan.rejected.append(checked)
            continue
        key = (checked.student_id, checked.case_type)
        if key in first_seen:
            plan.rejected.append(Rejected(number, f"与第 {first_seen[key]} 行重复（同一学号、同一事项）", checked.student_id))
            continue
        first_seen[key] = number
        valid.append(checked)

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
    if any(merged[k] != getattr(student, k) for k in wanted):
        plan.student_updates[row.student_id] = merged


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


def import_file(path: str | Path, apply: bool = False, strict: bool = False, url: str | None = None,
                changed_by: str | None = None, progress: bool | None = False) -> ImportReport:
    """Plan (and with ``apply`` write, in one transaction) the import of one spreadsheet."""
    from gradbot.cases.db import session_scope, upgrade

    path = Path(path)
    table = read_table(path)
    upgrade(url)
    catalog = load_catalog()
    with session_scope(url) as session:
        plan = plan_import(session, table, source=path.name, catalog=catalog, progress=progress)
        if strict and plan.rejected:
            return ImportReport(plan, applied=False, refused=f"--strict: {len(plan.rejected)} 行被拒绝，整个文件未导入")
        if not apply:
            return ImportReport(plan, applied=False)
        result = apply_plan(session, plan, changed_by or f"import:{path.name}", catalog)
    log.info("imported %s: %d new, %d changed, %d notifications", path.name, result.new_cases,
             result.changed_cases, result.notifications)
    return ImportReport(plan, applied=True, result=result)


def format_report(report: ImportReport, limit: int = 50) -> str:
    """A staff-readable summary: counts, then rejected and stale rows with reasons."""
    plan = report.plan
    c = plan.counts()
    lines = [
        f"文件 {plan.source}（{plan.encoding}）：新增 {c['new']} 行，变更 {c['changed']} 行，未变 {c['unchanged']} 行，"
        f"较旧未覆盖 {c['stale']} 行，拒绝 {c['rejected']} 行；新学生 {c['new_students']} 人，"
        f"学生信息更新 {c['updated_students']} 人。",
    ]
    if plan.ignored_columns:
        lines.append(f"忽略的列：{'、'.join(plan.ignored_columns)}")
    sections = (
        ("变更", [(p.row.row, p.row.student_id, "；".join(p.changes)) for p in plan.rows("changed")]),
        ("较旧未覆盖", [(p.row.row, p.row.student_id, p.reason) for p in plan.rows("stale")]),
        ("拒绝（请修改后重新导入）", [(r.row, r.student_id, r.reason) for r in plan.rejected]),
    )
    for title, items in sections:
        if not items:
            continue
        lines.append(f"{title}：")
        for number, student_id, text in items[:limit]:
            lines.append(f"  第 {number} 行 {student_id or '-'}：{text}")
        if len(items) > limit:
            lines.append(f"  …… 另有 {len(items) - limit} 行")
    if report.refused:
        lines.append(report.refused)
    elif report.applied and report.result:
        r = report.result
        lines.append(f"已写入：新增事项 {r.new_cases}，更新事项 {r.changed_cases}，历史记录 {r.history_rows}，"
                     f"待发送通知 {r.notifications}。")
    else:
        lines.append("以上为预览，数据库未改动；确认无误后加 --apply 写入。")
    return "\n".join(lines)
