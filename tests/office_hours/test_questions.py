"""Office-hours questions answered for the day asked about, with an injected clock."""

from __future__ import annotations

import datetime as dt

import pytest

from gradbot.office_hours import BEIJING, OfficeHours, WorkCalendar
from gradbot.office_hours.calendar import holiday_named
from gradbot.office_hours.questions import AskedDay, AskedHoliday, AskedNow, asked_days, office_hours_answer
from gradbot.office_hours.schedule import parse_schedule

D = dt.date
TODAY = D(2026, 9, 16)  # a Wednesday, before Mid-autumn and National Day 2026


@pytest.fixture
def hours() -> OfficeHours:
    schedule = parse_schedule("08:00-12:00, 14:30-17:30")
    assert schedule is not None
    return OfficeHours(schedule, WorkCalendar())


@pytest.mark.parametrize("text, days", [
    ("今天上班吗", [D(2026, 9, 16)]),
    ("明天上班吗", [D(2026, 9, 17)]),
    ("后天办公吗", [D(2026, 9, 18)]),
    ("大后天有人吗", [D(2026, 9, 19)]),
    ("你们周六上班吗", [D(2026, 9, 19)]),
    ("星期一开门吗", [D(2026, 9, 21)]),
    ("礼拜天有人吗", [D(2026, 9, 20)]),
    ("下周三上班吗", [D(2026, 9, 23)]),
    ("下礼拜二呢", [D(2026, 9, 22)]),
    ("这周三有人吗", [D(2026, 9, 16)]),
    ("10月10日上班吗", [D(2026, 10, 10)]),
    ("10月10号上班吗", [D(2026, 10, 10)]),
    ("10.10有人吗", [D(2026, 10, 10)]),
    ("2027年1月4日办公吗", [D(2027, 1, 4)]),
    ("1月4日办公吗", [D(2027, 1, 4)]),  # already past this year: next January
    ("周末上班吗", [D(2026, 9, 19), D(2026, 9, 20)]),
    ("禮拜六開門嗎", [D(2026, 9, 19)]),
    ("are you open on Saturday", [D(2026, 9, 19)]),
    ("is the office open next monday", [D(2026, 9, 21)]),
    ("open on Oct 10?", [D(2026, 10, 10)]),
    ("open on 1 October?", [D(2026, 10, 1)]),
])
def test_asked_days(text: str, days: list[dt.date]) -> None:
    assert asked_days(text, TODAY) == [AskedDay(d) for d in days]


@pytest.mark.parametrize("text, holiday", [
    ("国庆节上班吗", "国庆节"), ("十一放假吗", "国庆节"), ("春节期间办公吗", "春节"), ("元旦有人吗", "元旦"),
    ("清明节放假吗", "清明节"), ("五一开门吗", "劳动节"), ("劳动节呢", "劳动节"), ("端午上班吗", "端午节"),
    ("中秋节有人吗", "中秋节"), ("國慶節上班嗎", "国庆节"), ("are you open during National Day", "国庆节"),
])
def test_asked_holidays(text: str, holiday: str) -> None:
    assert asked_days(text, TODAY) == [AskedHoliday(holiday_named(holiday))]


def test_now_and_nothing() -> None:
    assert asked_days("现在有人吗", TODAY) == [AskedNow()]
    assert asked_days("what are your office hours", TODAY) == []
    assert asked_days("十一点有人吗", TODAY) == []  # eleven o'clock is not National Day
    assert asked_days("11月11日有人吗", TODAY) == [AskedDay(D(2026, 11, 11))]


def at(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=BEIJING)


def test_a_holiday_date(hours: OfficeHours) -> None:
    answer = office_hours_answer("10月1日上班吗", at(2026, 9, 16, 10, 0), hours)
    assert answer.startswith("10月1日（周四）是国庆节假期，办公室不上班。下一个工作日：10月8日（周四）8:00。")
    english = office_hours_answer("are you open on 1 October", at(2026, 9, 16, 10, 0), hours, english=True)
    assert english.startswith("Thu 1 Oct is a public holiday (National Day): the office is closed. Next working day: Thu 8 Oct 8:00.")


def test_a_makeup_saturday(hours: OfficeHours) -> None:
    answer = office_hours_answer("10月10日周六上班吗", at(2026, 9, 16, 10, 0), hours)
    assert answer.splitlines()[0] == "10月10日（周六）是国庆节调休上班日，照常办公：8:00–12:00、14:30–17:30。"
    assert "周六、周日不办公" not in answer.splitlines()[1]  # the asked Saturday is worked, no weekend rule
    on_the_day = office_hours_answer("你们周六上班吗", at(2026, 10, 9, 18, 0), hours)
    assert on_the_day.startswith("明天 10月10日（周六）是国庆节调休上班日，照常办公")


def test_an_ordinary_saturday(hours: OfficeHours) -> None:
    answer = office_hours_answer("你们周六上班吗", at(2026, 9, 16, 10, 0), hours)
    lines = answer.splitlines()
    assert lines[0] == "9月19日（周六）是周末，办公室不上班。下一个工作日：9月20日（周日）8:00。"  # the make-up Sunday
    assert lines[1] == "周六、周日不办公，调休上班日除外。"
    assert lines[-1].startswith("办公时间（北京时间）：周一至周五 8:00–12:00、14:30–17:30")


def test_the_holiday_by_name(hours: OfficeHours) -> None:
    answer = office_hours_answer("国庆节上班吗", at(2026, 9, 16, 10, 0), hours)
    assert answer.splitlines()[0] == ("2026年国庆节放假：10月1日（周四）至10月7日（周三），共7天，放假期间办公室不上班。"
                                      "调休上班、照常办公：9月20日（周日）、10月10日（周六）。")
    english = office_hours_answer("open on National Day?", at(2026, 9, 16, 10, 0), hours, english=True)
    assert english.splitlines()[0].startswith("National Day 2026: days off Thu 1 Oct to Wed 7 Oct (7 days)")


def test_a_passed_holiday_looks_at_next_year_which_is_not_known(hours: OfficeHours) -> None:
    answer = office_hours_answer("国庆节上班吗", at(2026, 11, 27, 10, 0), hours)
    assert answer.splitlines()[0] == "2027年的国庆节放假安排还没有公布或录入，请以学校通知为准。"


def test_a_2027_date_uses_the_weekday_rule_and_says_so(hours: OfficeHours) -> None:
    answer = office_hours_answer("2027年1月1日上班吗", at(2026, 11, 27, 10, 0), hours)
    lines = answer.splitlines()
    assert lines[0] == "2027年1月1日（周五）是工作日，办公时间：8:00–12:00、14:30–17:30。"
    assert lines[1] == "2027年的法定节假日安排还没有录入，以上按周一至周五上班推算，请以学校通知为准。"


def test_now(hours: OfficeHours) -> None:
    assert office_hours_answer("现在有人吗", at(2026, 11, 27, 10, 30), hours).startswith(
        "现在（10:30）是办公时间，老师在岗，今天这一段到 12:00。")
    assert office_hours_answer("现在有人吗", at(2026, 11, 27, 18, 0), hours).startswith(
        "现在（18:00）不在办公时间，下一个工作日：11月30日（周一）8:00（北京时间）。")
    assert office_hours_answer("what are your office hours", at(2026, 11, 27, 18, 0), hours, english=True).startswith(
        "It is 18:00 now: the office is closed; it opens again next working day: Mon 30 Nov, 8:00 (Beijing time).")
    today = office_hours_answer("今天上班吗", at(2026, 11, 27, 12, 30), hours)
    assert today == ("今天 11月27日（周五）是工作日，办公时间：8:00–12:00、14:30–17:30。现在（12:30）不在办公时间，"
                     "今天14:30再开门。\n"
                     "办公时间（北京时间）：周一至周五 8:00–12:00、14:30–17:30；法定节假日休息，调休上班日照常办公")


def test_english_sentence_about_today_or_tomorrow_starts_with_a_capital(hours: OfficeHours) -> None:
    friday_evening = at(2026, 11, 27, 20, 5)
    answer = office_hours_answer("Are you open on Saturday?", friday_evening, hours, english=True)
    assert answer.startswith("Tomorrow (Sat 28 Nov) is a weekend day: the office is closed. Next working day: Mon 30 Nov 8:00.")
    assert office_hours_answer("are you open today", friday_evening, hours, english=True).startswith("Today (Fri 27 Nov) is a working day")
