"""Weekly hours as staff write them in _contacts.yml."""

from __future__ import annotations

import datetime as dt

import pytest

from gradbot.office_hours.schedule import ScheduleError, parse_schedule


def test_one_line_means_every_workday() -> None:
    schedule = parse_schedule("08:00-12:00, 14:30-17:30")
    assert schedule is not None
    assert [p.text() for p in schedule.periods(0)] == ["8:00–12:00", "14:30–17:30"]
    assert schedule.periods(4) == schedule.periods(0) and schedule.periods(5) == ()
    assert schedule.describe() == "周一至周五 8:00–12:00、14:30–17:30"
    assert schedule.describe(english=True) == "Mon–Fri 8:00–12:00, 14:30–17:30"


def test_per_weekday_hours() -> None:
    schedule = parse_schedule("周一至周四 08:00-12:00, 14:30-17:30；星期五 8：00～12：00; Sat 09:00-11:00")
    assert schedule is not None
    assert schedule.periods(4)[0].end == dt.time(12, 0) and len(schedule.periods(4)) == 1
    assert schedule.periods(5)[0].start == dt.time(9, 0)
    assert schedule.describe() == "周一至周四 8:00–12:00、14:30–17:30；周五 8:00–12:00；周六 9:00–11:00"


def test_free_text_is_not_a_schedule() -> None:
    assert parse_schedule("以各书院、学院安排为准") is None
    assert parse_schedule("") is None


@pytest.mark.parametrize("text, says", [
    ("08:00-25:00", "不是一天中的时间"),
    ("12:00-08:00", "结束早于开始"),
    ("08:00-12:00, 11:00-17:30", "重叠"),
    ("周八 08:00-12:00", "不是星期几"),
    ("周一 08:00-12:00；周一 14:00-17:00", "写了两次"),
    ("08:00-12:00 下午另行通知", "看不懂"),
    ("早上 08:00", "没有形如 08:00-12:00 的时段"),
])
def test_unreadable_hours_say_why(text: str, says: str) -> None:
    with pytest.raises(ScheduleError, match=says):
        parse_schedule(text)
