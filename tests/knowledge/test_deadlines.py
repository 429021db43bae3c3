"""Entries' optional ``deadlines:``: parsed with line numbers; ``kb check`` warns once a date has passed."""

from __future__ import annotations

import datetime as dt

from gradbot.knowledge.checker import check_directory
from gradbot.knowledge.deadlines import next_deadline, passed_deadlines
from gradbot.knowledge.loader import load_directory
from kb_samples import DISPATCH

DEADLINES = """\
    deadlines:
      - date: 2026-06-20
        label: 协议提交截止
        label_en: Agreement due
      - date: 2020-01-01
        label: 去年的截止
"""


def with_deadlines(policies, block=DEADLINES):
    text = DISPATCH.replace("    updated: 2026-11-01\n", "    updated: 2026-11-01\n" + block, 1)
    (policies / "dispatch.yml").write_text(text, encoding="utf-8")
    return text


def test_deadlines_are_loaded_in_date_order(policies):
    with_deadlines(policies)
    kb, problems = load_directory(policies)
    entry = kb.entries["dispatch.agreement_stamp"]
    assert not problems
    assert [(d.date, d.label, d.label_en) for d in entry.deadlines] == [
        (dt.date(2020, 1, 1), "去年的截止", ""), (dt.date(2026, 6, 20), "协议提交截止", "Agreement due")]
    assert next_deadline(entry.deadlines, dt.date(2026, 6, 1)).label == "协议提交截止"


def test_kb_check_warns_about_a_passed_deadline(policies):
    with_deadlines(policies)
    kb, _ = load_directory(policies)
    (warning,) = passed_deadlines(kb, today=dt.date(2026, 6, 1))
    assert warning.severity == "warning" and "去年的截止" in warning.message and warning.entry_id == "dispatch.agreement_stamp"
    assert len(passed_deadlines(kb, today=dt.date(2026, 7, 1))) == 2
    report = check_directory(policies, stale_days=100_000)
    assert report.error_count == 0 and any("已过" in p.message for p in report.problems)


def test_a_malformed_deadline_is_an_error_on_its_line(policies):
    text = with_deadlines(policies, "    deadlines:\n      - date: 6月20日\n        label: 截止\n")
    kb, problems = load_directory(policies)
    line = text.splitlines().index("      - date: 6月20日") + 1
    assert [(p.line, p.severity) for p in problems] == [(line, "error")] and "2026-06-20" in problems[0].message
    assert "dispatch.agreement_stamp" not in kb.entries
