"""Reading a staff spreadsheet (CSV in UTF-8, UTF-8 with BOM, UTF-16 or GBK/GB18030, or
XLSX) into rows of raw values keyed by field, whatever the headers (Chinese or English)
and wherever the header row is (title rows above it are skipped)."""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Sequence

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


class ImportFileError(ValueError):
    """The whole file cannot be read (format, encoding, missing columns)."""



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
        raise ImportFileError(f"{source}：找不到表头行（第一行应是列名，其中要有“学号”这一列）/ no header row with 学号 found")
    missing = [f for f in REQUIRED_FIELDS if f not in header.values()]
    if missing:
        names = "、".join(f"{HEADER_NAMES[f][0]}({f})" for f in missing)
        raise ImportFileError(f"{source}：缺少必填的列 {names}")
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
        raise ImportFileError(f"文件既不是 UTF-8 也不是 GBK 编码（第 {exc.start} 个字节无法识别），请在 Excel 中另存为“CSV UTF-8”或 .xlsx / "
                             "cannot decode the file as UTF-8 or GBK") from None


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
        raise ImportFileError(f"{path.name}：无法作为 Excel（.xlsx）文件打开，文件可能已损坏或其实是别的格式；"
                              f"请用 Excel 打开后另存为 .xlsx（{type(exc).__name__}）") from None
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
        raise ImportFileError(f"{path}：文件不存在")
    suffix = path.suffix.lower()
    with path.open("rb") as handle:
        magic = handle.read(8)
    if magic.startswith(b"PK\x03\x04") and suffix not in (".xlsx", ".xlsm"):
        suffix = ".xlsx"  # an Excel workbook saved under another name
    if suffix in (".xlsx", ".xlsm"):
        return _read_xlsx(path)
    if suffix == ".xls" or magic.startswith(b"\xd0\xcf\x11\xe0"):  # the old binary Excel format, whatever the name
        raise ImportFileError(f"{path.name}：不支持旧版 Excel（.xls）文件，请在 Excel 中“另存为” .xlsx 或 CSV 后再导入 / "
                              "old .xls files are not supported; save as .xlsx or CSV")
    return _read_csv(path)


