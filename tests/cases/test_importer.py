"""The staff import: file formats, row checks, re-import, older rows, strict mode, rollback."""

from __future__ import annotations

import csv
from datetime import datetime
from pathlib import Path

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select

from gradbot.cases import importer
from gradbot.cases.binding import bind, issue_code
from gradbot.cases.import_report import format_report
from gradbot.cases.spreadsheet import read_table
from gradbot.db.engine import sessions
from gradbot.db.models import Case, CaseHistory, OutboxMessage, Student
from tests.support.database import import_sheet

ZH_HEADER = ["学号", "姓名", "学历层次", "学院", "事项", "状态", "备注", "更新时间"]
EN_HEADER = ["student_id", "name", "level", "college", "case_type", "status", "note", "updated_at"]
GOOD_ROWS = [
    ["2191000001", "张三", "本科", "电信学部", "签约派遣", "学院已审核", "", "2026-05-10 09:00"],
    ["2191000002", "李四", "硕士", "能动学院", "dispatch", "待提交", "缺用人单位盖章", "2026-05-10"],
    ["2191000002", "李四", "硕士", "能动学院", "上海落户", "材料已提交", "", "2026/5/11"],
    ["2191000003", "王五", "博士", "彭康书院", "出国登记", "退回", "录取通知书不清晰，请重新上传", "2026年5月12日"],
]


def write_csv(path: Path, header: list[str], rows: list[list[str]], encoding: str = "utf-8") -> Path:
    with path.open("w", encoding=encoding, newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def count(url: str, model) -> int:
    with sessions(url).begin() as session:
        return session.execute(select(func.count()).select_from(model)).scalar_one()


def case_of(url: str, student_id: str, case_type: str) -> Case | None:
    with sessions(url).begin() as session:
        return session.execute(
            select(Case).where(Case.student_id == student_id, Case.case_type == case_type)
        ).scalar_one_or_none()


def test_good_file_preview_changes_nothing_then_apply_writes(db_url, tmp_path):
    path = write_csv(tmp_path / "good.csv", ZH_HEADER, GOOD_ROWS)
    preview = import_sheet(path, url=db_url)
    assert not preview.applied
    assert preview.plan.counts()["new"] == 4 and preview.plan.counts()["rejected"] == 0
    assert count(db_url, Case) == 0

    report = import_sheet(path, apply=True, url=db_url)
    assert report.applied and report.result.new_cases == 4 and report.result.new_students == 3
    assert count(db_url, Case) == 4
    assert count(db_url, CaseHistory) == 4
    abroad = case_of(db_url, "2191000003", "abroad_registration")
    assert abroad.status == "退回" and abroad.note == "录取通知书不清晰，请重新上传"
    assert abroad.updated_at == datetime(2026, 5, 12)
    with sessions(db_url).begin() as session:
        student = session.get(Student, "2191000002")
        assert (student.name, student.level, student.college) == ("李四", "master", "能动学院")


def test_english_headers_and_gbk_encoding(db_url, tmp_path):
    path = write_csv(tmp_path / "gbk.csv", ZH_HEADER, GOOD_ROWS, encoding="gbk")
    table = read_table(path)
    assert table.encoding == "gb18030"
    assert table.rows[0][1]["name"] == "张三"
    report = import_sheet(path, apply=True, url=db_url)
    assert report.result.new_cases == 4

    en_rows = [["2191000009", "Zhao Liu", "doctor", "SEIEE", "talent_recognition", "已报书院学院", "", "2026-05-01"]]
    report = import_sheet(write_csv(tmp_path / "en.csv", EN_HEADER, en_rows, encoding="utf-8-sig"), apply=True, url=db_url)
    assert report.plan.encoding == "utf-8-sig" and report.result.new_cases == 1
    assert case_of(db_url, "2191000009", "talent_recognition").status == "已报书院学院"


def test_xlsx_with_title_row_and_numeric_cells(db_url, tmp_path):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["2026届签约进度（导出）"])
    sheet.append(ZH_HEADER)
    sheet.append([2191000001, "张三", "本科", "电信学部", "签约派遣", "已鉴证盖章", None, datetime(2026, 5, 20, 14, 30)])
    sheet.append([2191000004.0, "赵六", "硕士", "管理学院", "西安人才认定", "已报送中心", "", "2026-05-21"])
    path = tmp_path / "cases.xlsx"
    workbook.save(path)
    report = import_sheet(path, apply=True, url=db_url)
    assert report.plan.counts()["rejected"] == 0, report.plan.rejected
    assert [p.row.row for p in report.plan.planned] == [3, 4]
    assert case_of(db_url, "2191000001", "dispatch").updated_at == datetime(2026, 5, 20, 14, 30)
    assert case_of(db_url, "2191000004", "talent_recognition").status == "已报送中心"


def test_broken_rows_are_rejected_with_row_number_and_reason(db_url, tmp_path):
    rows = GOOD_ROWS[:1] + [
        ["", "无学号", "本科", "", "签约派遣", "待提交", "", ""],                       # row 3
        ["2191000005", "甲", "本科", "", "体检", "待提交", "", ""],                    # row 4: unknown type
        ["2191000006", "乙", "本科", "", "签约派遣", "已完成", "", ""],                # row 5: unknown status
        ["2191000007", "丙", "本科", "", "签约派遣", "待提交", "", "五月十号"],        # row 6: bad date
        ["2191000008", "丁", "大专", "", "签约派遣", "待提交", "", ""],                # row 7: bad level: imported, warned
        ["2191000001", "张三", "本科", "", "dispatch", "待提交", "", ""],              # row 8: same case as row 2
        ["2191000010", "戊", "本科", "", "签约派遣", "", "", ""],                      # row 9: no status
    ]
    path = write_csv(tmp_path / "broken.csv", ZH_HEADER, rows)
    report = import_sheet(path, apply=True, url=db_url)
    reasons = {r.row: r.reason for r in report.plan.rejected}
    assert sorted(reasons) == [3, 4, 5, 6, 9]
    assert "学号" in reasons[3]
    assert "未知事项" in reasons[4] and "体检" in reasons[4]
    assert "未知状态" in reasons[5] and "已完成" in reasons[5]
    assert "更新时间" in reasons[6]
    assert "状态" in reasons[9]
    warned = {p.row.row: p.row.warnings for p in report.plan.planned if p.row.warnings}
    assert list(warned) == [7] and "学历层次" in warned[7][0]
    [duplicate] = report.plan.duplicates
    assert (duplicate.kept.row, duplicate.dropped.row) == (8, 2)  # no time on row 8: the lower row wins
    assert report.result.new_cases == 2  # the valid rows are still written
    assert count(db_url, Case) == 2
    text = format_report(report)
    assert "第 4 行" in text and "拒绝" in text


def test_strict_refuses_whole_file_when_any_row_is_rejected(db_url, tmp_path):
    rows = GOOD_ROWS + [["2191000005", "甲", "本科", "", "体检", "待提交", "", ""]]
    report = import_sheet(write_csv(tmp_path / "s.csv", ZH_HEADER, rows), apply=True, strict=True, url=db_url)
    assert not report.applied and report.refused
    assert count(db_url, Case) == 0
    clean = import_sheet(write_csv(tmp_path / "ok.csv", ZH_HEADER, GOOD_ROWS), apply=True, strict=True, url=db_url)
    assert clean.applied and count(db_url, Case) == 4


def test_reimport_is_a_no_op(db_url, tmp_path):
    path = write_csv(tmp_path / "good.csv", ZH_HEADER, GOOD_ROWS)
    import_sheet(path, apply=True, url=db_url)
    again = import_sheet(path, apply=True, url=db_url)
    counts = again.plan.counts()
    assert counts["unchanged"] == 4 and counts["new"] == counts["changed"] == 0
    assert counts["new_students"] == counts["updated_students"] == 0
    assert again.result.history_rows == 0
    assert count(db_url, CaseHistory) == 4


def test_older_row_never_overwrites_newer_status(db_url, tmp_path):
    newer = [["2191000001", "张三", "本科", "", "签约派遣", "已鉴证盖章", "", "2026-05-20 10:00"]]
    older = [["2191000001", "张三", "本科", "", "签约派遣", "学院已审核", "", "2026-05-18 10:00"]]
    import_sheet(write_csv(tmp_path / "new.csv", ZH_HEADER, newer), apply=True, url=db_url)
    report = import_sheet(write_csv(tmp_path / "old.csv", ZH_HEADER, older), apply=True, url=db_url)
    assert report.plan.counts()["stale"] == 1 and report.result.changed_cases == 0
    assert "早于" in report.plan.rows("stale")[0].reason
    assert case_of(db_url, "2191000001", "dispatch").status == "已鉴证盖章"


def test_status_change_updates_case_history_and_notifies_only_bound_student(db_url, tmp_path):
    first = [
        ["2191000001", "张三", "本科", "", "签约派遣", "学院已审核", "", "2026-05-10 09:00"],
        ["2191000002", "李四", "硕士", "", "签约派遣", "学院已审核", "", "2026-05-10 09:00"],
    ]
    import_sheet(write_csv(tmp_path / "1.csv", ZH_HEADER, first), apply=True, url=db_url)
    with sessions(db_url).begin() as session:
        code, _ = issue_code(session, "2191000001")
        assert bind(session, "tg-1001", code).ok
    second = [
        ["2191000001", "张三", "本科", "", "签约派遣", "已鉴证盖章", "请完成去向登记", "2026-05-12 09:00"],
        ["2191000002", "李四", "硕士", "", "签约派遣", "已鉴证盖章", "", "2026-05-12 09:00"],
    ]
    report = import_sheet(write_csv(tmp_path / "2.csv", ZH_HEADER, second), apply=True, url=db_url)
    assert report.result.changed_cases == 2 and report.result.notifications == 1
    with sessions(db_url).begin() as session:
        outbox = session.execute(select(OutboxMessage)).scalars().all()
        assert [(o.telegram_user_id, o.student_id, o.status) for o in outbox] == [("tg-1001", "2191000001", "pending")]
        assert "签约派遣" in outbox[0].text and "已鉴证盖章" in outbox[0].text
        assert "请完成去向登记" in outbox[0].text and "下一步" in outbox[0].text
        history = session.execute(
            select(CaseHistory).where(CaseHistory.student_id == "2191000001").order_by(CaseHistory.id)
        ).scalars().all()
        assert [(h.old_status, h.new_status) for h in history] == [(None, "学院已审核"), ("学院已审核", "已鉴证盖章")]
        assert history[1].changed_by == "import:2.csv"
    # the same file again queues nothing more
    assert import_sheet(tmp_path / "2.csv", apply=True, url=db_url).result.notifications == 0


def test_failure_midway_leaves_database_unchanged(db_url, tmp_path, monkeypatch):
    import_sheet(write_csv(tmp_path / "1.csv", ZH_HEADER, GOOD_ROWS[:1]), apply=True, url=db_url)
    changed = [["2191000001", "张三", "本科", "", "签约派遣", "已鉴证盖章", "", "2026-05-30"]] + GOOD_ROWS[1:]

    def explode(*_args, **_kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(importer, "enqueue_status_changes", explode)
    with pytest.raises(RuntimeError):
        import_sheet(write_csv(tmp_path / "2.csv", ZH_HEADER, changed), apply=True, url=db_url)
    assert count(db_url, Case) == 1 and count(db_url, Student) == 1 and count(db_url, CaseHistory) == 1
    assert case_of(db_url, "2191000001", "dispatch").status == "学院已审核"


def test_a_sheet_without_a_note_column_keeps_the_stored_notes(db_url, tmp_path):
    """A status-only sheet must not erase a note staff entered before (e.g. a tracking number)."""
    import_sheet(write_csv(tmp_path / "first.csv", ZH_HEADER, GOOD_ROWS), apply=True, url=db_url)
    header = ["学号", "事项", "状态", "更新时间"]
    later = write_csv(tmp_path / "later.csv", header, [
        ["2191000003", "出国登记", "已提交", "2026-05-20"],
        ["2191000002", "签约派遣", "待提交", "2026-05-20"],  # same status, no note column: unchanged
        ["2191000009", "签约派遣", "待提交", "2026-05-20"],  # a new case: no note
    ])
    preview = import_sheet(later, url=db_url)
    changed = {p.row.student_id: p for p in preview.plan.planned if p.action == "changed"}
    assert set(changed) == {"2191000003"} and "备注" not in changed["2191000003"].changes
    assert [p.row.student_id for p in preview.plan.planned if p.action == "unchanged"] == ["2191000002"]
    import_sheet(later, apply=True, url=db_url)
    abroad = case_of(db_url, "2191000003", "abroad_registration")
    assert (abroad.status, abroad.note) == ("已提交", "录取通知书不清晰，请重新上传")
    assert case_of(db_url, "2191000002", "dispatch").note == "缺用人单位盖章"
    assert not case_of(db_url, "2191000009", "dispatch").note
