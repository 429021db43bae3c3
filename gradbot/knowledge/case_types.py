"""Validate ``policies/_case_types.yml`` like the topic files: every problem with file and line.

The case-status code (:mod:`gradbot.cases.catalog`) reads this file; what passes here is
what that code can read (a block per case type with ``name`` and ``statuses``, a status
per item, ``contact`` as a key or a block per level, optional ``handoff``). The contact
keys it names are returned too, so that :func:`gradbot.knowledge.loader.assemble` can
check them against ``_contacts.yml``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import yaml

from gradbot.knowledge.schema import Problem

CASE_TYPES_FILE = "_case_types.yml"
TYPE_FIELDS = ("name", "name_en", "aliases", "contact", "statuses")
STATUS_FIELDS = ("name", "name_en", "next_step", "next_step_en")
LEVEL_DESK_FIELDS = ("contact", "desk", "desk_en")


@dataclass(frozen=True)
class ContactRef:
    """A contact key named in the file, and where."""

    key: str
    line: int
    where: str  # the case type key, or "handoff"


@dataclass
class CaseTypesFile:
    """What ``_case_types.yml`` holds and what is wrong with it."""

    path: Path
    text: str | None = None  # what was parsed (None: the file could not be read)
    type_keys: list[str] = field(default_factory=list)
    contact_refs: list[ContactRef] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """No errors (warnings allowed)."""
        return not any(p.severity == "error" for p in self.problems)


def _line(node: yaml.Node) -> int:
    return node.start_mark.line + 1


def _text(node: yaml.Node | None) -> str | None:
    return str(node.value).strip() if isinstance(node, yaml.ScalarNode) else None


class _Checker:
    def __init__(self, result: CaseTypesFile) -> None:
        self.result = result
        self.file = str(result.path)

    def error(self, node: yaml.Node, message: str, where: str = "", severity: str = "error") -> None:
        self.result.problems.append(Problem(self.file, _line(node), message, where, severity))

    def mapping(self, node: yaml.Node, what: str, where: str) -> dict[str, tuple[yaml.Node, yaml.Node]] | None:
        if not isinstance(node, yaml.MappingNode):
            self.error(node, f"{what} 应是若干行 “字段: 值”", where)
            return None
        fields: dict[str, tuple[yaml.Node, yaml.Node]] = {}
        for key, value in node.value:
            name = str(key.value)
            if name in fields:
                self.error(key, f"{what} 里 {name} 出现了两次", where)
            fields[name] = (key, value)
        return fields

    def unknown(self, fields: dict[str, tuple[yaml.Node, yaml.Node]], allowed: tuple[str, ...], what: str, where: str) -> None:
        for name, (key, _) in fields.items():
            if name not in allowed:
                self.error(key, f"{what} 里没有 “{name}” 这个字段（可用：{'、'.join(allowed)}）", where, "warning")

    def text(self, fields: dict[str, tuple[yaml.Node, yaml.Node]], name: str, where: str, required: bool = False,
             parent: yaml.Node | None = None) -> str:
        if name not in fields:
            if required and parent is not None:
                self.error(parent, f"缺少字段 {name}", where)
            return ""
        value = _text(fields[name][1])
        if value is None:
            self.error(fields[name][1], f"{name} 应是一段文字，不能是列表或块", where)
            return ""
        if required and not value:
            self.error(fields[name][1], f"{name} 是空的", where)
        return value

    def contact_key(self, node: yaml.Node, where: str) -> None:
        key = _text(node)
        if key is None:
            self.error(node, "联系方式应是 _contacts.yml 里的一个键，例如 guidance_205", where)
        elif key:
            self.result.contact_refs.append(ContactRef(key, _line(node), where))

    def case_type(self, key_node: yaml.Node, node: yaml.Node) -> None:
        key = str(key_node.value)
        fields = self.mapping(node, f"办理事项 {key}", key)
        if fields is None:
            return
        self.result.type_keys.append(key)
        self.unknown(fields, TYPE_FIELDS, f"办理事项 {key}", key)
        self.text(fields, "name", key, required=True, parent=key_node)
        self.text(fields, "name_en", key)
        if "aliases" in fields:
            aliases = fields["aliases"][1]
            if not isinstance(aliases, yaml.SequenceNode) or any(_text(item) is None for item in aliases.value):
                self.error(aliases, "aliases 应是名称列表，例如 [派遣, 三方协议]", key)
        if "contact" in fields:
            contact = fields["contact"][1]
            if isinstance(contact, yaml.MappingNode):
                for _, value in (self.mapping(contact, f"{key} 的联系方式", key) or {}).values():
                    self.contact_key(value, key)
            else:
                self.contact_key(contact, key)
        if "statuses" not in fields:
            self.error(key_node, "缺少字段 statuses", key)
            return
        statuses = fields["statuses"][1]
        if not isinstance(statuses, yaml.SequenceNode) or not statuses.value:
            self.error(statuses, "statuses 应是列表，每个状态一项 “- name: ...”", key)
            return
        seen: dict[str, int] = {}
        for item in statuses.value:
            if isinstance(item, yaml.ScalarNode):
                name = _text(item) or ""
                if not name:
                    self.error(item, "有一个状态没有 name", key)
            else:
                status = self.mapping(item, f"{key} 的一个状态", key)
                if status is None:
                    continue
                self.unknown(status, STATUS_FIELDS, f"{key} 的一个状态", key)
                name = self.text(status, "name", key, required=True, parent=item)
                for optional in STATUS_FIELDS[1:]:
                    self.text(status, optional, key)
            if name and name in seen:
                self.error(item, f"状态“{name}”在 {key} 里出现了两次（第一次在第 {seen[name]} 行）", key)
            seen.setdefault(name, _line(item))

    def student_ids(self, node: yaml.Node) -> None:
        """``student_ids:``: per level (default, undergraduate, master, doctor) a regular expression, or {pattern, description}."""
        import re

        for level_key, spec in (self.mapping(node, "'student_ids'", "student_ids") or {}).values():
            level = str(level_key.value)
            if level not in ("default", "undergraduate", "master", "doctor"):
                self.error(level_key, f"student_ids 的层次 {level} 应是 default、undergraduate、master 或 doctor", "student_ids")
                continue
            pattern_node = spec
            if isinstance(spec, yaml.MappingNode):
                fields = self.mapping(spec, f"'student_ids: {level}'", "student_ids") or {}
                self.unknown(fields, ("pattern", "description"), f"'student_ids: {level}'", "student_ids")
                self.text(fields, "description", "student_ids")
                pattern_node = fields.get("pattern", (None, spec))[1]
            pattern = _text(pattern_node)
            if not pattern:
                self.error(pattern_node, f"student_ids: {level} 需要 pattern（正则表达式，例如 ^[0-9]{{10}}$）", "student_ids")
                continue
            try:
                re.compile(pattern)
            except re.error as exc:
                self.error(pattern_node, f"student_ids: {level} 不是有效的正则表达式（{exc}）", "student_ids")

    def handoff(self, node: yaml.Node) -> None:
        fields = self.mapping(node, "'handoff'", "handoff")
        if fields is None:
            return
        self.unknown(fields, ("default_contact", "levels"), "'handoff'", "handoff")
        if "default_contact" in fields:
            self.contact_key(fields["default_contact"][1], "handoff")
        if "levels" in fields:
            for level_key, desk in (self.mapping(fields["levels"][1], "'handoff: levels'", "handoff") or {}).values():
                desk_fields = self.mapping(desk, f"层次 {level_key.value}", "handoff")
                if desk_fields is None:
                    continue
                self.unknown(desk_fields, LEVEL_DESK_FIELDS, f"层次 {level_key.value}", "handoff")
                if "contact" in desk_fields:
                    self.contact_key(desk_fields["contact"][1], "handoff")
                self.text(desk_fields, "desk", "handoff")
                self.text(desk_fields, "desk_en", "handoff")


def parse_case_types_file(path: Path, text: str | None = None) -> CaseTypesFile:
    """Check ``_case_types.yml`` (``text`` instead of the file's content when given)."""
    from gradbot.knowledge.loader import compose_text

    result = CaseTypesFile(path=path)
    root, result.text = compose_text(path, result.problems, text, settings_file=True)
    if root is None:
        return result
    checker = _Checker(result)
    fields = checker.mapping(root, "文件", "") or {}
    if fields and "case_types" not in fields:
        checker.error(root, "文件应以 case_types: 开头，每个办理事项一块")
    elif "case_types" in fields:
        for key_node, node in (checker.mapping(fields["case_types"][1], "'case_types'", "") or {}).values():
            checker.case_type(key_node, node)
        if not result.type_keys and result.ok:
            checker.error(fields["case_types"][1], "case_types 里没有任何办理事项")
    if "handoff" in fields:
        checker.handoff(fields["handoff"][1])
    if "student_ids" in fields:
        checker.student_ids(fields["student_ids"][1])
    return result
