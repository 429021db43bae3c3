"""Draft entries: answers waiting for staff review, in ``policies/_drafts.yml``.

Drafts come from staff answers to handed-off questions (``/faq``) and from
``gradbot review`` (a group of unanswered questions turned into a draft). The assistant
never serves them; ``gradbot kb check`` validates the file and ``gradbot kb drafts`` lists
them. Staff move a reviewed draft into a topic file by hand (``policies/README.md``).

:func:`add_draft` appends one draft as text at the end of the file, so what staff wrote
there (comments, order, layout) stays as it is; it holds the policies lock
(:mod:`.safe_write`) and replaces the file atomically, so two writers never lose each other's draft and a
reader never sees half a file. A file staff broke is never overwritten: :class:`DraftsError`.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import yaml

from gradbot.db.models import BEIJING
from gradbot.knowledge.loader import compose_text
from gradbot.knowledge.safe_write import append_to_list, policies_lock, write_atomically, yaml_quoted
from gradbot.knowledge.schema import Problem

DRAFTS_FILE = "_drafts.yml"
DRAFT_FIELDS = ("id", "topic", "questions", "answer", "origin", "created", "note")
_HEADER = (
    "# 待审核的草稿条目（助手不会使用这里的内容）。由 gradbot review 和 Telegram 里老师的 /faq 回答生成。\n"
    "# 审核后把条目移到对应主题文件（见 policies/README.md “草稿条目”一节），再从这里删除。\n"
    "# Draft entries waiting for review; the assistant never serves them (see policies/README.md).\n"
    "drafts:\n"
)


class DraftsError(Exception):
    """``_drafts.yml`` cannot be read or written (the message says why, in Chinese and English)."""


@dataclass(frozen=True)
class Draft:
    """One draft entry."""

    id: str
    topic: str | None
    questions: tuple[str, ...]
    answer: str
    origin: str
    created: str = ""  # Beijing time, ISO 8601 with +08:00
    line: int = 0


@dataclass
class DraftsFile:
    """What ``_drafts.yml`` holds, and what is wrong with it."""

    path: Path
    drafts: list[Draft] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not any(p.severity == "error" for p in self.problems)


def drafts_path(policies_dir: Path) -> Path:
    """Where the drafts of a policies directory are kept."""
    return Path(policies_dir) / DRAFTS_FILE


def _scalar(node: yaml.Node) -> str | None:
    if isinstance(node, yaml.ScalarNode):
        return "" if node.tag.endswith(":null") else str(node.value).strip()
    return None


def _parse_draft(node: yaml.Node, file: str, known_topics: set[str] | None, problems: list[Problem]) -> Draft | None:
    line = node.start_mark.line + 1
    if not isinstance(node, yaml.MappingNode):
        problems.append(Problem(file, line, "每条草稿应是若干行 “字段: 值”，以 “- id:” 开头"))
        return None
    fields = {str(k.value): (k, v) for k, v in node.value}
    draft_id = _scalar(fields["id"][1]) if "id" in fields else ""
    before = len(problems)
    for name, (key, _) in fields.items():
        if name not in DRAFT_FIELDS:
            problems.append(Problem(file, key.start_mark.line + 1, f"草稿里没有 “{name}” 这个字段（可用：{'、'.join(DRAFT_FIELDS)}）", draft_id or ""))
    if not draft_id:
        problems.append(Problem(file, line, "草稿需要 id"))
    values: dict[str, str] = {}
    for name in ("topic", "answer", "origin", "created", "note"):
        if name in fields:
            value = _scalar(fields[name][1])
            if value is None:
                problems.append(Problem(file, fields[name][1].start_mark.line + 1, f"{name} 应是一段文字", draft_id or ""))
            else:
                values[name] = value
    questions: list[str] = []
    if "questions" not in fields:
        problems.append(Problem(file, line, "缺少字段 questions", draft_id or ""))
    elif not isinstance(fields["questions"][1], yaml.SequenceNode):
        problems.append(Problem(file, fields["questions"][1].start_mark.line + 1, "questions 应是列表，每项一行，以 “- ” 开头", draft_id or ""))
    else:
        for item in fields["questions"][1].value:
            text = _scalar(item)
            if not text:
                problems.append(Problem(file, item.start_mark.line + 1, "questions 里有空的或不是文字的项", draft_id or ""))
            else:
                questions.append(text)
        if not questions and not fields["questions"][1].value:
            problems.append(Problem(file, fields["questions"][1].start_mark.line + 1, "questions 至少要有一个问法", draft_id or ""))
    topic = values.get("topic") or None
    if topic and known_topics is not None and topic not in known_topics:
        problems.append(Problem(file, fields["topic"][1].start_mark.line + 1,
                                f"主题 {topic} 没有对应的主题文件（已有：{', '.join(sorted(known_topics))}）", draft_id or "", "warning"))
    if not values.get("answer"):
        problems.append(Problem(file, line, "草稿还没有回答：移入主题文件前请先写好", draft_id or "", "warning"))
    if any(p.severity == "error" for p in problems[before:]):
        return None
    return Draft(id=draft_id or "", topic=topic, questions=tuple(questions), answer=values.get("answer", ""),
                 origin=values.get("origin", ""), created=values.get("created", ""), line=line)


def parse_drafts_text(path: Path, text: str, known_topics: set[str] | None = None) -> DraftsFile:
    """Parse the drafts file's ``text``; invalid drafts are left out and reported with file and line."""
    result = DraftsFile(path=Path(path))
    file = str(path)
    root, _ = compose_text(Path(path), result.problems, text, settings_file=True)
    if root is None:
        if not text.strip():  # an empty file just holds no drafts
            result.problems = [p for p in result.problems if p.message != "the file is empty"]
        return result
    fields = {str(k.value): (k, v) for k, v in root.value} if isinstance(root, yaml.MappingNode) else None
    if fields is None or "drafts" not in fields:
        result.problems.append(Problem(file, root.start_mark.line + 1, "文件应以 drafts: 开头，下面是各条草稿"))
        return result
    node = fields["drafts"][1]
    if _scalar(node) == "":
        return result
    if not isinstance(node, yaml.SequenceNode):
        result.problems.append(Problem(file, node.start_mark.line + 1, "drafts 应是草稿列表，每条以 “- id:” 开头"))
        return result
    seen: dict[str, int] = {}
    for item in node.value:
        draft = _parse_draft(item, file, known_topics, result.problems)
        if draft is None:
            continue
        if draft.id in seen:
            result.problems.append(Problem(file, draft.line, f"草稿 id 重复：第 {seen[draft.id]} 行已经用过", draft.id))
            continue
        seen[draft.id] = draft.line
        result.drafts.append(draft)
    return result


def parse_drafts_file(policies_dir: Path, known_topics: set[str] | None = None) -> DraftsFile:
    """Parse ``policies/_drafts.yml`` (no file: no drafts, no problem)."""
    path = drafts_path(policies_dir)
    if not path.exists():
        return DraftsFile(path=path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        return DraftsFile(path=path, problems=[Problem(str(path), 0, f"无法按 UTF-8 文本读取文件：{exc}")])
    return parse_drafts_text(path, text, known_topics)


def list_drafts(policies_dir: Path) -> list[Draft]:
    """The valid drafts of ``policies_dir``, in file order (an invalid draft is left out; ``kb check`` names it)."""
    return parse_drafts_file(policies_dir).drafts


def _block(text: str, indent: str) -> str:
    """``text`` as a YAML literal block (``|``) indented by ``indent``."""
    lines = text.strip("\n").splitlines() or [""]
    if any(line != line.rstrip() for line in lines) or lines[0].startswith(" "):
        return yaml_quoted(text.strip()) + "\n"  # a literal block cannot keep trailing spaces or a leading indent
    return "|\n" + "".join(f"{indent}{line}\n" if line.strip() else "\n" for line in lines)


def draft_yaml(draft: Draft, column: int = 2) -> str:
    """The text of one draft as a list item under ``drafts:``, its ``-`` at ``column`` (2 like the topic files)."""
    dash, inner = " " * column, " " * (column + 2)
    out = [f"{dash}- id: {draft.id}\n",
           f"{inner}topic: {draft.topic}\n" if draft.topic else f"{inner}topic:\n",
           f"{inner}questions:\n"]
    out += [f"{inner}  - {yaml_quoted(q)}\n" for q in draft.questions]
    out.append(f"{inner}answer: " + (_block(draft.answer, inner + "  ") if draft.answer.strip() else '""\n'))
    out.append(f"{inner}origin: {yaml_quoted(draft.origin)}\n")
    out.append(f"{inner}created: {yaml_quoted(draft.created)}\n")
    return "".join(out)


def _new_id(existing: set[str], now: datetime) -> str:
    while True:
        candidate = f"draft-{now:%Y%m%d}-{secrets.token_hex(2)}"
        if candidate not in existing:
            return candidate


def _appended(text: str, path: Path, draft: Draft) -> str:
    """``text`` with ``draft`` added at the end of its ``drafts:`` list, everything else kept."""
    try:
        return append_to_list(text, "drafts", lambda column: draft_yaml(draft, column), _HEADER)
    except ValueError as exc:
        raise DraftsError(f"{path}：{exc}") from exc


def add_draft(policies_dir: Path, *, topic: str | None, questions: list[str], answer: str, origin: str) -> str:
    """Add a draft entry to ``policies/_drafts.yml`` and return its new id (``draft-YYYYMMDD-xxxx``).

    ``topic`` is the topic file it should go to (None: not decided yet); ``questions`` the
    phrasings students used (at least one); ``answer`` may be empty when staff still have to
    write it; ``origin`` says where it came from (e.g. ``handoff:<id>``, ``review``).
    Raises :class:`DraftsError` (Chinese and English) when the file is broken or
    the result would not read back; the file is then left unchanged.
    """
    clean = [" ".join(q.split()) for q in questions if q and q.strip()]
    if not clean:
        raise DraftsError("草稿至少需要一个问法")
    path = drafts_path(policies_dir)
    now = datetime.now(BEIJING).replace(microsecond=0)
    with policies_lock(policies_dir):
        try:
            text = path.read_text(encoding="utf-8") if path.exists() else ""
        except (OSError, UnicodeDecodeError) as exc:
            raise DraftsError(f"{path}：无法读取（{exc}）/ cannot read the file") from exc
        before = parse_drafts_text(path, text) if text.strip() else DraftsFile(path=path)
        errors = [p for p in before.problems if p.severity == "error"]
        if errors:
            raise DraftsError(f"{path} 有错误，请先改正（gradbot kb check）/ fix the file first: {errors[0]}")
        draft = Draft(id=_new_id({d.id for d in before.drafts}, now), topic=topic or None, questions=tuple(clean),
                      answer=answer.strip(), origin=origin, created=now.isoformat())
        try:
            new_text = _appended(text, path, draft)
        except yaml.YAMLError as exc:
            raise DraftsError(f"{path}：YAML 无法解析 / YAML error: {exc}") from exc
        after = parse_drafts_text(path, new_text)
        written = next((d for d in after.drafts if d.id == draft.id), None)
        if not after.ok or written is None or written.questions != draft.questions or written.answer != draft.answer:
            raise DraftsError(f"{path}：添加后文件无法正确读回，未写入")
        write_atomically(path, new_text)
    return draft.id
