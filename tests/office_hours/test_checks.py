"""What `gradbot kb check` reports about office hours and the calendar."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest

from gradbot.knowledge.checker import check_directory
from gradbot.office_hours.checks import office_hours_problems
from gradbot.settings import PROJECT_ROOT


def test_the_projects_policies_only_miss_next_years_calendar() -> None:
    problems = office_hours_problems(PROJECT_ROOT / "policies", dt.date(2026, 11, 27))
    assert [(Path(p.file).name, p.severity) for p in problems] == [("_calendar.yml", "warning")]
    assert "缺少 2027 年的节假日安排" in problems[0].message


def test_unreadable_hours_and_a_missing_office_schedule(tmp_path: Path) -> None:
    (tmp_path / "_contacts.yml").write_text(
        "contacts:\n  guidance_205:\n    name: 指导部\n    hours: 08:00-12:00, 11:00-17:30\n"
        "  college_office:\n    name: 学院\n    hours: 以各学院安排为准\n", encoding="utf-8")
    problems = office_hours_problems(tmp_path, dt.date(2026, 6, 1))
    assert [(p.line, p.severity) for p in problems] == [(4, "error"), (0, "warning")]
    assert "重叠" in problems[0].message and "guidance_205" in problems[1].message


def test_kb_check_includes_the_calendar_warning(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    policies = tmp_path / "policies"
    shutil.copytree(PROJECT_ROOT / "policies", policies)
    monkeypatch.setattr("gradbot.office_hours.checks.beijing_today", lambda: dt.date(2026, 11, 27))
    (warning,) = [p for p in check_directory(policies).problems if Path(p.file).name == "_calendar.yml"]
    assert warning.severity == "warning" and "缺少 2027 年的节假日安排" in warning.message
    monkeypatch.setattr("gradbot.office_hours.checks.beijing_today", lambda: dt.date(2026, 9, 30))
    assert not [p for p in check_directory(policies).problems if Path(p.file).name == "_calendar.yml"]
    (policies / "_calendar.yml").write_text("years:\n  2027:\n    holidays:\n      元旦: 2027-01-01 至 2027-01-40\n", encoding="utf-8")
    assert any(p.severity == "error" and Path(p.file).name == "_calendar.yml" for p in check_directory(policies).problems)
