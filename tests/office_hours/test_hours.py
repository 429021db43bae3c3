"""Open now?, next opening and working-time arithmetic, with an injected clock."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from gradbot.knowledge.formatting import contact_line
from gradbot.knowledge.schema import Contact
from gradbot.office_hours import BEIJING, OfficeHours, WorkCalendar, describe_contact_hours, load_office_hours
from gradbot.office_hours.schedule import parse_schedule

UTC = dt.timezone.utc


def at(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=BEIJING)


@pytest.fixture
def hours() -> OfficeHours:
    schedule = parse_schedule("08:00-12:00, 14:30-17:30")
    assert schedule is not None
    return OfficeHours(schedule, WorkCalendar())


def test_open_within_periods_only(hours: OfficeHours) -> None:
    assert hours.is_open(at(2026, 11, 27, 8, 0))
    assert not hours.is_open(at(2026, 11, 27, 12, 0))  # lunch break
    assert hours.is_open(at(2026, 11, 27, 17, 29))
    assert not hours.is_open(at(2026, 11, 28, 10, 0))  # Saturday
    assert hours.is_open(dt.datetime(2026, 11, 27, 2, 0, tzinfo=UTC))  # 10:00 in Beijing


def test_holiday_and_makeup_workday(hours: OfficeHours) -> None:
    assert not hours.is_open(at(2026, 10, 1, 10, 0))  # National Day, a Thursday
    assert hours.is_open(at(2026, 10, 10, 10, 0))  # the make-up Saturday
    assert hours.is_open(at(2026, 9, 20, 15, 0))  # the make-up Sunday


def test_a_2027_date_follows_the_weekday_rule(hours: OfficeHours) -> None:
    assert hours.is_open(at(2027, 1, 1, 9, 0))  # unknown year: Friday 1 Jan counts as a workday
    assert not hours.is_open(at(2027, 1, 2, 9, 0))


def test_next_opening(hours: OfficeHours) -> None:
    friday_evening = at(2026, 11, 27, 18, 0)
    assert hours.next_opening(friday_evening) == at(2026, 11, 30, 8, 0)
    assert hours.next_opening(at(2026, 11, 27, 12, 10)) == at(2026, 11, 27, 14, 30)
    assert hours.next_opening(at(2026, 11, 27, 9, 0)) == at(2026, 11, 27, 9, 0)  # open now
    assert hours.next_opening(at(2026, 9, 30, 17, 45)) == at(2026, 10, 8, 8, 0)  # National Day eve
    assert hours.next_opening(at(2026, 10, 9, 18, 0)) == at(2026, 10, 10, 8, 0)  # make-up Saturday next
    assert hours.next_closing(at(2026, 11, 27, 9, 0)) == at(2026, 11, 27, 12, 0)
    assert hours.next_closing(friday_evening) is None


def test_next_opening_text(hours: OfficeHours) -> None:
    assert hours.next_opening_text(at(2026, 11, 27, 18, 0)) == "下一个工作日：11月30日（周一）8:00（北京时间）"
    assert hours.next_opening_text(at(2026, 11, 27, 18, 0), english=True) == "next working day: Mon 30 Nov, 8:00 (Beijing time)"
    assert hours.next_opening_text(at(2026, 11, 30, 7, 0)) == "今天 8:00（北京时间）"
    assert hours.next_opening_text(at(2026, 11, 29, 20, 0)) == "下一个工作日：明天 11月30日（周一）8:00（北京时间）"
    assert hours.next_opening_text(at(2026, 12, 31, 18, 0)) == "下一个工作日：明天 2027年1月1日（周五）8:00（北京时间）"
    assert hours.next_opening_text(at(2026, 11, 27, 9, 0)) == ""


def test_working_time(hours: OfficeHours) -> None:
    assert hours.working_minutes(at(2026, 11, 27, 17, 0), at(2026, 11, 30, 8, 30)) == 60  # 30 Friday + 30 Monday
    assert hours.working_minutes(at(2026, 11, 27, 11, 50), at(2026, 11, 27, 14, 40)) == 20
    assert hours.working_minutes(at(2026, 9, 30, 17, 0), at(2026, 10, 8, 8, 0)) == 30  # over the holiday
    assert hours.working_minutes(at(2026, 11, 27, 10, 0), at(2026, 11, 27, 9, 0)) == 0
    assert hours.working_time(at(2026, 11, 30, 8, 0), at(2026, 11, 30, 18, 0)) == dt.timedelta(hours=7)


def test_add_working_time(hours: OfficeHours) -> None:
    thirty = dt.timedelta(minutes=30)
    assert hours.add_working_time(at(2026, 11, 27, 17, 10), thirty) == at(2026, 11, 30, 8, 10)
    assert hours.add_working_time(at(2026, 11, 27, 22, 0), thirty) == at(2026, 11, 30, 8, 30)
    assert hours.add_working_time(at(2026, 11, 27, 9, 0), thirty) == at(2026, 11, 27, 9, 30)
    assert hours.add_working_time(at(2026, 9, 30, 17, 20), thirty) == at(2026, 10, 8, 8, 20)


def test_naive_datetimes_are_refused(hours: OfficeHours) -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        hours.is_open(dt.datetime(2026, 11, 27, 9, 0))


def test_a_weekday_closed_in_the_schedule_uses_the_usual_hours_on_a_makeup_day() -> None:
    schedule = parse_schedule("周一至周五 08:00-12:00；周六 09:00-10:00")
    assert schedule is not None
    hours = OfficeHours(schedule, WorkCalendar())
    assert hours.is_open(at(2026, 9, 20, 11, 0))  # make-up Sunday: Monday's hours
    assert hours.is_open(at(2026, 11, 28, 9, 30)) and not hours.is_open(at(2026, 11, 28, 10, 30))  # ordinary Saturday
    assert not hours.is_open(at(2026, 10, 3, 9, 30))  # a Saturday inside National Day


def test_contacts_show_the_parsed_hours_or_the_free_text() -> None:
    office = Contact(key="guidance_205", name="指导部", room="205", phone="029-1", hours="08:00-12:00, 14:30-17:30")
    assert contact_line(office, full=True) == ("指导部｜205室｜电话：029-1｜办公时间（北京时间）：周一至周五 8:00–12:00、14:30–17:30；"
                                               "法定节假日休息，调休上班日照常办公")
    assert "Office hours (Beijing time): Mon–Fri 8:00–12:00, 14:30–17:30" in contact_line(office, english=True, full=True)
    college = Contact(key="college", name="学院", hours="以各学院安排为准", hours_en="Set by each school")
    assert describe_contact_hours(college) == "以各学院安排为准"
    assert describe_contact_hours(college, english=True) == "Set by each school"


def test_load_office_hours_reads_the_policies_and_follows_edits(tmp_path: Path) -> None:
    (tmp_path / "_contacts.yml").write_text(
        "contacts:\n  guidance_205:\n    name: 指导部\n    hours: 08:00-12:00\n", encoding="utf-8")
    loaded = load_office_hours(tmp_path)
    assert loaded is not None and not loaded.is_open(at(2026, 11, 27, 15, 0))
    (tmp_path / "_contacts.yml").write_text(
        "contacts:\n  guidance_205:\n    name: 指导部\n    hours: 周一至周五 08:00-17:00\n", encoding="utf-8")
    (tmp_path / "_calendar.yml").write_text("years:\n  2027:\n    holidays:\n      元旦: 2027-01-01\n", encoding="utf-8")
    reloaded = load_office_hours(tmp_path)
    assert reloaded is not None and reloaded.is_open(at(2026, 11, 27, 15, 0))
    assert not reloaded.is_open(at(2027, 1, 1, 9, 0))
    (tmp_path / "_contacts.yml").write_text(
        "contacts:\n  guidance_205:\n    name: 指导部\n    hours: 待确认\n", encoding="utf-8")
    assert load_office_hours(tmp_path) is None


def test_project_contacts_have_a_schedule() -> None:
    assert load_office_hours(Path(__file__).parents[2] / "policies") is not None
