"""When an office is open: its weekly schedule on the days China's calendar says are worked.

Every instant passed in must be timezone-aware (any zone; a naive datetime raises
ValueError, since a database's naive UTC would silently be 8 hours off). Results are in
Beijing time (:data:`BEIJING`, UTC+8, no daylight saving).

On a public holiday the office is closed; other days keep their weekday's hours (so an
ordinary Saturday is open only if the schedule names Saturday). A 调休 make-up Saturday
or Sunday keeps that weekday's hours, or the usual weekday hours when it has none.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from gradbot.knowledge.schema import Contact
from gradbot.office_hours.calendar import CALENDAR_FILE, DayInfo, WorkCalendar, parse_calendar_file
from gradbot.office_hours.schedule import (
    WEEKDAYS_EN,
    WEEKDAYS_ZH,
    Period,
    ScheduleError,
    WeeklySchedule,
    parse_schedule,
)

BEIJING = dt.timezone(dt.timedelta(hours=8), "北京时间")
OFFICE_CONTACT = "guidance_205"  # whose hours the assistant means by "your office hours"
SEARCH_DAYS = 400


def beijing(moment: dt.datetime) -> dt.datetime:
    """The instant in Beijing time (ValueError for a naive datetime)."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("office hours need a timezone-aware datetime")
    return moment.astimezone(BEIJING)


def day_label(date: dt.date, today: dt.date | None = None, english: bool = False) -> str:
    """``12月1日（周一）`` / ``Mon 1 Dec``, with 今天/明天 (today/tomorrow) when they apply."""
    relative = {0: ("今天", "today"), 1: ("明天", "tomorrow")}.get((date - today).days) if today else None
    if english:
        text = f"{WEEKDAYS_EN[date.weekday()]} {date.day} {date:%b}"
        text = text if date.year == (today or date).year else f"{text} {date.year}"
        return f"{relative[1]} ({text})" if relative else text
    text = f"{date.month}月{date.day}日（{WEEKDAYS_ZH[date.weekday()]}）"
    text = text if date.year == (today or date).year else f"{date.year}年{text}"
    return f"{relative[0]} {text}" if relative else text


@dataclass(frozen=True)
class OfficeHours:
    """One office's weekly schedule on China's working-day calendar."""

    schedule: WeeklySchedule
    calendar: WorkCalendar

    def day(self, date: dt.date) -> DayInfo:
        """What the calendar says about a date."""
        return self.calendar.day(date)

    def periods_on(self, date: dt.date) -> tuple[Period, ...]:
        """The opening periods of a date (empty on days off)."""
        info = self.calendar.day(date)
        if info.public_holiday:
            return ()
        return self.schedule.periods(date.weekday()) or (self.schedule.usual if info.makeup else ())

    def _intervals(self, date: dt.date) -> list[tuple[dt.datetime, dt.datetime]]:
        return [(dt.datetime.combine(date, p.start, BEIJING), dt.datetime.combine(date, p.end, BEIJING)) for p in self.periods_on(date)]

    def is_open(self, now: dt.datetime) -> bool:
        """Whether the office is open at this instant."""
        local = beijing(now)
        return any(start <= local < end for start, end in self._intervals(local.date()))

    def next_opening(self, now: dt.datetime) -> dt.datetime | None:
        """The first instant at or after ``now`` when the office is open (``now`` itself when open).

        None when the schedule opens on no day within about a year.
        """
        local = beijing(now)
        for offset in range(SEARCH_DAYS):
            for start, end in self._intervals(local.date() + dt.timedelta(days=offset)):
                if local < end:
                    return max(start, local)
        return None

    def next_closing(self, now: dt.datetime) -> dt.datetime | None:
        """When the current opening period ends (None when closed now)."""
        local = beijing(now)
        return next((end for start, end in self._intervals(local.date()) if start <= local < end), None)

    def working_time(self, start: dt.datetime, end: dt.datetime) -> dt.timedelta:
        """Time the office is open between two instants (zero when ``end`` is not after ``start``)."""
        first, last = beijing(start), beijing(end)
        total = dt.timedelta()
        date = first.date()
        while date <= last.date():
            for open_at, close_at in self._intervals(date):
                overlap = min(close_at, last) - max(open_at, first)
                if overlap > dt.timedelta():
                    total += overlap
            date += dt.timedelta(days=1)
        return total

    def working_minutes(self, start: dt.datetime, end: dt.datetime) -> float:
        """:meth:`working_time` in minutes."""
        return self.working_time(start, end).total_seconds() / 60

    def add_working_time(self, start: dt.datetime, amount: dt.timedelta) -> dt.datetime | None:
        """The instant when ``amount`` of office time has passed since ``start`` (None if never within a year)."""
        local, left = beijing(start), amount
        for offset in range(SEARCH_DAYS):
            for open_at, close_at in self._intervals(local.date() + dt.timedelta(days=offset)):
                begin = max(open_at, local)
                if begin >= close_at:
                    continue
                if begin + left <= close_at:
                    return begin + left
                left -= close_at - begin
        return None

    def describe(self, english: bool = False) -> str:
        """The hours for students, e.g. ``办公时间（北京时间）：周一至周五 8:00–12:00、14:30–17:30；法定节假日休息，调休上班日照常办公``."""
        if english:
            return f"Office hours (Beijing time): {self.schedule.describe(True)}; closed on public holidays, open on make-up workdays (调休)"
        return f"办公时间（北京时间）：{self.schedule.describe()}；法定节假日休息，调休上班日照常办公"

    def next_opening_text(self, now: dt.datetime, english: bool = False) -> str:
        """When staff are back: ``下一个工作日：12月1日（周一）8:00`` or ``今天 14:30``; '' when open now."""
        local = beijing(now)
        opening = self.next_opening(local)
        if opening is None:
            return "No office hours are set." if english else "暂无办公时间安排。"
        if opening == local:
            return ""
        clock = f"{opening.hour}:{opening.minute:02d}"
        if opening.date() == local.date():
            return f"today at {clock} (Beijing time)" if english else f"今天 {clock}（北京时间）"
        label = day_label(opening.date(), local.date(), english)
        return f"next working day: {label}, {clock} (Beijing time)" if english else f"下一个工作日：{label}{clock}（北京时间）"


def contact_schedule(hours: str) -> WeeklySchedule | None:
    """A contact's ``hours`` as a schedule; None for free text or hours that cannot be read (``kb check`` reports those)."""
    try:
        return parse_schedule(hours)
    except ScheduleError:
        return None


def describe_contact_hours(contact: Contact, english: bool = False) -> str:
    """A contact's hours as students read them: the schedule described, or the free text as written."""
    schedule = contact_schedule(contact.hours)
    if schedule is not None:
        return OfficeHours(schedule, WorkCalendar()).describe(english)
    return (contact.hours_en or contact.hours) if english else contact.hours


_Stamp = tuple[int, int]
_cache: dict[tuple[Path, str], tuple[tuple[_Stamp, _Stamp], OfficeHours | None]] = {}


def _stamp(path: Path) -> _Stamp:
    """Modification time and size: an edit changes at least one."""
    try:
        stat = path.stat()
    except OSError:
        return (-1, -1)
    return (stat.st_mtime_ns, stat.st_size)


def load_office_hours(policies_dir: Path | None = None, contact: str = OFFICE_CONTACT) -> OfficeHours | None:
    """The office hours of a contact in ``policies/`` (re-read when the files change).

    None when the contact has no hours in the ``08:00-12:00`` form; ``kb check`` reports it.
    Errors in ``_calendar.yml`` leave out the broken lines (``kb check`` names them).
    """
    from gradbot.knowledge.loader import CONTACTS_FILE, parse_contacts_file
    from gradbot.settings import get_settings

    directory = Path(policies_dir or get_settings().policies_dir)
    stamp = (_stamp(directory / CONTACTS_FILE), _stamp(directory / CALENDAR_FILE))
    cached = _cache.get((directory, contact))
    if cached is not None and cached[0] == stamp:
        return cached[1]
    found = parse_contacts_file(directory / CONTACTS_FILE).contacts.get(contact)
    schedule = contact_schedule(found.hours) if found is not None else None
    hours = OfficeHours(schedule, WorkCalendar(parse_calendar_file(directory / CALENDAR_FILE).years)) if schedule else None
    _cache[(directory, contact)] = (stamp, hours)
    return hours
