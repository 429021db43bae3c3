"""China's working-day calendar: public holidays and 调休 make-up workdays.

Years come from staff (``policies/_calendar.yml``) first, then from the
``chinese-calendar`` package (which knows 2004–2026 and raises for later years). A
year neither knows follows the weekday rule: Monday to Friday are workdays, and
``kb check`` warns (:func:`calendar_problems`).

The staff file, one block per year, as the State Council announces it::

    years:
      2027:
        holidays:                 # 放假日期，含放假期间的周末
          元旦: 2027-01-01 至 2027-01-03
          春节: [2027-02-06 至 2027-02-13]
        workdays:                 # 调休上班的周末
          春节: [2027-02-14, 2027-02-20]
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path

import chinese_calendar
import yaml

from gradbot.knowledge.schema import Problem

CALENDAR_FILE = "_calendar.yml"
# The State Council usually announces next year's holidays between October and December.
NEXT_YEAR_WARNING_FROM_MONTH = 10


@dataclass(frozen=True)
class Holiday:
    """A public holiday: the package's English name, the Chinese name, words students use for it."""

    en: str
    zh: str
    aliases: tuple[str, ...] = ()


HOLIDAYS: tuple[Holiday, ...] = (
    Holiday("New Year's Day", "元旦", ("元旦", "new year's day", "new year")),
    Holiday("Spring Festival", "春节", ("春节", "过年", "除夕", "spring festival", "chinese new year", "lunar new year")),
    Holiday("Tomb-sweeping Day", "清明节", ("清明", "tomb-sweeping", "tomb sweeping", "qingming")),
    Holiday("Labour Day", "劳动节", ("劳动节", "五一", "labour day", "labor day", "may day")),
    Holiday("Dragon Boat Festival", "端午节", ("端午", "dragon boat")),
    Holiday("Mid-autumn Festival", "中秋节", ("中秋", "mid-autumn", "mid autumn", "moon festival")),
    Holiday("National Day", "国庆节", ("国庆", "national day", "golden week")),
    Holiday("Anti-Fascist 70th Day", "抗战胜利纪念日", ()),
)
_BY_NAME = {name.lower(): h for h in HOLIDAYS for name in (h.en, h.zh, *h.aliases)}


def holiday_named(name: str) -> Holiday:
    """The holiday for a Chinese or English name (a name staff invented is its own holiday)."""
    return _BY_NAME.get(name.strip().lower()) or Holiday(name.strip(), name.strip())


@dataclass(frozen=True)
class DayInfo:
    """What the calendar says about one date."""

    date: dt.date
    workday: bool
    holiday: Holiday | None = None  # the public holiday, or the holiday a make-up workday belongs to
    makeup: bool = False  # a Saturday or Sunday that is worked (调休上班)
    known: bool = True  # False: the year is in no calendar, the weekday rule was used

    @property
    def public_holiday(self) -> bool:
        """A day off for a named public holiday (not an ordinary weekend)."""
        return not self.workday and self.holiday is not None


@dataclass
class YearCalendar:
    """One year's holidays and make-up workdays entered by staff."""

    holidays: dict[dt.date, Holiday] = field(default_factory=dict)
    workdays: dict[dt.date, Holiday | None] = field(default_factory=dict)


@dataclass
class StaffCalendar:
    """What ``_calendar.yml`` holds, and what is wrong with it."""

    path: Path
    years: dict[int, YearCalendar] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)


class WorkCalendar:
    """Workdays, public holidays and make-up workdays for any date."""

    def __init__(self, staff_years: dict[int, YearCalendar] | None = None) -> None:
        self.staff_years = dict(staff_years or {})

    def has_year(self, year: int) -> bool:
        """Whether the year's official holidays are known (staff file or package)."""
        return year in self.staff_years or _package_knows(year)

    def day(self, date: dt.date) -> DayInfo:
        """Workday or not, and why."""
        weekend = date.weekday() >= 5
        staff = self.staff_years.get(date.year)
        if staff is not None:
            if date in staff.workdays:
                return DayInfo(date, True, staff.workdays[date], makeup=weekend)
            if date in staff.holidays:
                return DayInfo(date, False, staff.holidays[date])
            return DayInfo(date, not weekend)
        if not _package_knows(date.year):
            return DayInfo(date, not weekend, known=False)
        _, name = chinese_calendar.get_holiday_detail(date)
        workday = chinese_calendar.is_workday(date)
        return DayInfo(date, workday, holiday_named(name) if name else None, makeup=workday and weekend)

    def holiday_dates(self, holiday: Holiday, year: int) -> tuple[list[dt.date], list[dt.date]]:
        """(days off, make-up workdays) of a holiday in a year; empty when the year is unknown."""
        if not self.has_year(year):
            return [], []
        off, worked = [], []
        date = dt.date(year - 1, 12, 1)  # make-up days may fall in the previous December
        while date <= dt.date(year, 12, 31):
            if self.has_year(date.year):
                info = self.day(date)
                if info.holiday == holiday and (date.year == year or info.makeup):
                    (worked if info.workday else off).append(date)
            date += dt.timedelta(days=1)
        if off:
            worked = [d for d in worked if abs((d - off[0]).days) <= 45]
        return off, worked


def _package_knows(year: int) -> bool:
    try:
        chinese_calendar.is_workday(dt.date(year, 6, 1))
    except NotImplementedError:
        return False
    return True


_RANGE = re.compile(r"^\s*(\d{4}-\d{1,2}-\d{1,2})\s*(?:(?:至|到|~|～|—|–|to)\s*(\d{4}-\d{1,2}-\d{1,2}))?\s*$")


def _dates(text: str) -> list[dt.date]:
    """``2027-01-01`` or ``2027-01-01 至 2027-01-03`` as dates (ValueError if neither)."""
    match = _RANGE.match(text)
    if not match:
        raise ValueError(f"“{text}”不是日期（2027-01-01）或日期范围（2027-01-01 至 2027-01-03）")
    try:
        first = dt.date.fromisoformat(_pad(match.group(1)))
        last = dt.date.fromisoformat(_pad(match.group(2))) if match.group(2) else first
    except ValueError:
        raise ValueError(f"“{text}”不是真实存在的日期") from None
    if last < first or (last - first).days > 31:
        raise ValueError(f"“{text}”不是一个月以内的日期范围")
    return [first + dt.timedelta(days=i) for i in range((last - first).days + 1)]


def _pad(text: str) -> str:
    year, month, day = text.split("-")
    return f"{year}-{int(month):02d}-{int(day):02d}"


def _scalars(node: yaml.Node) -> list[yaml.ScalarNode]:
    if isinstance(node, yaml.ScalarNode):
        return [node]
    if isinstance(node, yaml.SequenceNode):
        return [n for n in node.value if isinstance(n, yaml.ScalarNode)]
    return []


def parse_calendar_file(path: Path) -> StaffCalendar:
    """Read ``_calendar.yml``: each problem names its line; a missing file is no problem."""
    result = StaffCalendar(path=Path(path))
    file = str(path)

    def problem(node: yaml.Node | None, message: str, severity: str = "error") -> None:
        result.problems.append(Problem(file, node.start_mark.line + 1 if node is not None else 0, message, severity=severity))

    if not Path(path).exists():
        return result
    try:
        root = yaml.compose(Path(path).read_text(encoding="utf-8"))
    except UnicodeDecodeError as exc:
        problem(None, f"不是 UTF-8 文本（{exc.reason}）：请把文件另存为 UTF-8")
        return result
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        result.problems.append(Problem(file, mark.line + 1 if mark else 0, f"不是有效的 YAML：{getattr(exc, 'problem', exc)}"))
        return result
    if root is None:
        return result
    years = dict((str(k.value), (k, v)) for k, v in root.value).get("years") if isinstance(root, yaml.MappingNode) else None
    if years is None:
        problem(root, "文件应有 years:，每年一块")
        return result
    if isinstance(years[1], yaml.ScalarNode) and years[1].value in ("", "null", "~"):
        return result
    if not isinstance(years[1], yaml.MappingNode):
        problem(years[1], "years: 下应每年一块（2027: ...）")
        return result
    for year_node, block in years[1].value:
        if not re.fullmatch(r"20\d\d", str(year_node.value)):
            problem(year_node, f"“{year_node.value}”不是年份（例如 2027）")
            continue
        year = int(year_node.value)
        parts = dict((str(k.value), (k, v)) for k, v in block.value) if isinstance(block, yaml.MappingNode) else {}
        if not parts.get("holidays"):
            problem(year_node, f"{year} 需要 holidays:（名称: 第一天 至 最后一天）")
            continue
        calendar = YearCalendar()
        for section, (key_node, value) in parts.items():
            if section not in ("holidays", "workdays"):
                problem(key_node, f"{year} 里没有 “{section}” 这个字段（只有 holidays 和 workdays）", "warning")
                continue
            if section == "workdays" and isinstance(value, yaml.SequenceNode):  # a plain list of dates
                named = [(None, value)]
            elif isinstance(value, yaml.MappingNode):
                named = [(holiday_named(str(k.value)), v) for k, v in value.value]
            else:
                problem(value, f"{year} 的 {section} 应列出 “节日名称: 日期”")
                continue
            for holiday, dates_node in named:
                for scalar in _scalars(dates_node) or [dates_node]:
                    try:
                        dates = _dates(str(getattr(scalar, "value", "")))
                    except ValueError as exc:
                        problem(scalar, str(exc))
                        continue
                    for date in dates:
                        if date.year not in (year, year - 1) or (section == "holidays" and date.year != year):
                            problem(scalar, f"{date} 不在 {year} 年")
                        elif section == "holidays" and holiday is not None:
                            calendar.holidays[date] = holiday
                        else:
                            if date.weekday() < 5:
                                problem(scalar, f"{date} 是工作日；workdays 只列调休上班的周末", "warning")
                            calendar.workdays[date] = holiday
        for date in sorted(set(calendar.holidays) & set(calendar.workdays)):
            problem(year_node, f"{date} 在 {year} 里既是假日又是调休上班日")
        result.years[year] = calendar
    return result


def calendar_problems(directory: Path, today: dt.date | None = None) -> list[Problem]:
    """Problems of ``_calendar.yml`` and warnings for a missing year (this year, or next year from October)."""
    today = today or dt.datetime.now(dt.timezone(dt.timedelta(hours=8))).date()  # Beijing
    staff = parse_calendar_file(Path(directory) / CALENDAR_FILE)
    calendar = WorkCalendar(staff.years)
    problems = list(staff.problems)
    file = str(Path(directory) / CALENDAR_FILE)
    wanted = [today.year] + ([today.year + 1] if today.month >= NEXT_YEAR_WARNING_FROM_MONTH else [])
    for year in wanted:
        if not calendar.has_year(year):
            problems.append(Problem(file, 0, (
                f"缺少 {year} 年的节假日安排：补上之前，周一到周五都按工作日算"
                f"（没有法定假日，也没有调休）。国务院公布 {year} 年放假安排后，请写在这里的 "
                f"years: {year}: 下，或更新 chinese-calendar 软件包"), severity="warning"))
    return problems
