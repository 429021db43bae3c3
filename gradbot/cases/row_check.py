"""Checking one spreadsheet row: required fields, student ID format (per level, from the
catalog), case type and status from the catalog, level, 更新时间 (many date shapes, not in
the future) and lengths; a valid row comes out normalised, a broken one with its reason in
Chinese. A bad optional value (学历层次) does not refuse the row: the field is left
unknown and the row carries a warning."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from gradbot.cases.catalog import Catalog, CatalogError, parse_level
from gradbot.cases.spreadsheet import HEADER_NAMES

_DATE_FORMATS = (
    "%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d", "%Y/%m/%d %H:%M:%S", "%Y/%m/%d %H:%M",
    "%Y/%m/%d", "%Y.%m.%d", "%Y%m%d", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%dT%H:%M",
)
_SIMPLE_DATE = re.compile(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?:[ T](\d{1,2}):(\d{2})(?::(\d{2}))?)?$")
MAX_LENGTHS = {"name": 100, "college": 100, "office": 100}


@dataclass
class Row:
    """A valid spreadsheet row, normalised."""

    row: int
    student_id: str
    case_type: str
    status: str
    note: str | None  # None: the sheet has no 备注 column (the stored note is kept)
    updated_at: datetime
    has_updated_at: bool
    name: str = ""
    level: str | None = None
    college: str = ""
    office: str = ""
    warnings: list[str] = field(default_factory=list)  # optional values left out, in Chinese


@dataclass
class Rejected:
    """A row that will not be imported, and why."""

    row: int
    reason: str
    student_id: str = ""


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
    student_id = unicodedata.normalize("NFKC", _text(raw.get("student_id")))  # full-width digits (２１９…) from an IME
    if not student_id:
        return Rejected(number, "缺少学号")
    warnings: list[str] = []
    try:
        level = parse_level(_text(raw.get("level")))
    except CatalogError as exc:  # optional: import the row with the level unknown
        level = None
        warnings.append(f"{exc}，按“层次未知”导入")
    problem = catalog.student_id_problem(student_id, level)
    if problem:
        return Rejected(number, problem, student_id)
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
        note=_text(raw.get("note")) if "note" in raw else None, updated_at=updated_at or now, has_updated_at=updated_at is not None,
        name=values["name"], level=level, college=values["college"], office=values["office"], warnings=warnings,
    )


