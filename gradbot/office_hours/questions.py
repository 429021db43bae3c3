"""Answer "你们周六上班吗", "国庆节上班吗", "现在有人吗" for the day the student asks about.

:func:`asked_days` finds the days in a question (今天/明天/后天, 周X/下周X/星期X/礼拜X,
M月D日, M.D, holiday names, English weekdays and dates); :func:`office_hours_answer`
writes the reply from the calendar and the office's hours.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from gradbot.office_hours.calendar import HOLIDAYS, Holiday
from gradbot.office_hours.hours import BEIJING, OfficeHours, beijing, day_label
from gradbot.textnorm import normalize

MAX_ASKED = 3
_MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
_WEEKDAY_ZH = {"一": 0, "二": 1, "三": 2, "四": 3, "五": 4, "六": 5, "日": 6, "天": 6}
_WEEKDAY_EN = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_RELATIVE = {"大后天": 3, "后天": 2, "明天": 1, "明日": 1, "今天": 0, "今日": 0, "day after tomorrow": 2, "tomorrow": 1, "today": 0}
_ALIASES = sorted(((a, h) for h in HOLIDAYS for a in (h.zh, *h.aliases)), key=lambda x: -len(x[0]))

_PATTERNS = [
    ("ymd", r"(?:(\d{4})\s*年\s*)?(\d{1,2})\s*月\s*(\d{1,2})\s*[日号]?"),
    ("md", r"(?<![\d.])(\d{1,2})[./](\d{1,2})(?![\d.])"),
    ("en_md", r"\b(" + "|".join(_MONTHS) + r")[a-z]*\.?\s+(\d{1,2})(?:st|nd|rd|th)?\b"),
    ("en_dm", r"\b(\d{1,2})(?:st|nd|rd|th)?\s+(?:of\s+)?(" + "|".join(_MONTHS) + r")[a-z]*\b"),
    ("relative", "|".join(re.escape(k) for k in _RELATIVE)),
    ("now", r"现在|此刻|这会儿?|目前|right now|\bnow\b|at the moment"),
    ("weekend", r"(下个?|这个?|本)?(?:周末|礼拜天和礼拜六)|\b(next |this )?weekends?\b"),
    ("weekday", r"(下个?|这个?|本)?(?:周|星期|礼拜)([一二三四五六日天])"),
    ("en_weekday", r"\b(next |this )?(" + "|".join(_WEEKDAY_EN) + r")s?\b"),
    ("national_day", r"(?<![\d十])十一(?![月点号日\d])"),
    ("holiday", "|".join(re.escape(a) for a, _ in _ALIASES)),
]
_SCANNER = re.compile("|".join(f"(?P<{name}>{pattern})" for name, pattern in _PATTERNS), re.IGNORECASE)
_BY_ALIAS = {a.lower(): h for a, h in _ALIASES}
_HOURS_WORDS = re.compile(
    r"上班|下班|什么时候|哪天|几号|节假日|点半|[0-9一二三四五六七八九十]点|开门|关门|开放|办公|营业|值班|有人|有老师|人在|在吗|在不在|几点|时间|放假|休息|假期|节日|调休|补班|周末|"
    r"\bopen|\bclos|hours|\btime\b|when|holiday|weekend|working", re.IGNORECASE)


@dataclass(frozen=True)
class AskedDay:
    """A calendar day the question is about."""

    date: dt.date


@dataclass(frozen=True)
class AskedHoliday:
    """A public holiday the question is about (its dates come from the calendar)."""

    holiday: Holiday


@dataclass(frozen=True)
class AskedNow:
    """The question is about this moment (现在有人吗)."""


Asked = AskedDay | AskedHoliday | AskedNow


def _date(year: int, month: int, day: int, today: dt.date, explicit_year: bool) -> dt.date | None:
    try:
        date = dt.date(year, month, day)
    except ValueError:
        return None
    if not explicit_year and date < today:  # "1月4日" asked in November means next January
        date = date.replace(year=year + 1)
    return date


def _week_day(weekday: int, prefix: str, today: dt.date) -> dt.date:
    if prefix.strip().lower().startswith(("下", "next")):
        return today - dt.timedelta(days=today.weekday()) + dt.timedelta(days=7 + weekday)
    return today + dt.timedelta(days=(weekday - today.weekday()) % 7)


def asked_days(text: str, today: dt.date) -> list[Asked]:
    """The days a question asks about, in order (at most three; none for "what are your hours?")."""
    found: list[Asked] = []
    for match in _SCANNER.finditer(normalize(text).lower()):
        kind, value = match.lastgroup, match.group(0)
        items: list[Asked] = []
        if kind == "ymd":
            year = re.search(r"(\d{4})\s*年", value)
            month, day = (int(n) for n in re.findall(r"\d+", value)[-2:])
            date = _date(int(year.group(1)) if year else today.year, month, day, today, year is not None)
            items = [AskedDay(date)] if date else []
        elif kind == "md":
            month, day = (int(n) for n in re.findall(r"\d+", value))
            date = _date(today.year, month, day, today, False)
            items = [AskedDay(date)] if date else []
        elif kind in ("en_md", "en_dm"):
            month_name = re.search("|".join(_MONTHS), value).group(0)  # type: ignore[union-attr]
            day = int(re.search(r"\d+", value).group(0))  # type: ignore[union-attr]
            date = _date(today.year, _MONTHS.index(month_name) + 1, day, today, False)
            items = [AskedDay(date)] if date else []
        elif kind == "relative":
            items = [AskedDay(today + dt.timedelta(days=_RELATIVE[value]))]
        elif kind == "now":
            items = [AskedNow()]
        elif kind == "weekend":
            saturday = _week_day(5, value, today)
            items = [AskedDay(saturday), AskedDay(saturday + dt.timedelta(days=1))]
            if today.weekday() == 6 and not value.strip().startswith(("下", "next")):
                items = [AskedDay(today)]
        elif kind == "weekday":
            items = [AskedDay(_week_day(_WEEKDAY_ZH[value[-1]], value, today))]
        elif kind == "en_weekday":
            name = next(n for n in _WEEKDAY_EN if n in value)
            items = [AskedDay(_week_day(_WEEKDAY_EN.index(name), value, today))]
        elif kind == "national_day":
            items = [AskedHoliday(_BY_ALIAS["国庆"])]
        elif kind == "holiday":
            items = [AskedHoliday(_BY_ALIAS[value])]
        for item in items:
            if item not in found:
                found.append(item)
    return found[:MAX_ASKED]


def is_about_office_hours(text: str) -> bool:
    """Whether the text asks about hours or a day at all (an NLU guess without either is doubtful)."""
    normalized = normalize(text).lower()
    return bool(_HOURS_WORDS.search(normalized) or _SCANNER.search(normalized))


def _periods(hours: OfficeHours, date: dt.date, english: bool) -> str:
    return (", " if english else "、").join(p.text() for p in hours.periods_on(date))


def _day_sentence(hours: OfficeHours, date: dt.date, now: dt.datetime, english: bool) -> str:
    today = now.date()
    info = hours.day(date)
    label = day_label(date, today, english)
    if english:  # the label starts the sentence: "Tomorrow (Sat 28 Nov) is …"
        label = label[:1].upper() + label[1:]
    after = hours.next_opening(dt.datetime.combine(date + dt.timedelta(days=1), dt.time(), BEIJING))
    back = ""
    if after is not None:
        back_label = day_label(after.date(), today, english) + (" " if english else "") + f"{after.hour}:{after.minute:02d}"
        back = f" Next working day: {back_label}." if english else f"下一个工作日：{back_label}。"
    if info.public_holiday:
        name = info.holiday.en if english else info.holiday.zh  # type: ignore[union-attr]
        return (f"{label} is a public holiday ({name}): the office is closed.{back}" if english
                else f"{label}是{name}假期，办公室不上班。{back}")
    periods = _periods(hours, date, english)
    if not periods:
        weekend = date.weekday() >= 5
        if english:
            why = "a weekend day" if weekend else "not an office day"
            return f"{label} is {why}: the office is closed.{back}"
        return f"{label}是{'周末' if weekend else '非办公日'}，办公室不上班。{back}"
    if info.makeup and info.holiday is not None:
        text = (f"{label} is a make-up workday (调休) for {info.holiday.en}: the office is open {periods}." if english
                else f"{label}是{info.holiday.zh}调休上班日，照常办公：{periods}。")
    elif info.makeup:
        text = f"{label} is a make-up workday (调休): the office is open {periods}." if english else f"{label}是调休上班日，照常办公：{periods}。"
    else:
        text = f"{label} is a working day: the office is open {periods}." if english else f"{label}是工作日，办公时间：{periods}。"
    if date == today:
        text += " " + _now_sentence(hours, now, english) if english else _now_sentence(hours, now, english)
    return text


def _now_sentence(hours: OfficeHours, now: dt.datetime, english: bool) -> str:
    clock = f"{now.hour}:{now.minute:02d}"
    if hours.is_open(now):
        closing = hours.next_closing(now)
        until = f"{closing.hour}:{closing.minute:02d}" if closing else ""
        return (f"It is {clock} now: the office is open until {until}." if english
                else f"现在（{clock}）是办公时间，老师在岗，今天这一段到 {until}。")
    back = hours.next_opening_text(now, english)
    if english:
        return f"It is {clock} now: the office is closed; it opens again {back}."
    return f"现在（{clock}）不在办公时间，{back.replace('（北京时间）', '').replace(' ', '')}再开门。" if back.startswith("今天") else f"现在（{clock}）不在办公时间，{back}。"


def _holiday_sentence(hours: OfficeHours, holiday: Holiday, now: dt.datetime, english: bool) -> str:
    today = now.date()
    name = holiday.en if english else holiday.zh
    for year in (today.year, today.year + 1):
        if not hours.calendar.has_year(year):
            return (f"The {year} holiday schedule ({name}) has not been announced or entered yet; please check the university's notice." if english
                    else f"{year}年的{name}放假安排还没有公布或录入，请以学校通知为准。")
        off, worked = hours.calendar.holiday_dates(holiday, year)
        if off and off[-1] >= today:
            break
    else:  # pragma: no cover - the loop always breaks or returns
        return ""
    if not off:
        return f"{name} has no days off in {year}." if english else f"{year}年没有{name}假期。"
    first, last = day_label(off[0], None, english), day_label(off[-1], None, english)
    span = first if off[0] == off[-1] else (f"{first} to {last}" if english else f"{first}至{last}")
    if english:
        text = f"{name} {year}: days off {span} ({len(off)} days), the office is closed."
        if worked:
            text += " Make-up workdays (调休), office open: " + ", ".join(day_label(d, None, True) for d in worked) + "."
        return text
    text = f"{year}年{name}放假：{span}，共{len(off)}天，放假期间办公室不上班。"
    if worked:
        text += "调休上班、照常办公：" + "、".join(day_label(d) for d in worked) + "。"
    return text


def office_hours_answer(text: str, now: dt.datetime, hours: OfficeHours, english: bool = False) -> str:
    """The reply to an office-hours question, for the days it asks about (or now)."""
    local = beijing(now)
    asked = asked_days(text, local.date()) or [AskedNow()]
    sentences = []
    for item in asked:
        if isinstance(item, AskedHoliday):
            sentences.append(_holiday_sentence(hours, item.holiday, local, english))
        elif isinstance(item, AskedDay):
            sentences.append(_day_sentence(hours, item.date, local, english))
        else:
            sentences.append(_now_sentence(hours, local, english))
    if any(isinstance(i, AskedDay) and i.date.weekday() >= 5 and not hours.day(i.date).makeup for i in asked):
        sentences.append("Saturdays and Sundays are days off, except make-up workdays (调休)." if english
                         else "周六、周日不办公，调休上班日除外。")
    unknown = sorted({i.date.year for i in asked if isinstance(i, AskedDay) and not hours.day(i.date).known})
    if unknown:
        years = ", ".join(map(str, unknown))
        sentences.append(f"The official holidays for {years} are not entered yet, so this assumes Monday to Friday are workdays; please check the university's notice." if english
                         else f"{years}年的法定节假日安排还没有录入，以上按周一至周五上班推算，请以学校通知为准。")
    sentences.append(hours.describe(english))
    return "\n".join(sentences)
