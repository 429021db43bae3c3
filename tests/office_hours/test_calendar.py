"""China's working-day calendar: the package's years, staff-entered years, the weekday rule."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from gradbot.office_hours.calendar import WorkCalendar, calendar_problems, holiday_named, parse_calendar_file

D = dt.date


def test_2026_national_day_is_a_holiday_and_the_saturday_after_is_a_makeup_workday() -> None:
    calendar = WorkCalendar()
    holiday = calendar.day(D(2026, 10, 1))
    assert (holiday.workday, holiday.holiday.zh, holiday.public_holiday) == (False, "国庆节", True)
    makeup = calendar.day(D(2026, 10, 10))
    assert (makeup.workday, makeup.makeup, makeup.holiday.zh, makeup.known) == (True, True, "国庆节", True)
    weekend = calendar.day(D(2026, 11, 28))
    assert (weekend.workday, weekend.holiday, weekend.public_holiday) == (False, None, False)


def test_a_year_the_package_does_not_know_follows_the_weekday_rule() -> None:
    calendar = WorkCalendar()
    assert not calendar.has_year(2027)
    monday, saturday = calendar.day(D(2027, 1, 4)), calendar.day(D(2027, 1, 9))
    assert (monday.workday, monday.known) == (True, False)
    assert (saturday.workday, saturday.known) == (False, False)
    assert calendar.day(D(2027, 1, 1)).workday  # New Year's Day 2027 unknown: a Friday counts as a workday


def test_holiday_dates_include_makeup_days_of_the_previous_weeks() -> None:
    off, worked = WorkCalendar().holiday_dates(holiday_named("国庆"), 2026)
    assert (off[0], off[-1], len(off)) == (D(2026, 10, 1), D(2026, 10, 7), 7)
    assert worked == [D(2026, 9, 20), D(2026, 10, 10)]


STAFF_2027 = """\
years:
  2027:
    holidays:
      元旦: 2027-01-01 至 2027-01-03
      春节: [2027-02-06 至 2027-02-13]
    workdays:
      春节: [2027-02-14, 2027-02-20]
"""


def test_staff_can_enter_a_year(tmp_path: Path) -> None:
    path = tmp_path / "_calendar.yml"
    path.write_text(STAFF_2027, encoding="utf-8")
    staff = parse_calendar_file(path)
    assert staff.problems == []
    calendar = WorkCalendar(staff.years)
    assert calendar.has_year(2027)
    assert calendar.day(D(2027, 1, 1)).holiday.en == "New Year's Day"
    assert not calendar.day(D(2027, 2, 8)).workday  # a Monday inside the Spring Festival
    sunday = calendar.day(D(2027, 2, 14))
    assert (sunday.workday, sunday.makeup, sunday.holiday.zh) == (True, True, "春节")
    assert calendar.day(D(2027, 3, 1)).workday and not calendar.day(D(2027, 3, 6)).workday


def test_a_staff_year_replaces_the_package(tmp_path: Path) -> None:
    path = tmp_path / "_calendar.yml"
    path.write_text("years:\n  2026:\n    holidays:\n      国庆节: 2026-10-01\n", encoding="utf-8")
    calendar = WorkCalendar(parse_calendar_file(path).years)
    assert not calendar.day(D(2026, 10, 1)).workday
    assert calendar.day(D(2026, 10, 2)).workday  # the staff year says only 10-01


def test_mistakes_in_the_staff_file_name_their_line(tmp_path: Path) -> None:
    path = tmp_path / "_calendar.yml"
    path.write_text("years:\n  2027:\n    holidays:\n      元旦: 2027-13-01\n      春节: 2026-02-06\n"
                    "    workdays:\n      春节: [2027-02-15]\n", encoding="utf-8")
    problems = parse_calendar_file(path).problems
    assert [(p.line, p.severity) for p in problems] == [(4, "error"), (5, "error"), (7, "warning")]
    assert "2026-02-06 不在 2027 年" in problems[1].message
    path.write_text("years:\n  2027:\n    holidays: [oops\n", encoding="utf-8")
    broken = parse_calendar_file(path).problems
    assert len(broken) == 1 and broken[0].line > 0 and "YAML" in broken[0].message


def test_an_empty_or_missing_file_is_fine(tmp_path: Path) -> None:
    assert parse_calendar_file(tmp_path / "_calendar.yml").problems == []
    (tmp_path / "_calendar.yml").write_text("# comments only\nyears:\n", encoding="utf-8")
    assert parse_calendar_file(tmp_path / "_calendar.yml").problems == []


def test_next_years_missing_calendar_is_warned_from_october(tmp_path: Path) -> None:
    assert calendar_problems(tmp_path, D(2026, 6, 1)) == []
    late = calendar_problems(tmp_path, D(2026, 11, 27))
    assert len(late) == 1 and late[0].severity == "warning" and "缺少 2027 年的节假日安排" in late[0].message
    (tmp_path / "_calendar.yml").write_text(STAFF_2027, encoding="utf-8")
    assert calendar_problems(tmp_path, D(2026, 11, 27)) == []
    assert "缺少 2028 年的节假日安排" in calendar_problems(tmp_path, D(2027, 12, 1))[0].message
