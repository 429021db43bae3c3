"""Dates that matter to students, carried by a knowledge-base entry (optional field)::

    deadlines:
      - date: 2026-06-20
        label: 毕业去向登记截止
        label_en: Destination registration closes   # optional

``gradbot kb check`` warns when such a date has passed (the answer likely needs a new
date), and ``gradbot notify new --from ENTRY_ID`` builds a reminder around the next one.
"""

from __future__ import annotations

import datetime as dt

import yaml

from gradbot.knowledge.schema import Deadline, KnowledgeBase, Problem

FIELDS = ("date", "label", "label_en")


def _line(node: yaml.Node) -> int:
    return node.start_mark.line + 1


def parse_deadlines(node: yaml.Node, file: str, entry_id: str, problems: list[Problem]) -> tuple[Deadline, ...]:
    """The ``deadlines:`` list of an entry; problems (with lines) for anything malformed."""
    if not isinstance(node, yaml.SequenceNode):
        problems.append(Problem(file, _line(node), "deadlines 应是列表，每项写 “- date: …” 和 “label: …”", entry_id))
        return ()
    found = []
    for item in node.value:
        if not isinstance(item, yaml.MappingNode):
            problems.append(Problem(file, _line(item), "每个截止日期都要有 date: 和 label:", entry_id))
            continue
        values = {}
        for key, value in item.value:
            if key.value not in FIELDS:
                problems.append(Problem(file, _line(key), f"截止日期里没有 “{key.value}” 这个字段（可用：{'、'.join(FIELDS)}）", entry_id))
            elif not isinstance(value, yaml.ScalarNode) or not str(value.value).strip():
                problems.append(Problem(file, _line(value), f"截止日期的 {key.value} 应是一段文字", entry_id))
            else:
                values[key.value] = (str(value.value).strip(), _line(value))
        if "date" not in values or "label" not in values:
            problems.append(Problem(file, _line(item), "每个截止日期都要有 date: 和 label:", entry_id))
            continue
        try:
            date = dt.date.fromisoformat(values["date"][0])
        except ValueError:
            problems.append(Problem(file, values["date"][1], f"截止日期应形如 2026-06-20，现在是“{values['date'][0]}”", entry_id))
            continue
        found.append(Deadline(date=date, label=values["label"][0], label_en=values.get("label_en", ("", 0))[0]))
    return tuple(sorted(found, key=lambda d: d.date))


def passed_deadlines(kb: KnowledgeBase, today: dt.date | None = None) -> list[Problem]:
    """Warnings for entries' deadlines that are before ``today`` (Beijing date by default)."""
    today = today or (dt.datetime.now(dt.timezone.utc) + dt.timedelta(hours=8)).date()
    return [
        Problem(str(entry.file), entry.line, f"截止日期“{d.label}”（{d.date}）已过，请更新日期或回答",
                entry.id, "warning")
        for entry in kb.entries.values() for d in entry.deadlines if d.date < today
    ]


def next_deadline(entry_deadlines: tuple[Deadline, ...], today: dt.date) -> Deadline | None:
    """The first deadline on or after ``today``, or None."""
    return next((d for d in entry_deadlines if d.date >= today), None)
