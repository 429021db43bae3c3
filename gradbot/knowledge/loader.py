"""Parse and validate knowledge-base YAML, keeping the line number of everything.

:func:`parse_topic_file` and :func:`parse_contacts_file` (and
:func:`gradbot.knowledge.case_types.parse_case_types_file`) read one file each and never
raise on bad content: they return what is valid plus a list of :class:`Problem` with
file, line and entry id. :func:`assemble` joins files into a :class:`KnowledgeBase` and
adds the cross-file checks (duplicate ids, a question under two ids, unknown contacts).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from gradbot.knowledge.case_types import CASE_TYPES_FILE, CaseTypesFile, parse_case_types_file
from gradbot.knowledge.deadlines import parse_deadlines
from gradbot.knowledge.schema import (
    CONTACT_FIELDS,
    OPTIONAL_ENTRY_FIELDS,
    REQUIRED_ENTRY_FIELDS,
    Contact,
    Entry,
    KnowledgeBase,
    Problem,
)
from gradbot.knowledge.scope import is_place
from gradbot.knowledge.slips import continuation_hint, entry_above, layout_slips
from gradbot.textnorm import normalize

CONTACTS_FILE = "_contacts.yml"
_ID_PATTERN = re.compile(r"^[a-z][a-z0-9_]*\.[a-z0-9_]+$")


@dataclass
class TopicFile:
    """What one ``policies/<topic>.yml`` file holds, and what is wrong with it."""

    path: Path
    text: str | None = None  # what was parsed (None: the file could not be read)
    topic: str = ""
    topic_name: str = ""
    entries: list[Entry] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """No errors (warnings allowed)."""
        return not any(p.severity == "error" for p in self.problems)


@dataclass
class ContactsFile:
    """What ``policies/_contacts.yml`` holds."""

    path: Path
    text: str | None = None  # what was parsed (None: no file, or it could not be read)
    contacts: dict[str, Contact] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not any(p.severity == "error" for p in self.problems)


def topic_files(directory: Path) -> list[Path]:
    """The topic files of a directory: ``*.yml``/``*.yaml`` not starting with ``_``."""
    paths = list(directory.glob("*.yml")) + list(directory.glob("*.yaml"))
    return sorted(p for p in paths if not p.name.startswith(("_", ".")))


def read_text(path: Path, problems: list[Problem]) -> str | None:
    """The file's text, or None with a problem when it cannot be read as UTF-8."""
    try:
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        problems.append(Problem(str(path), 0, f"不是 UTF-8 文本（{exc.reason}）：请把文件另存为 UTF-8"))
    except OSError as exc:
        problems.append(Problem(str(path), 0, f"无法读取文件：{exc.strerror}"))
    return None


def compose_text(path: Path, problems: list[Problem], text: str | None = None,
                 settings_file: bool = False) -> tuple[yaml.Node | None, str | None]:
    """The YAML node tree of ``text`` (default: the file's content) and the text itself.

    Layout slips (:mod:`.slips`) are reported as errors even when PyYAML accepts the text
    (a list line one space too far is silently glued to the line above). A syntax error
    names the entry it is in; when a slip at or above it explains it, only the slip is reported.
    """
    name = str(path)
    if text is None:
        text = read_text(path, problems)
        if text is None:
            return None, None
    slips = layout_slips(text)
    for slip in slips:
        problems.append(Problem(name, slip.line, slip.message, entry_above(text, slip.line, settings_file)))
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        line, message = _syntax_error(exc, text)
        if not any(slip.line <= max(line, 1) for slip in slips):
            problems.append(Problem(name, line, message, entry_above(text, line, settings_file)))
        return None, text
    except yaml.YAMLError as exc:
        problems.append(Problem(name, 0, f"YAML 错误：{exc}"))
        return None, text
    if node is None:
        problems.append(Problem(name, 1, "文件是空的"))
    return node, text


_SYNTAX_HINTS = (  # (text in PyYAML's message, what to do about it)
    ("end of stream", "有引号（\" 或 '）没有闭合"),
    ("could not find expected ':'", "有一行 “字段: 值” 缺少冒号（字段名后要有英文冒号和一个空格）"),
    ("mapping values are not allowed", "值里有 “: ”：请把整个值放在引号里"),
    ("cannot start any token", "缩进请用空格，不要用 Tab"),
    ("expected <block end>", "这一行的缩进和上面的行对不齐"),
)


def _syntax_error(exc: yaml.MarkedYAMLError, text: str = "") -> tuple[int, str]:
    """The line to name and a message for a YAML syntax error.

    PyYAML reports an unclosed quote at the end of the file and a missing ':' on the line
    after; the line where the broken text starts is the one staff need, so it is named.
    A text line where a field was expected is explained as a text line that lost its indentation.
    """
    problem, context = exc.problem or exc.context or "", exc.context or ""
    mark = exc.problem_mark or exc.context_mark
    line = mark.line + 1 if mark else 0
    message = f"YAML 语法错误：{problem}"
    if exc.context_mark is not None and exc.problem_mark is not None and exc.context_mark.line != exc.problem_mark.line:
        start = exc.context_mark.line + 1
        if "end of stream" in problem or "could not find expected ':'" in problem:
            line = start
        else:
            message += f"（{context}，从第 {start} 行开始）"
    continuation = continuation_hint(text, line) if "could not find expected ':'" in problem else ""
    hints = [continuation] if continuation else [hint for needle, hint in _SYNTAX_HINTS if needle in problem]
    if hints:
        message += f"；{hints[0]}"
    return line, message


def node_line(node: yaml.Node) -> int:
    return node.start_mark.line + 1


def node_mapping(node: yaml.Node) -> dict[str, tuple[yaml.Node, yaml.Node]]:
    """key text -> (key node, value node) of a mapping node."""
    return {str(k.value): (k, v) for k, v in node.value}


def node_text(node: yaml.Node) -> str | None:
    if isinstance(node, yaml.ScalarNode):
        return str(node.value).strip()
    return None


def duplicate_keys(node: yaml.MappingNode, file: str, entry_id: str, problems: list[Problem]) -> None:
    seen: set[str] = set()
    for key, _ in node.value:
        if key.value in seen:
            problems.append(Problem(file, node_line(key), f"字段 {key.value} 出现了两次", entry_id))
        seen.add(key.value)


def _parse_entry(node: yaml.Node, file: str, topic: str, problems: list[Problem]) -> Entry | None:
    if not isinstance(node, yaml.MappingNode):
        problems.append(Problem(file, node_line(node), "每个条目应是若干行 “字段: 值”"))
        return None
    fields = node_mapping(node)
    entry_id = node_text(fields["id"][1]) if "id" in fields else ""
    entry_id = entry_id or ""
    before = len(problems)
    duplicate_keys(node, file, entry_id, problems)
    for name in REQUIRED_ENTRY_FIELDS:
        if name not in fields:
            problems.append(Problem(file, node_line(node), f"缺少字段 {name}", entry_id))
    for name, (key, _) in fields.items():
        if name not in REQUIRED_ENTRY_FIELDS and name not in OPTIONAL_ENTRY_FIELDS:
            allowed = ", ".join(REQUIRED_ENTRY_FIELDS + OPTIONAL_ENTRY_FIELDS)
            problems.append(Problem(file, node_line(key), f"没有 “{name}” 这个字段（可用：{allowed}）", entry_id))

    values: dict[str, str] = {}
    for name in ("id", "title", "answer", "contact", "source", "updated", "title_en", "answer_en"):
        if name not in fields:
            continue
        value_node = fields[name][1]
        value = node_text(value_node)
        if value is None:
            problems.append(Problem(file, node_line(value_node), f"{name} 应是一段文字，不能是列表或块", entry_id))
        elif value == "" and name in REQUIRED_ENTRY_FIELDS:
            problems.append(Problem(file, node_line(value_node), f"'{name}' is empty", entry_id))
        else:
            values[name] = value

    if entry_id and not _ID_PATTERN.match(entry_id):
        problems.append(Problem(file, node_line(fields["id"][1]), f"id “{entry_id}” 应形如 topic.slug（小写字母、数字、_）", entry_id))
    elif entry_id and topic and not entry_id.startswith(topic + "."):
        problems.append(Problem(file, node_line(fields["id"][1]), f"id “{entry_id}” 应以本文件的主题 {topic}. 开头", entry_id))

    updated: dt.date | None = None
    if "updated" in values:
        try:
            updated = dt.date.fromisoformat(values["updated"])
        except ValueError:
            problems.append(Problem(file, node_line(fields["updated"][1]), f"updated 应是日期，例如 2026-03-01，现在是“{values['updated']}”", entry_id))
        else:
            if updated > dt.date.today() + dt.timedelta(days=1):
                problems.append(Problem(file, node_line(fields["updated"][1]), f"updated {updated} 是将来的日期", entry_id))

    def text_list(name: str) -> tuple[str, ...]:
        if name not in fields:
            return ()
        list_node = fields[name][1]
        if not isinstance(list_node, yaml.SequenceNode):
            problems.append(Problem(file, node_line(list_node), f"{name} 应是列表，每项一行，以 “- ” 开头", entry_id))
            return ()
        items = []
        for item in list_node.value:
            text = node_text(item)
            if not text:
                problems.append(Problem(file, node_line(item), f"{name} 里有空的或不是文字的项", entry_id))
            else:
                items.append(text)
        return tuple(items)

    questions = text_list("questions")
    if "questions" in fields and not questions and isinstance(fields["questions"][1], yaml.SequenceNode):
        problems.append(Problem(file, node_line(fields["questions"][1]), "questions 至少要有一个问法", entry_id))
    keywords = text_list("keywords")
    not_for = text_list("not_for")
    local_to = text_list("local_to")
    for place in local_to:
        if not is_place(place):
            problems.append(Problem(file, node_line(fields["local_to"][1]),
                                    f"local_to 里的“{place}”不是助手认识的地名（例如 西安、陕西、北京）", entry_id))
    deadlines = parse_deadlines(fields["deadlines"][1], file, entry_id, problems) if "deadlines" in fields else ()
    if len(problems) > before and any(p.severity == "error" for p in problems[before:]):
        return None
    assert updated is not None
    return Entry(
        id=entry_id,
        title=values["title"],
        title_en=values.get("title_en", ""),
        questions=questions,
        answer=values["answer"],
        answer_en=values.get("answer_en", ""),
        contact=values["contact"],
        source=values["source"],
        updated=updated,
        keywords=keywords,
        not_for=not_for,
        local_to=local_to,
        deadlines=deadlines,
        file=Path(file),
        line=node_line(node),
    )


def parse_topic_file(path: Path, text: str | None = None) -> TopicFile:
    """Parse one topic file (``text`` instead of its content when given); invalid entries are left out and reported."""
    result = TopicFile(path=path)
    file = str(path)
    root, result.text = compose_text(path, result.problems, text)
    if root is None:
        return result
    if not isinstance(root, yaml.MappingNode):
        result.problems.append(Problem(file, node_line(root), "文件应以 topic:、topic_name: 和 entries: 开头"))
        return result
    fields = node_mapping(root)
    duplicate_keys(root, file, "", result.problems)
    result.topic = (node_text(fields["topic"][1]) or "") if "topic" in fields else ""
    if not result.topic:
        result.topic = path.stem
        result.problems.append(Problem(file, 1, f"缺少 topic:（按文件名当作 {path.stem}）", severity="warning"))
    result.topic_name = (node_text(fields["topic_name"][1]) or "") if "topic_name" in fields else result.topic
    if "entries" not in fields:
        result.problems.append(Problem(file, 1, "missing 'entries:' list"))
        return result
    entries_node = fields["entries"][1]
    if not isinstance(entries_node, yaml.SequenceNode):
        result.problems.append(Problem(file, node_line(entries_node), "entries 应是条目列表，每个条目以 “- id:” 开头"))
        return result
    for node in entries_node.value:
        entry = _parse_entry(node, file, result.topic, result.problems)
        if entry is not None:
            result.entries.append(entry)
    return result


def parse_contacts_file(path: Path, text: str | None = None) -> ContactsFile:
    """Parse ``_contacts.yml`` (``text`` instead of its content when given; a missing file is a warning).

    Fields a contact may have beyond :data:`CONTACT_FIELDS` are warned about, never refused.
    """
    result = ContactsFile(path=path)
    file = str(path)
    if text is None and not path.exists():
        result.problems.append(Problem(file, 0, "没有联系方式文件：回答里不会显示办公室联系方式", severity="warning"))
        return result
    root, result.text = compose_text(path, result.problems, text, settings_file=True)
    if root is None:
        return result
    fields = node_mapping(root) if isinstance(root, yaml.MappingNode) else {}
    contacts_node = fields.get("contacts", (None, None))[1]
    if not isinstance(contacts_node, yaml.MappingNode):
        result.problems.append(Problem(file, node_line(root), "文件应有 contacts:，每个办公室一块"))
        return result
    duplicate_keys(contacts_node, file, "", result.problems)
    for key_node, value_node in contacts_node.value:
        key = str(key_node.value)
        if not isinstance(value_node, yaml.MappingNode):
            result.problems.append(Problem(file, node_line(key_node), f"联系方式 {key} 应是若干行 “字段: 值”", key))
            continue
        values = {}
        for name, (k, v) in node_mapping(value_node).items():
            if name not in CONTACT_FIELDS:
                result.problems.append(Problem(file, node_line(k), f"联系方式 {key} 里没有 “{name}” 这个字段", key, "warning"))
                continue
            values[name] = node_text(v) or ""
        if not values.get("name"):
            result.problems.append(Problem(file, node_line(key_node), f"联系方式 {key} 需要 name", key))
            continue
        result.contacts[key] = Contact(key=key, **values)
    return result


def assemble(files: list[TopicFile], contacts: ContactsFile,
             case_types: CaseTypesFile | None = None) -> tuple[KnowledgeBase, list[Problem]]:
    """Join parsed files into one knowledge base; adds cross-file problems.

    The first file (in name order) wins a duplicate id; the later entry is reported.
    Contact keys named by entries and by ``case_types`` must be in ``_contacts.yml``.
    """
    kb = KnowledgeBase(contacts=dict(contacts.contacts))
    problems: list[Problem] = []
    question_owner: dict[str, Entry] = {}
    for topic_file in sorted(files, key=lambda f: str(f.path)):
        if topic_file.topic:
            kb.topics.setdefault(topic_file.topic, topic_file.topic_name or topic_file.topic)
        for entry in topic_file.entries:
            if entry.id in kb.entries:
                first = kb.entries[entry.id]
                problems.append(Problem(str(entry.file), entry.line, f"id 重复：{first.file}:{first.line} 已经用过", entry.id))
                continue
            kb.entries[entry.id] = entry
            if contacts.ok and contacts.contacts and entry.contact not in contacts.contacts:
                known = ", ".join(sorted(contacts.contacts))
                problems.append(Problem(str(entry.file), entry.line, f"联系方式 {entry.contact} 不在 {CONTACTS_FILE} 里（已有：{known}）", entry.id))
            for question in entry.questions:
                key = normalize(question).rstrip("?？!！。. ")
                owner = question_owner.get(key)
                if owner is not None and owner.id != entry.id:
                    problems.append(Problem(str(entry.file), entry.line, f"问法“{question}”也出现在 {owner.id} 下", entry.id))
                else:
                    question_owner[key] = entry
    if case_types is not None and contacts.ok and contacts.contacts:
        for ref in case_types.contact_refs:
            if ref.key not in contacts.contacts:
                problems.append(Problem(str(case_types.path), ref.line,
                                        f"联系方式 {ref.key} 不在 {CONTACTS_FILE} 里（已有：{', '.join(sorted(contacts.contacts))}）",
                                        ref.where))
    return kb, problems


def load_directory(directory: Path, overrides: dict[Path, str] | None = None) -> tuple[KnowledgeBase, list[Problem]]:
    """Parse every file of a policies directory: the valid knowledge base plus all problems.

    ``overrides`` gives a topic file's text as it would be after an edit (to check an edit before writing it).
    """
    directory = Path(directory)
    problems: list[Problem] = []
    if not directory.is_dir():
        return KnowledgeBase(), [Problem(str(directory), 0, "不是目录")]
    overrides = {Path(p).resolve(): text for p, text in (overrides or {}).items()}
    files = [parse_topic_file(p, overrides.get(p.resolve())) for p in topic_files(directory)]
    contacts = parse_contacts_file(directory / CONTACTS_FILE)
    case_types_path = directory / CASE_TYPES_FILE
    case_types = parse_case_types_file(case_types_path) if case_types_path.exists() else None
    for f in files:
        problems.extend(f.problems)
    problems.extend(contacts.problems)
    problems.extend(case_types.problems if case_types else [])
    kb, cross = assemble(files, contacts, case_types)
    return kb, problems + cross
