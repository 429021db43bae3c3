"""Weekly office hours as staff write them in ``policies/_contacts.yml`` (``hours:``).

Forms understood (Beijing time; parts separated by ``；`` or ``;``)::

    08:00-12:00, 14:30-17:30                        # every workday
    周一至周五 08:00-12:00, 14:30-17:30
    周一至周四 08:00-12:00, 14:30-17:30；周五 08:00-12:00

Text without any ``HH:MM`` time (e.g. ``以各学院安排为准``) is free text, not a schedule.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

WEEKDAYS_ZH = ("周一", "周二", "周三", "周四", "周五", "周六", "周日")
WEEKDAYS_EN = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_DAY_CHARS = {"一": 0, "二": 1, "三": 2, "四": 3, "五": 4, "六": 5, "日": 6, "天": 6, "七": 6}
_DAY_EN = {name.lower(): i for i, name in enumerate(WEEKDAYS_EN)}
_TIME = r"(\d{1,2})[:：](\d{2})"
_PERIOD = re.compile(_TIME + r"\s*(?:-|–|—|~|～|至|到)\s*" + _TIME)
_DAY = re.compile(r"(?:周|星期|礼拜)([一二三四五六日天七])|\b(mon|tue|wed|thu|fri|sat|sun)[a-z]*\.?", re.IGNORECASE)
_DAY_RANGE = re.compile(r"^\s*(\S+?)\s*(?:至|到|-|–|~|～)\s*(\S+?)\s*$")


class ScheduleError(ValueError):
    """Hours that contain times but cannot be read as a schedule."""


@dataclass(frozen=True)
class Period:
    """One opening period of a day, e.g. 08:00–12:00."""

    start: dt.time
    end: dt.time

    def text(self) -> str:
        return f"{_clock(self.start)}–{_clock(self.end)}"


@dataclass(frozen=True)
class WeeklySchedule:
    """Opening periods per weekday (0 = Monday)."""

    days: tuple[tuple[Period, ...], ...]

    def periods(self, weekday: int) -> tuple[Period, ...]:
        return self.days[weekday]

    @property
    def usual(self) -> tuple[Period, ...]:
        """The periods of the first open weekday (used on make-up workdays of a closed weekday)."""
        return next((p for p in self.days if p), ())

    def describe(self, english: bool = False) -> str:
        """``周一至周五 8:00–12:00、14:30–17:30`` / ``Mon–Fri 8:00–12:00, 14:30–17:30``."""
        groups: list[tuple[list[int], tuple[Period, ...]]] = []
        for weekday, periods in enumerate(self.days):
            if not periods:
                continue
            if groups and groups[-1][1] == periods and groups[-1][0][-1] == weekday - 1:
                groups[-1][0].append(weekday)
            else:
                groups.append(([weekday], periods))
        names = WEEKDAYS_EN if english else WEEKDAYS_ZH
        parts = []
        for weekdays, periods in groups:
            first, last = names[weekdays[0]], names[weekdays[-1]]
            span = first if first == last else (f"{first}–{last}" if english else f"{first}至{last}")
            parts.append(f"{span} " + (", " if english else "、").join(p.text() for p in periods))
        return ("; " if english else "；").join(parts)


def _clock(time: dt.time) -> str:
    return f"{time.hour}:{time.minute:02d}"


def _time(hour: str, minute: str, text: str) -> dt.time:
    h, m = int(hour), int(minute)
    if h == 24 and m == 0:
        return dt.time(23, 59, 59)
    if not (0 <= h <= 23 and 0 <= m <= 59):
        raise ScheduleError(f"“{text}”里的“{hour}:{minute}”不是一天中的时间")
    return dt.time(h, m)


def _weekday(token: str, text: str) -> int:
    match = _DAY.fullmatch(token.strip())
    if not match:
        raise ScheduleError(f"“{text}”里的“{token}”不是星期几（周一…周日）")
    return _DAY_CHARS[match.group(1)] if match.group(1) else _DAY_EN[match.group(2).lower()]


def _weekdays(spec: str, text: str) -> list[int]:
    spec = spec.strip().rstrip(":：")
    if spec in ("", "工作日", "weekdays", "workdays"):
        return [0, 1, 2, 3, 4]
    days: list[int] = []
    for part in re.split(r"[,，、和]|\band\b", spec):
        if not part.strip():
            continue
        span = _DAY_RANGE.match(part)
        if span:
            first, last = _weekday(span.group(1), text), _weekday(span.group(2), text)
            if last < first:
                raise ScheduleError(f"“{text}”里的“{part.strip()}”顺序反了")
            days.extend(range(first, last + 1))
        else:
            days.append(_weekday(part, text))
    return days


def parse_schedule(text: str) -> WeeklySchedule | None:
    """The schedule in ``text``; None for free text without times; ScheduleError if unreadable."""
    if not re.search(_TIME, text or ""):
        return None
    days: list[list[Period]] = [[] for _ in range(7)]
    for part in re.split(r"[;；\n]", text):
        if not part.strip():
            continue
        periods = list(_PERIOD.finditer(part))
        if not periods:
            raise ScheduleError(f"“{part.strip()}”没有形如 08:00-12:00 的时段")
        leftover = _PERIOD.sub("", part[periods[0].start():])
        if leftover.strip(" ,，、和\t"):
            raise ScheduleError(f"看不懂“{part.strip()}”里的“{leftover.strip(' ,，、')}”：请写成 08:00-12:00, 14:30-17:30 这样的时段")
        read = [Period(_time(m.group(1), m.group(2), part), _time(m.group(3), m.group(4), part)) for m in periods]
        for period in read:
            if period.end <= period.start:
                raise ScheduleError(f"“{part.strip()}”里的“{period.text()}”结束早于开始")
        for weekday in _weekdays(part[: periods[0].start()], part):
            if days[weekday]:
                raise ScheduleError(f"“{text}”里{WEEKDAYS_ZH[weekday]}写了两次")
            days[weekday] = sorted(read, key=lambda p: p.start)
            for earlier, later in zip(days[weekday], days[weekday][1:]):
                if later.start < earlier.end:
                    raise ScheduleError(f"“{part.strip()}”里“{earlier.text()}”和“{later.text()}”重叠")
    return WeeklySchedule(tuple(tuple(d) for d in days))
