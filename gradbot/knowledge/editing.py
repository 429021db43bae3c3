"""Adding students' phrasings to an entry's ``questions`` in a topic file, safely.

The file is changed as text: the new ``- …`` lines go right after the entry's last
question, indented like it, so staff's comments, order and layout stay as they are. The
knowledge base with the edit is checked first (:func:`gradbot.knowledge.loader.load_directory`
with the new text): if the edit would add any error (e.g. the same question under two
entries), nothing is written. The file is then replaced atomically under the policies
lock, unless someone changed it in the meantime; if the written file does not load as
checked, the old text is put back.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import yaml

from gradbot.knowledge.loader import load_directory
from gradbot.knowledge.safe_write import policies_lock, write_atomically, yaml_quoted
from gradbot.knowledge.schema import KnowledgeBase, Problem
from gradbot.textnorm import normalize


class EditError(Exception):
    """The edit was not made (the message says why, in Chinese and English)."""


@dataclass
class AddedQuestions:
    """What :func:`add_questions` did."""

    entry_id: str
    file: Path
    added: list[str] = field(default_factory=list)
    already_there: list[str] = field(default_factory=list)  # in this entry already
    elsewhere: list[tuple[str, str]] = field(default_factory=list)  # (phrasing, the other entry's id): left out
    no_words: list[str] = field(default_factory=list)  # only punctuation or emoji ("?", "👍"): left out


def same_question(text: str) -> str:
    """The form under which the knowledge base treats two questions as the same."""
    return normalize(text).rstrip("?？!！。. ")


def _item(text: str) -> str:
    """``text`` as a list item's value: plain when YAML reads it back unchanged, else double-quoted."""
    try:
        if yaml.safe_load(f"- {text}") == [text]:
            return text
    except yaml.YAMLError:
        pass
    return yaml_quoted(text)


def _errors(problems: list[Problem]) -> set[tuple[str, str, str]]:
    return {(p.file, p.entry_id, p.message) for p in problems if p.severity == "error"}


def _insert(text: str, path: Path, entry_id: str, questions: list[str]) -> str:
    """``text`` with ``questions`` added under the entry's ``questions:`` list."""
    root = yaml.compose(text, Loader=yaml.SafeLoader)
    fields = {str(k.value): v for k, v in root.value} if isinstance(root, yaml.MappingNode) else {}
    entries = fields.get("entries")
    entry = next((node for node in getattr(entries, "value", []) if isinstance(node, yaml.MappingNode)
                  and any(str(k.value) == "id" and str(v.value).strip() == entry_id for k, v in node.value)), None)
    if entry is None:
        raise EditError(f"{path}：找不到条目 {entry_id}")
    listing = next((v for k, v in entry.value if str(k.value) == "questions"), None)
    if not isinstance(listing, yaml.SequenceNode) or listing.flow_style or not listing.value:
        raise EditError(f"{path}：条目 {entry_id} 的 questions 不是每行一个“- 问法”的列表，请手工添加")
    last, first = listing.value[-1], listing.value[0]
    lines = text.splitlines(keepends=True)
    end_line = last.end_mark.line if last.end_mark.column > 0 else last.end_mark.line - 1
    indent = " " * (first.start_mark.column - 2)
    if not lines[end_line].endswith("\n"):
        lines[end_line] += "\n"
    added = "".join(f"{indent}- {_item(q)}\n" for q in questions)
    return "".join(lines[:end_line + 1]) + added + "".join(lines[end_line + 1:])


def add_questions(policies_dir: Path, entry_id: str, questions: list[str]) -> AddedQuestions:
    """Add ``questions`` to entry ``entry_id``; phrasings already there, under another entry, or
    without a letter, digit or Chinese character are left out.

    Raises :class:`EditError` when nothing could be written (unknown entry, a list staff
    wrote in another style, an edit that would add an error, a file changed meanwhile).
    """
    policies_dir = Path(policies_dir)
    with policies_lock(policies_dir):
        kb, before = load_directory(policies_dir)
        entry = kb.entries.get(entry_id)
        if entry is None or entry.file is None:
            raise EditError(f"没有编号为 {entry_id} 的条目（或它所在的文件有错误）")
        result = AddedQuestions(entry_id, entry.file)
        owners = entry_questions(kb)
        wanted: list[str] = []
        for question in dict.fromkeys(" ".join(q.split()) for q in questions if q.strip()):
            if not any(ch.isalnum() for ch in question):  # "?" would make every "?" this entry's question
                result.no_words.append(question)
                continue
            owner = owners.get(same_question(question))
            if owner == entry_id or same_question(question) in {same_question(w) for w in wanted}:
                result.already_there.append(question)
            elif owner is not None:
                result.elsewhere.append((question, owner))
            else:
                wanted.append(question)
        if not wanted:
            return result
        path = entry.file
        text = path.read_text(encoding="utf-8")
        try:
            new_text = _insert(text, path, entry_id, wanted)
        except yaml.YAMLError as exc:
            raise EditError(f"{path}：文件有 YAML 错误，请先改正（gradbot kb check）：{exc}") from exc
        new_kb, after = load_directory(policies_dir, overrides={path: new_text})
        added_errors = _errors(after) - _errors(before)
        got = new_kb.entries.get(entry_id)
        if added_errors or got is None or list(got.questions) != list(entry.questions) + wanted:
            detail = "；".join(f"{f} [{e}] {m}" for f, e, m in sorted(added_errors)) or "新问法无法正确读回"
            raise EditError(f"{path}：添加后知识库会出错，未修改：{detail}")
        if path.read_text(encoding="utf-8") != text:
            raise EditError(f"{path}：文件刚被别人修改过，请重试")
        write_atomically(path, new_text)
        if _errors(load_directory(policies_dir)[1]) - _errors(before):  # e.g. another file changed at the same moment
            write_atomically(path, text)
            raise EditError(f"{path}：写入后检查未通过，已恢复原文件")
        result.added = wanted
    return result


def entry_questions(kb: KnowledgeBase) -> dict[str, str]:
    """Every question of the knowledge base (in :func:`same_question` form) and the id of its entry."""
    return {same_question(q): e.id for e in kb.entries.values() for q in e.questions}
