"""The case types and statuses staff may use, from ``policies/_case_types.yml``.

A case type is named by its key (``dispatch``), its Chinese name (``签约派遣``) or an
alias; a status by its Chinese or English name. Anything else is rejected, so a typo in
a spreadsheet never reaches students. Levels (学历层次) are parsed here too, and the
student-ID formats staff set per level (``student_ids:``) are checked here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import yaml

from gradbot.settings import get_settings

CATALOG_FILE = "_case_types.yml"

LEVEL_NAMES = {"undergraduate": "本科", "master": "硕士", "doctor": "博士"}
LEVEL_NAMES_EN = {"undergraduate": "undergraduate", "master": "master's", "doctor": "doctoral"}
_LEVEL_ALIASES = {
    "本科": "undergraduate", "本科生": "undergraduate", "undergraduate": "undergraduate",
    "bachelor": "undergraduate", "ug": "undergraduate",
    "硕士": "master", "硕士研究生": "master", "硕士生": "master", "master": "master",
    "masters": "master", "master's": "master",
    "博士": "doctor", "博士研究生": "doctor", "博士生": "doctor", "doctor": "doctor",
    "doctoral": "doctor", "phd": "doctor", "ph.d.": "doctor",
}


class CatalogError(ValueError):
    """The catalog file is missing or malformed, or a value is not in it."""


@dataclass(frozen=True)
class Status:
    """One status of a case type, with the next step shown to students."""

    name: str
    name_en: str = ""
    next_step: str = ""
    next_step_en: str = ""


@dataclass(frozen=True)
class CaseType:
    """A kind of matter (事项) with its statuses in order."""

    key: str
    name: str
    name_en: str = ""
    contact: str = ""  # contact key for students of any level
    aliases: tuple[str, ...] = ()
    statuses: tuple[Status, ...] = ()
    contacts_by_level: tuple[tuple[str, str], ...] = ()  # (level, contact key)

    def contact_for(self, level: str | None) -> str:
        """The contact key for a student of ``level`` (the default one when not specific)."""
        return dict(self.contacts_by_level).get(level or "", self.contact)

    @cached_property
    def _status_index(self) -> dict[str, Status]:
        index = {}
        for status in reversed(self.statuses):  # the first status wins a clash
            index.update({_norm(n): status for n in (status.name, status.name_en) if n})
        return index

    def status(self, value: str) -> Status:
        """The status named ``value`` (Chinese or English name); :class:`CatalogError` if none."""
        found = self._status_index.get(_norm(value))
        if found is not None:
            return found
        allowed = "、".join(s.name for s in self.statuses)
        raise CatalogError(f"未知状态“{value}”（{self.name}可用：{allowed}）")


@dataclass(frozen=True)
class LevelDesk:
    """Who to contact for a given level when a student asks for a human."""

    contact: str
    desk: str = ""
    desk_en: str = ""


@dataclass(frozen=True)
class StudentIdRule:
    """The format of student IDs for one level (``default``: any other or unknown level)."""

    level: str
    pattern: str  # a regular expression the whole ID must match
    description: str = ""  # how staff describe it (e.g. "10 位数字"), shown when an ID is refused

    def matches(self, student_id: str) -> bool:
        return re.fullmatch(self.pattern, student_id) is not None


_LOOKALIKES = {"l": "1", "I": "1", "O": "0", "o": "0"}


@dataclass(frozen=True)
class Catalog:
    """Every case type, looked up by key, Chinese name or alias."""

    types: tuple[CaseType, ...]
    handoff_default_contact: str = "guidance_205"
    handoff_levels: dict = field(default_factory=dict)  # level -> LevelDesk
    student_id_rules: tuple[StudentIdRule, ...] = ()

    def student_id_problem(self, student_id: str, level: str | None) -> str | None:
        """Why ``student_id`` does not fit the format for ``level`` (Chinese), or None when it fits.

        The level's own rule applies, else ``default``; with the level unknown and no
        ``default``, any level's rule will do. No rules at all: letters, digits and ``-``.
        """
        rules = {r.level: r for r in self.student_id_rules}
        if not rules:
            return None if re.fullmatch(r"[A-Za-z0-9-]{3,32}", student_id) else f"学号“{student_id}”格式不对（应为字母或数字）"
        rule = rules.get(level or "") or rules.get("default")
        candidates = [rule] if rule else list(rules.values())
        if any(r.matches(student_id) for r in candidates):
            return None
        wanted = "或".join(dict.fromkeys(r.description or f"符合 {r.pattern}" for r in candidates))
        who = f"{LEVEL_NAMES[level]}生" if level in LEVEL_NAMES and rule and rule.level == level else ""
        hint = ""
        letters = [(i, c) for i, c in enumerate(student_id, start=1) if c in _LOOKALIKES]
        if letters and any(r.matches("".join(_LOOKALIKES.get(c, c) for c in student_id)) for r in candidates):
            i, c = letters[0]
            hint = f"；第 {i} 位是字母“{c}”，是否应为数字“{_LOOKALIKES[c]}”？"
        return f"学号“{student_id}”不符合{who}学号格式（应为{wanted}）{hint}"

    @cached_property
    def _type_index(self) -> dict[str, CaseType]:
        index = {}
        for case_type in reversed(self.types):
            names = (case_type.key, case_type.name, case_type.name_en, *case_type.aliases)
            index.update({_norm(n): case_type for n in names if n})
        return index

    def case_type(self, value: str) -> CaseType:
        """The case type named ``value`` (key, Chinese name or alias); :class:`CatalogError` if unknown."""
        found = self._type_index.get(_norm(value))
        if found is not None:
            return found
        known = "、".join(f"{t.name}({t.key})" for t in self.types)
        raise CatalogError(f"未知事项“{value}”（可用：{known}）")

    def get(self, key: str) -> CaseType | None:
        """The case type with exactly this key, or None."""
        return next((t for t in self.types if t.key == key), None)

    def desk_for_level(self, level: str | None) -> LevelDesk:
        """The office to contact for a student of ``level`` (default when unknown)."""
        return self.handoff_levels.get(level or "") or LevelDesk(contact=self.handoff_default_contact)


def _norm(value: str | None) -> str:
    return "".join(str(value or "").split()).lower()  # drops all whitespace, full-width spaces included


def parse_level(value: str | None) -> str | None:
    """``本科``/``硕士``/``博士`` or English -> ``undergraduate``/``master``/``doctor``.

    Empty gives None; anything else raises :class:`CatalogError`.
    """
    text = _norm(value)
    if not text:
        return None
    try:
        return _LEVEL_ALIASES[text]
    except KeyError:
        raise CatalogError(f"学历层次“{value}”无效（应为 本科/硕士/博士 或 undergraduate/master/doctor）") from None


def _parse(data: object, source: str) -> Catalog:
    if not isinstance(data, dict) or not isinstance(data.get("case_types"), dict):
        raise CatalogError(f"{source}：应有 case_types:")
    types = []
    for key, spec in data["case_types"].items():
        if not isinstance(spec, dict) or not spec.get("name") or not spec.get("statuses"):
            raise CatalogError(f"{source}：办理事项 {key} 需要 name 和 statuses")
        statuses = []
        for item in spec["statuses"]:
            if isinstance(item, str):
                item = {"name": item}
            if not isinstance(item, dict) or not item.get("name"):
                raise CatalogError(f"{source}：{key} 有一个状态没有 name")
            statuses.append(Status(
                name=str(item["name"]).strip(),
                name_en=str(item.get("name_en") or "").strip(),
                next_step=str(item.get("next_step") or "").strip(),
                next_step_en=str(item.get("next_step_en") or "").strip(),
            ))
        contact = spec.get("contact") or ""
        by_level = {}
        if isinstance(contact, dict):
            by_level = {str(k): str(v).strip() for k, v in contact.items() if k != "default" and v}
            contact = contact.get("default") or ""
        types.append(CaseType(
            key=str(key),
            name=str(spec["name"]).strip(),
            name_en=str(spec.get("name_en") or "").strip(),
            contact=str(contact).strip(),
            contacts_by_level=tuple(sorted(by_level.items())),
            aliases=tuple(str(a).strip() for a in spec.get("aliases") or ()),
            statuses=tuple(statuses),
        ))
    handoff = data.get("handoff") or {}
    levels = {
        str(level): LevelDesk(
            contact=str(spec.get("contact") or handoff.get("default_contact") or "guidance_205"),
            desk=str(spec.get("desk") or ""),
            desk_en=str(spec.get("desk_en") or ""),
        )
        for level, spec in (handoff.get("levels") or {}).items()
        if isinstance(spec, dict)
    }
    return Catalog(
        types=tuple(types),
        handoff_default_contact=str(handoff.get("default_contact") or "guidance_205"),
        handoff_levels=levels,
        student_id_rules=parse_student_id_rules(data.get("student_ids"), source),
    )


def parse_student_id_rules(data: object, source: str) -> tuple[StudentIdRule, ...]:
    """``student_ids:`` of ``_case_types.yml``: per level (or ``default``) a pattern, or ``{pattern, description}``."""
    if data is None:
        return ()
    if not isinstance(data, dict):
        raise CatalogError(f"{source}：student_ids 应每个层次一行（default、undergraduate、master、doctor）")
    rules = []
    for level, spec in data.items():
        if str(level) not in (*LEVEL_NAMES, "default"):
            raise CatalogError(f"{source}：student_ids 的层次 {level} 不是 default、undergraduate、master 或 doctor")
        pattern, description = (spec.get("pattern"), spec.get("description", "")) if isinstance(spec, dict) else (spec, "")
        if not isinstance(pattern, str) or not pattern:
            raise CatalogError(f"{source}：student_ids: {level} 需要 pattern")
        try:
            re.compile(pattern)
        except re.error as exc:
            raise CatalogError(f"{source}：student_ids: {level} 不是有效的正则表达式（{exc}）") from None
        rules.append(StudentIdRule(str(level), pattern, str(description or "").strip()))
    return tuple(rules)


_cache: dict[tuple[str, str], Catalog] = {}


def load_catalog(path: Path | None = None) -> Catalog:
    """The catalog from ``path``, or by default the last good ``policies/_case_types.yml``.

    The default is the version the knowledge store serves
    (:func:`gradbot.knowledge.store.default_store`): an edit with an error (which
    ``gradbot kb check`` reports with file and line) is held back and the last good
    version keeps serving, so a broken edit never breaks status queries.
    """
    if path is None:
        from gradbot.knowledge.store import default_store

        snapshot = default_store().snapshot()
        source = str(snapshot.case_types_path or get_settings().policies_dir / CATALOG_FILE)
        text = snapshot.case_types_text
        if text is None:
            held = [str(p) for h in snapshot.held_back if h.file == source for p in h.problems]
            raise CatalogError(f"办理事项文件不可用：{source}"
                               + (f"（{held[0]}）" if held else "（文件不存在）"))
    else:
        source = str(path)
        try:
            text = Path(path).read_text(encoding="utf-8")
        except FileNotFoundError:
            raise CatalogError(f"case-type catalog not found: {path}") from None
    cached = _cache.get((source, text))
    if cached is None:
        _cache.clear()
        cached = _cache[(source, text)] = _parse(yaml.safe_load(text), source)
    return cached
