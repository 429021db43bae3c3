"""The import never keeps the older row; student-ID formats; student details; warnings; file-level errors in Chinese.

Tried the way staff meet it: a 50-row spreadsheet with the usual mistakes, as CSV and as XLSX.
"""

from __future__ import annotations

import csv
import re
from pathlib import Path

import pytest
from openpyxl import Workbook
from sqlalchemy import select

from gradbot.cases.catalog import _parse
from gradbot.cases.import_report import format_report
from gradbot.cases.row_check import Rejected, check_row
from gradbot.cli import main
from gradbot.db.engine import sessions
from gradbot.db.models import Case, Student
from tests.support.database import import_sheet

HEADER = ["学号", "姓名", "学历层次", "学院", "事项", "状态", "备注", "更新时间"]
DISPATCH = ["待提交", "学院已审核", "已鉴证盖章", "档案已寄出"]


def realistic_rows() -> tuple[list[list[str]], dict[str, int]]:
    """50 rows as a college secretary sends them, with the mistakes numbered by spreadsheet row."""
    colleges = ["电信学部", "能动学院", "机械学院", "管理学院", "人文学院"]
    levels = ["本科", "硕士", "博士"]
    rows = []
    for i in range(44):
        student = f"21920{i:05d}"
        rows.append([student, f"学生{i}", levels[i % 3], colleges[i % 5], "签约派遣", DISPATCH[i % 4], "",
                     f"2026-11-{10 + i % 10:02d} 09:{i % 60:02d}"])
    mistakes = {
        "duplicate_newer_first": 46, "duplicate_older_later": 47, "letter_l": 48, "bad_level": 49,
        "unknown_status": 50, "name_changed": 51,
    }
    rows.append(["2191000001", "学生1", "硕士", "能动学院", "签约派遣", "档案已寄出", "", "2026-11-25 16:00"])  # 46: newer
    rows.append(["2191000001", "学生1", "硕士", "能动学院", "签约派遣", "待提交", "", "2026-11-02 08:00"])     # 47: older
    rows.append(["2206l100036", "王小明", "硕士", "能动学院", "签约派遣", "待提交", "", "2026-11-20"])          # 48
    rows.append(["2191000090", "赵六", "专科", "管理学院", "签约派遣", "学院已审核", "", "2026-11-21"])         # 49
    rows.append(["2191000091", "钱七", "本科", "管理学院", "签约派遣", "已完成", "", "2026-11-21"])             # 50
    rows.append(["2191000002", "学生二", "博士", "人文学院", "签约派遣", "学院已审核", "", "2026-11-22"])       # 51
    return rows, mistakes


def write_csv(path: Path, rows: list[list[str]]) -> Path:
    with path.open("w", encoding="gbk", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADER)
        writer.writerows(rows)
    return path


def write_xlsx(path: Path, rows: list[list[str]]) -> Path:
    book = Workbook()
    sheet = book.active
    sheet.append(["2026届毕业生签约进度"])  # a title row above the header, as staff make them
    sheet.append(HEADER)
    for row in rows:
        sheet.append(row)
    book.save(path)
    return path


def status_of(url: str, student_id: str) -> str | None:
    with sessions(url).begin() as session:
        return session.execute(select(Case.status).where(Case.student_id == student_id, Case.case_type == "dispatch")).scalar()


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_a_realistic_sheet_with_mistakes(db_url, tmp_path, kind):
    rows, at = realistic_rows()
    assert len(rows) == 50
    import_sheet(write_csv(tmp_path / "old.csv", [["2191000002", "学生2", "博士", "人文学院", "签约派遣", "待提交", "", "2026-11-01"]]),
                 apply=True, url=db_url)
    offset = 1 if kind == "xlsx" else 0  # the title row moves every row down by one
    path = write_xlsx(tmp_path / "sheet.xlsx", rows) if kind == "xlsx" else write_csv(tmp_path / "sheet.csv", rows)
    report = import_sheet(path, apply=True, url=db_url)
    plan = report.plan

    # the older duplicate (below the newer one) never wins
    [duplicate] = plan.duplicates
    assert duplicate.kept.row == at["duplicate_newer_first"] + offset and duplicate.dropped.row == at["duplicate_older_later"] + offset
    assert status_of(db_url, "2191000001") == "档案已寄出"
    rejected = {r.row - offset: r.reason for r in plan.rejected}
    assert set(rejected) == {at["letter_l"], at["unknown_status"]}
    assert "第 5 位是字母“l”" in rejected[at["letter_l"]] and "10–12 位数字" in rejected[at["letter_l"]]
    # a bad 学历层次 imports the row with the level unknown, and says so
    assert status_of(db_url, "2191000090") == "学院已审核"
    with sessions(db_url).begin() as session:
        assert session.get(Student, "2191000090").level is None
        assert session.get(Student, "2191000002").name == "学生二"
    assert plan.student_changes["2191000002"] == ["姓名 学生2 → 学生二"]

    text = format_report(report)
    assert f"第 {at['duplicate_newer_first'] + offset} 行 2191000001：与第 {at['duplicate_older_later'] + offset} 行是同一学号、同一事项" in text
    assert "状态 档案已寄出" in text and "比第" in text and "不导入" in text
    assert "学生信息将被改写" in text and "姓名 学生2 → 学生二" in text
    assert "专科" in text and "按“层次未知”导入" in text
    assert "重复未导入 1 行" in text


def test_the_older_row_loses_even_when_it_comes_first(db_url, tmp_path):
    rows = [["2191000001", "张三", "本科", "", "签约派遣", "待提交", "", "2026-11-01"],
            ["2191000001", "张三", "本科", "", "签约派遣", "学院已审核", "", "2026-11-20 10:00"],
            ["2191000001", "张三", "本科", "", "签约派遣", "已鉴证盖章", "", "2026-11-05"]]
    report = import_sheet(write_csv(tmp_path / "d.csv", rows), apply=True, url=db_url)
    assert status_of(db_url, "2191000001") == "学院已审核"
    assert sorted((d.kept.row, d.dropped.row) for d in report.plan.duplicates) == [(3, 2), (3, 4)]


CATALOG_WITH_LEVELS = {
    "case_types": {"dispatch": {"name": "签约派遣", "statuses": ["待提交"]}},
    "student_ids": {"undergraduate": {"pattern": r"^[0-9]{10}$", "description": "10 位数字"},
                    "master": r"^3[0-9]{10}$"},
}


def _check(student_id: str, level: str):
    raw = {"student_id": student_id, "case_type": "签约派遣", "status": "待提交", "level": level}
    from datetime import datetime

    return check_row(2, raw, _parse(CATALOG_WITH_LEVELS, "test"), datetime(2026, 11, 27))


def test_student_id_pattern_per_level():
    assert not isinstance(_check("2191000001", "本科"), Rejected)
    assert not isinstance(_check("31220000001", "硕士"), Rejected)
    refused = _check("2191000001", "硕士")
    assert isinstance(refused, Rejected) and "不符合硕士生学号格式" in refused.reason
    assert not isinstance(_check("31220000001", ""), Rejected)  # level unknown, no default: any level's format
    assert "10 位数字" in _check("219100000l", "本科").reason
    full_width = _check("２１９１０００００７", "本科")  # typed with a Chinese input method
    assert not isinstance(full_width, Rejected) and full_width.student_id == "2191000007"


def test_a_bad_pattern_is_named_by_kb_check_with_line(tmp_path):
    from gradbot.knowledge.case_types import parse_case_types_file

    path = tmp_path / "_case_types.yml"
    path.write_text("student_ids:\n  default: '^[0-9{10}$'\n  college: '^x$'\ncase_types:\n  d:\n    name: 派遣\n"
                    "    statuses:\n      - name: 待提交\n", encoding="utf-8")
    problems = [str(p) for p in parse_case_types_file(path).problems]
    assert any(":2:" in p and "不是有效的正则表达式" in p for p in problems)
    assert any(":3:" in p and "层次 college" in p for p in problems)


@pytest.mark.parametrize("name, content, expected", [
    ("old.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100, "不支持旧版 Excel（.xls）"),
    ("renamed.csv", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100, "不支持旧版 Excel（.xls）"),
    ("noheader.csv", "2191000001,张三,签约派遣,待提交\n".encode("utf-8"), "找不到表头行"),
    ("columns.csv", "学号,姓名\n2191000001,张三\n".encode("utf-8"), "缺少必填的列"),
    ("broken.xlsx", b"PK\x03\x04 not really a workbook", "无法作为 Excel（.xlsx）文件打开"),
])
def test_file_level_errors_are_chinese_and_not_logs(cases_db, tmp_path, capsys, name, content, expected):
    path = tmp_path / name
    path.write_bytes(content)
    assert main(["cases", "import", str(path)]) == 2
    captured = capsys.readouterr()
    assert captured.err.startswith("无法导入：") and expected in captured.err
    assert " INFO " not in captured.err and "Traceback" not in captured.err and "error:" not in captured.err


def test_a_broken_case_types_file_is_named_with_file_and_line(cases_db, tmp_path, capsys, monkeypatch):
    import shutil

    from gradbot.knowledge import store
    from gradbot.settings import PROJECT_ROOT, get_settings

    policies = tmp_path / "policies"
    shutil.copytree(PROJECT_ROOT / "policies", policies)
    text = (policies / "_case_types.yml").read_text(encoding="utf-8")
    (policies / "_case_types.yml").write_text(text.replace("    name: 签约派遣", "    name 签约派遣", 1), encoding="utf-8")
    monkeypatch.setenv("GRADBOT_POLICIES_DIR", str(policies))
    monkeypatch.setenv("GRADBOT_DATA_DIR", str(tmp_path / "data"))  # no last good version saved yet
    get_settings.cache_clear()
    monkeypatch.setattr(store, "_default_store", None)
    sheet = write_csv(tmp_path / "s.csv", [["2191000001", "张三", "本科", "", "签约派遣", "待提交", "", ""]])
    code = main(["cases", "import", str(sheet)])
    captured = capsys.readouterr()
    assert code == 2, captured
    assert "无法导入：办理事项文件 _case_types.yml 有错误" in captured.err
    line = text.splitlines().index("    name: 签约派遣") + 1
    assert re.search(rf"_case_types.yml:({line}|{line + 1}): \[dispatch\] 错误：YAML 语法错误", captured.err)
    assert " ERROR " not in captured.err + captured.out
