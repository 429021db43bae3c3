"""What ``gradbot kb check`` reports about office hours and the holiday calendar."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import yaml

from gradbot.knowledge.schema import Problem
from gradbot.office_hours.calendar import calendar_problems
from gradbot.office_hours.hours import BEIJING, OFFICE_CONTACT
from gradbot.office_hours.schedule import ScheduleError, parse_schedule

CONTACTS_FILE = "_contacts.yml"


def beijing_today() -> dt.date:
    """Today's date in Beijing (tests replace it to pin the date)."""
    return dt.datetime.now(BEIJING).date()


def _hours_lines(path: Path) -> list[tuple[str, str, int]]:
    """(contact key, hours text, line) for every contact in the file (unreadable files give none)."""
    try:
        root = yaml.compose(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError):
        return []  # the contacts loader reports these
    contacts = dict((str(k.value), v) for k, v in root.value).get("contacts") if isinstance(root, yaml.MappingNode) else None
    found = []
    for key, block in contacts.value if isinstance(contacts, yaml.MappingNode) else []:
        for field, value in block.value if isinstance(block, yaml.MappingNode) else []:
            if field.value == "hours" and isinstance(value, yaml.ScalarNode):
                found.append((str(key.value), str(value.value), value.start_mark.line + 1))
    return found


def office_hours_problems(directory: Path, today: dt.date | None = None) -> list[Problem]:
    """Unreadable contact hours, the office's missing schedule, ``_calendar.yml`` errors and missing years."""
    directory = Path(directory)
    today = today or beijing_today()
    file = str(directory / CONTACTS_FILE)
    problems: list[Problem] = []
    office_has_schedule = False
    for key, hours, line in _hours_lines(directory / CONTACTS_FILE):
        try:
            schedule = parse_schedule(hours)
        except ScheduleError as exc:
            problems.append(Problem(file, line, f"联系方式 {key} 的办公时间：{exc}"))
            continue
        office_has_schedule |= key == OFFICE_CONTACT and schedule is not None
    if (directory / CONTACTS_FILE).exists() and not office_has_schedule:
        problems.append(Problem(file, 0, (
            f"联系方式 {OFFICE_CONTACT} 没有形如 “08:00-12:00, 14:30-17:30” 的办公时间：助手无法告诉学生"
            "办公室现在是否开门"), severity="warning"))
    return problems + calendar_problems(directory, today)
