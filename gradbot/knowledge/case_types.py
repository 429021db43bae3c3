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
            self.error(node, f"{what} must be a block of 'field: value' lines", where)
            return None
        fields: dict[str, tuple[yaml.Node, yaml.Node]] = {}
        for key, value in node.value:
            name = str(key.value)
            if name in fields:
                self.error(key, f"'{name}' appears twice in {what}", where)
            fields[name] = (key, value)
        return fields

    def unknown(self, fields: dict[str, tuple[yaml.Node, yaml.Node]], allowed: tuple[str, ...], what: str, where: str) -> None:
        for name, (key, _) in fields.items():
            if name not in allowed:
                self.error(key, f"unknown field '{name}' in {what} (allowed: {', '.join(allowed)})", where, "warning")

    def text(self, fields: dict[str, tuple[yaml.Node, yaml.Node]], name: str, where: str, required: bool = False,
             parent: yaml.Node | None = None) -> str:
        if name not in fields:
            if required and parent is not None:
                self.error(parent, f"missing field '{name}'", where)
            return ""
        value = _text(fields[name][1])
        if value is None:
            self.error(fields[name][1], f"'{name}' must be text, not a list or block", where)
            return ""
        if required and not value:
            self.error(fields[name][1], f"'{name}' is empty", where)
        return value

    def contact_key(self, node: yaml.Node, where: str) -> None:
        key = _text(node)
        if key is None:
            self.error(node, "a contact must be a key from _contacts.yml, such as guidance_205", where)
        elif key:
            self.result.contact_refs.append(ContactRef(key, _line(node), where))

    def case_type(self, key_node: yaml.Node, node: yaml.Node) -> None:
        key = str(key_node.value)
        fields = self.mapping(node, f"case type '{key}'", key)
        if fields is None:
            return
        self.result.type_keys.append(key)
        self.unknown(fields, TYPE_FIELDS, f"case type '{key}'", key)
        self.text(fields, "name", key, required=True, parent=key_node)
        self.text(fields, "name_en", key)
        if "aliases" in fields:
            aliases = fields["aliases"][1]
            if not isinstance(aliases, yaml.SequenceNode) or any(_text(item) is None for item in aliases.value):
                self.error(aliases, "'aliases' must be a list of names, like [派遣, 三方协议]", key)
        if "contact" in fields:
            contact = fields["contact"][1]
            if isinstance(contact, yaml.MappingNode):
                for _, value in (self.mapping(contact, f"the contacts of '{key}'", key) or {}).values():
                    self.contact_key(value, key)
            else:
                self.contact_key(contact, key)
        if "statuses" not in fields:
            self.error(key_node, "missing field 'statuses'", key)
            return
        statuses = fields["statuses"][1]
        if not isinstance(statuses, yaml.SequenceNode) or not statuses.value:
            self.error(statuses, "'statuses' must be a list with one '- name: ...' item per status", key)
            return
        seen: dict[str, int] = {}
        for item in statuses.value:
            if isinstance(item, yaml.ScalarNode):
                name = _text(item) or ""
                if not name:
                    self.error(item, "a status has no name", key)
            else:
                status = self.mapping(item, f"a status of '{key}'", key)
                if status is None:
                    continue
                self.unknown(status, STATUS_FIELDS, f"a status of '{key}'", key)
                name = self.text(status, "name", key, required=True, parent=item)
                for optional in STATUS_FIELDS[1:]:
                    self.text(status, optional, key)
            if name and name in seen:
                self.error(item, f"status '{name}' appears twice in '{key}' (first at line {seen[name]})", key)
            seen.setdefault(name, _line(item))

    def handoff(self, node: yaml.Node) -> None:
        fields = self.mapping(node, "'handoff'", "handoff")
        if fields is None:
            return
        self.unknown(fields, ("default_contact", "levels"), "'handoff'", "handoff")
        if "default_contact" in fields:
            self.contact_key(fields["default_contact"][1], "handoff")
        if "levels" in fields:
            for level_key, desk in (self.mapping(fields["levels"][1], "'handoff: levels'", "handoff") or {}).values():
                desk_fields = self.mapping(desk, f"level '{level_key.value}'", "handoff")
                if desk_fields is None:
                    continue
                self.unknown(desk_fields, LEVEL_DESK_FIELDS, f"level '{level_key.value}'", "handoff")
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
    fields = checker.mapping(root, "the file", "") or {}
    if fields and "case_types" not in fields:
        checker.error(root, "the file must start with 'case_types:' and one block per case type")
    elif "case_types" in fields:
        for key_node, node in (checker.mapping(fields["case_types"][1], "'case_types'", "") or {}).values():
            checker.case_type(key_node, node)
        if not result.type_keys and result.ok:
            checker.error(fields["case_types"][1], "'case_types' lists no case type")
    if "handoff" in fields:
        checker.handoff(fields["handoff"][1])
    return result
