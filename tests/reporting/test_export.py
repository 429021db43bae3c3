"""CSV export of unanswered questions."""

from __future__ import annotations

import csv
from datetime import datetime

from gradbot.reporting.analysis import build_report
from gradbot.reporting.export import HEADER, safe_cell, write_unanswered_csv
from helpers_reporting import PERIOD, message, project_kb


def test_csv_has_bom_groups_and_safe_cells(tmp_path):
    kb = project_kb()
    entry = next(iter(kb.entries.values()))
    messages = [
        message(1, "研究生宿舍几点关门", datetime(2026, 11, 22, 21, 0), "fallback"),
        message(2, "=HYPERLINK(\"http://x\") 宿舍几点关门", datetime(2026, 11, 22, 21, 5), "fallback", session="b"),
        message(3, "校医院在哪里", datetime(2026, 11, 23, 8, 0), "fallback"),
        message(4, entry.questions[0], datetime(2026, 11, 23, 9, 0), "faq", entry.id, feedback=-1),
        message(5, entry.questions[1], datetime(2026, 11, 23, 9, 30), "faq", entry.id, feedback=1),
    ]
    report = build_report(messages, PERIOD, kb)
    path = tmp_path / "out" / "unanswered.csv"

    assert write_unanswered_csv(report, path) == 4

    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # UTF-8 BOM for Excel
    with open(path, encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.reader(handle))
    assert tuple(rows[0]) == HEADER
    body = [dict(zip(HEADER, r)) for r in rows[1:]]
    by_text = {r["学生问题"]: r for r in body}
    assert set(by_text) == {"研究生宿舍几点关门", "'=HYPERLINK(\"http://x\") 宿舍几点关门", "校医院在哪里", entry.questions[0]}
    dorm = by_text["研究生宿舍几点关门"]
    assert dorm["组号"] == by_text["'=HYPERLINK(\"http://x\") 宿舍几点关门"]["组号"] and dorm["组内条数"] == "2"
    assert by_text["校医院在哪里"]["组号"] != dorm["组号"]
    assert by_text[entry.questions[0]]["反馈"] == "👎" and by_text["校医院在哪里"]["结果"] == "未能回答"
    assert dorm["时间（北京时间）"] == "2026-11-22 21:00"
    assert [r["组号"] for r in body] == sorted((r["组号"] for r in body), key=int)


def test_empty_report_writes_only_the_header(tmp_path):
    path = tmp_path / "empty.csv"
    assert write_unanswered_csv(build_report([], PERIOD, project_kb()), path) == 0
    assert path.read_text(encoding="utf-8-sig").splitlines() == [",".join(HEADER)]


def test_safe_cell():
    assert safe_cell("=1+1") == "'=1+1" and safe_cell("-5") == "'-5" and safe_cell("@x") == "'@x"
    assert safe_cell("三方协议") == "三方协议" and safe_cell(None) == ""
