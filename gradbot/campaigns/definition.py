"""A campaign file staff write (``policies/campaigns/*.yml``), parsed with line numbers.

Fields (a contract): ``name`` (unique), ``send_at`` (Beijing time, optional), ``audience``
(``level``, ``college``, ``case_type``, ``status``; all optional, a student must match every
key given), ``text``, ``text_en`` (optional), ``button`` (optional knowledge-base entry id),
``urgent`` (optional; true sends even in quiet hours). :func:`parse_campaign` never raises
on bad content: it returns the campaign (None when there are errors) and every
:class:`~gradbot.knowledge.schema.Problem` with file and line, as ``gradbot kb check`` does.
"""

from __future__ import annotations

import datetime as dt
import difflib
import hashlib
import json
import re
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import yaml

from gradbot.cases.catalog import LEVEL_NAMES, Catalog, CatalogError, parse_level
from gradbot.knowledge.loader import compose_text, duplicate_keys, node_line, node_mapping, node_text
from gradbot.knowledge.schema import KnowledgeBase, Problem

FIELDS = ("name", "send_at", "audience", "text", "text_en", "button", "urgent")
AUDIENCE_KEYS = ("level", "college", "case_type", "status")
MAX_TEXT = 3000  # characters; room for the "why" and "how to stop" lines under Telegram's 4096
_NAME = re.compile(r"^[\w.-]{1,100}$")
_TIME_FORMATS = ("%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S")
_TRUE = {"true", "yes", "是", "1"}
_FALSE = {"false", "no", "否", "0"}


@dataclass(frozen=True)
class Audience:
    """Who a campaign is for; an empty tuple / None means "any"."""

    levels: tuple[str, ...] = ()  # undergraduate / master / doctor
    colleges: tuple[str, ...] = ()
    case_type: str | None = None  # a case-type key
    statuses: tuple[str, ...] = ()  # status names of that case type

    def describe(self) -> str:
        """One line for staff, e.g. ``本科；电信学院；签约派遣=待提交``."""
        parts = ["、".join(LEVEL_NAMES[level] for level in self.levels) if self.levels else "",
                 "、".join(self.colleges), self.case_type or ""]
        if self.statuses:
            parts[-1] += "=" + "、".join(self.statuses)
        return "；".join(p for p in parts if p) or "所有已绑定的学生"


@dataclass(frozen=True)
class Campaign:
    """A checked campaign."""

    name: str
    text: str
    audience: Audience = field(default_factory=Audience)
    send_at: dt.datetime | None = None  # naive Beijing time; None: as soon as it is queued
    text_en: str = ""
    button: str | None = None
    urgent: bool = False
    file: str = ""

    def definition(self) -> dict[str, Any]:
        """JSON-ready fields (what is stored with the queued campaign)."""
        data = asdict(self)
        data["send_at"] = self.send_at.isoformat(sep=" ") if self.send_at else None
        data.pop("file")
        return data

    def fingerprint(self) -> str:
        """SHA-256 over everything that decides who gets what, and when."""
        return hashlib.sha256(json.dumps(self.definition(), sort_keys=True, ensure_ascii=False).encode()).hexdigest()


def parse_send_at(value: str) -> dt.datetime:
    """``2026-06-01 09:00`` (or with seconds, or ``T``) -> naive Beijing datetime; ValueError otherwise."""
    for fmt in _TIME_FORMATS:
        try:
            return dt.datetime.strptime(value.strip(), fmt)
        except ValueError:
            continue
    raise ValueError(value)


def _text_list(node: yaml.Node) -> list[tuple[str, int]] | None:
    """A scalar or a list of scalars as ``(text, line)`` pairs; None when it is neither."""
    if isinstance(node, yaml.ScalarNode):
        return [(str(node.value).strip(), node_line(node))] if str(node.value).strip() else []
    if isinstance(node, yaml.SequenceNode) and all(isinstance(item, yaml.ScalarNode) for item in node.value):
        return [(str(item.value).strip(), node_line(item)) for item in node.value if str(item.value).strip()]
    return None


def _parse_audience(node: yaml.Node, file: str, catalog: Catalog, problems: list[Problem]) -> Audience:
    if isinstance(node, yaml.ScalarNode) and not str(node.value).strip():
        return Audience()
    if not isinstance(node, yaml.MappingNode):
        problems.append(Problem(file, node_line(node), "audience 应是若干行 “键: 值”（level、college、case_type、status）"))
        return Audience()
    duplicate_keys(node, file, "", problems)
    fields = node_mapping(node)
    values: dict[str, list[tuple[str, int]]] = {}
    for key, (key_node, value_node) in fields.items():
        if key not in AUDIENCE_KEYS:
            problems.append(Problem(file, node_line(key_node), f"audience 里没有 “{key}” 这一项（可用：{'、'.join(AUDIENCE_KEYS)}）"))
            continue
        items = _text_list(value_node)
        if items is None:
            problems.append(Problem(file, node_line(value_node), f"audience 的 {key} 应是一个值或一组值"))
            continue
        values[key] = items
    levels = []
    for text, line in values.get("level", []):
        try:
            levels.append(parse_level(text))
        except CatalogError:
            problems.append(Problem(file, line, f"未知的层次“{text}”（请用 本科/硕士/博士 或 undergraduate/master/doctor）"))
    case_type = None
    case_types = values.get("case_type", [])
    if len(case_types) > 1:
        problems.append(Problem(file, case_types[1][1], "audience 的 case_type 只能写一个办理事项"))
    if case_types:
        try:
            case_type = catalog.case_type(case_types[0][0])
        except CatalogError as exc:
            problems.append(Problem(file, case_types[0][1], str(exc)))
    statuses = []
    if values.get("status") and case_type is None and not case_types:
        problems.append(Problem(file, values["status"][0][1], "audience 写了 status 就要写 case_type（哪个事项的状态？）"))
    elif case_type is not None:
        for text, line in values.get("status", []):
            try:
                statuses.append(case_type.status(text).name)
            except CatalogError as exc:
                problems.append(Problem(file, line, str(exc)))
    return Audience(
        levels=tuple(dict.fromkeys(level for level in levels if level)),
        colleges=tuple(dict.fromkeys(text for text, _ in values.get("college", []))),
        case_type=case_type.key if case_type else None,
        statuses=tuple(dict.fromkeys(statuses)),
    )


def parse_campaign(path: Path, catalog: Catalog, kb: KnowledgeBase,
                   today: dt.datetime | None = None) -> tuple[Campaign | None, list[Problem]]:
    """Parse and check one campaign file; ``today`` (Beijing time) decides whether ``send_at`` has passed."""
    file = str(path)
    problems: list[Problem] = []
    root, _ = compose_text(Path(path), problems, settings_file=True)
    if root is None:
        return None, problems
    if not isinstance(root, yaml.MappingNode):
        problems.append(Problem(file, node_line(root), "提醒文件应是若干行 “字段: 值”，以 name: 开头"))
        return None, problems
    duplicate_keys(root, file, "", problems)
    fields = node_mapping(root)
    for name, (key_node, _) in fields.items():
        if name not in FIELDS:
            problems.append(Problem(file, node_line(key_node), f"没有 “{name}” 这个字段（可用：{'、'.join(FIELDS)}）"))
    for name in ("name", "text"):
        if name not in fields:
            problems.append(Problem(file, 1, f"缺少字段 {name}"))

    values: dict[str, str] = {}
    for name in ("name", "send_at", "text", "text_en", "button", "urgent"):
        if name in fields:
            value = node_text(fields[name][1])
            if value is None:
                problems.append(Problem(file, node_line(fields[name][1]), f"{name} 应是一段文字，不能是列表或块"))
            else:
                values[name] = value

    def line_of(name: str) -> int:
        return node_line(fields[name][1])

    name = values.get("name", "")
    if "name" in values and not _NAME.match(name):
        problems.append(Problem(file, line_of("name"), f"name “{name}” 只能由 1–100 个字母、数字、-、_ 或 . 组成（不能有空格）"))
    if "text" in values and not values["text"]:
        problems.append(Problem(file, line_of("text"), "text 是空的"))
    for key in ("text", "text_en"):
        if len(values.get(key, "")) > MAX_TEXT:
            problems.append(Problem(file, line_of(key), f"{key} 有 {len(values[key])} 个字，请控制在 {MAX_TEXT} 字以内"))
    if "text" in values and not values.get("text_en"):
        problems.append(Problem(file, 1, "没有 text_en：使用英文的学生会收到中文", severity="warning"))

    send_at = None
    if values.get("send_at"):
        try:
            send_at = parse_send_at(values["send_at"])
        except ValueError:
            problems.append(Problem(file, line_of("send_at"), f"send_at 应是北京时间，例如 2026-06-01 09:00，现在是“{values['send_at']}”"))
        else:
            now = today or dt.datetime.now(dt.timezone(dt.timedelta(hours=8))).replace(tzinfo=None)
            if send_at < now:
                problems.append(Problem(file, line_of("send_at"), f"send_at {send_at:%Y-%m-%d %H:%M} 已经过了：send 之后立即发出", severity="warning"))

    urgent = False
    if values.get("urgent"):
        flag = values["urgent"].lower()
        if flag in _TRUE | _FALSE:
            urgent = flag in _TRUE
        else:
            problems.append(Problem(file, line_of("urgent"), f"urgent 应是 true 或 false，现在是“{values['urgent']}”"))

    button = values.get("button") or None
    if button and button not in kb.entries:
        close = difflib.get_close_matches(button, list(kb.entries), n=1)
        hint = f"；是不是 {close[0]}？" if close else ""
        problems.append(Problem(file, line_of("button"), f"button 的条目 id {button} 在知识库里不存在{hint}"))

    audience = _parse_audience(fields["audience"][1], file, catalog, problems) if "audience" in fields else Audience()
    if audience == Audience() and not any("audience" in p.message for p in problems):
        problems.append(Problem(file, line_of("audience") if "audience" in fields else 1,
                                "没有 audience：所有已绑定的学生都会收到", severity="warning"))

    if any(p.severity == "error" for p in problems):
        return None, sorted(problems, key=lambda p: p.line)
    campaign = Campaign(name=name, text=values["text"], audience=audience, send_at=send_at,
                        text_en=values.get("text_en", ""), button=button, urgent=urgent, file=file)
    return campaign, sorted(problems, key=lambda p: p.line)
