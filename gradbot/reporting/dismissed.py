"""Questions staff dismissed as "not ours" in ``gradbot review``: ``policies/_dismissed.yml``.

Why a file next to the knowledge base and not a database table: dismissing is a decision
about what the knowledge base covers, like its entries; staff can read it, undo a
decision by deleting two lines, and keep it with the policies (backups, version
control); the texts are student questions already scrubbed of IDs and codes by the
conversation log. It is written like the drafts (:mod:`gradbot.knowledge.safe_write`):
appended as text under the policies lock, replaced atomically, comments kept.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import yaml

from gradbot.db.models import BEIJING
from gradbot.knowledge.safe_write import append_to_list, policies_lock, write_atomically, yaml_quoted
from gradbot.knowledge.schema import Problem
from gradbot.reporting.grouping import question_key

DISMISSED_FILE = "_dismissed.yml"
_HEADER = (
    "# 不归就业助手回答的问题（gradbot review 里选择“不归我们管”后记录在这里，以后的报告和 review 不再列出）。\n"
    "# 想撤销某个决定，删掉对应的两行（- question: 和 date:）即可。\n"
    "# Questions dismissed as not ours in gradbot review; delete an item to undo.\n"
    "dismissed:\n"
)


class DismissedError(Exception):
    """``_dismissed.yml`` cannot be read or written (Chinese and English)."""


@dataclass(frozen=True)
class Dismissed:
    """One dismissed question."""

    question: str
    date: str = ""
    line: int = 0


def dismissed_path(policies_dir: Path) -> Path:
    return Path(policies_dir) / DISMISSED_FILE


def parse_dismissed(policies_dir: Path) -> tuple[list[Dismissed], list[Problem]]:
    """The dismissed questions and the problems of the file (no file: none)."""
    path = dismissed_path(policies_dir)
    if not path.exists():
        return [], []
    try:
        root = yaml.compose(path.read_text(encoding="utf-8"), Loader=yaml.SafeLoader)
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        return [], [Problem(str(path), getattr(getattr(exc, "problem_mark", None), "line", -1) + 1,
                            f"无法读取已忽略的问题：{exc}")]
    fields = {str(k.value): v for k, v in root.value} if isinstance(root, yaml.MappingNode) else {}
    node = fields.get("dismissed")
    if node is None or (isinstance(node, yaml.ScalarNode) and node.tag.endswith(":null")):
        return [], [] if root is None or "dismissed" in fields else [Problem(str(path), 1, "文件应以 dismissed: 开头")]
    if not isinstance(node, yaml.SequenceNode):
        return [], [Problem(str(path), node.start_mark.line + 1, "dismissed 应是列表，每项 “- question: ...”")]
    items, problems = [], []
    for item in node.value:
        values = {str(k.value): v for k, v in item.value} if isinstance(item, yaml.MappingNode) else {}
        question = values.get("question")
        if not isinstance(question, yaml.ScalarNode) or not str(question.value).strip():
            problems.append(Problem(str(path), item.start_mark.line + 1, "每项都要有 “question: <问题>”"))
            continue
        date = values.get("date")
        items.append(Dismissed(str(question.value).strip(), str(getattr(date, "value", "") or ""), item.start_mark.line + 1))
    return items, problems


def dismissed_keys(policies_dir: Path) -> set[str]:
    """The dismissed questions in :func:`gradbot.reporting.grouping.question_key` form."""
    return {question_key(d.question) for d in parse_dismissed(policies_dir)[0]}


def dismiss(policies_dir: Path, questions: list[str]) -> list[str]:
    """Remember ``questions`` as not ours; returns those newly added (already dismissed ones are skipped)."""
    path = dismissed_path(policies_dir)
    today = datetime.now(BEIJING).date().isoformat()
    with policies_lock(policies_dir):
        items, problems = parse_dismissed(policies_dir)
        if problems:
            raise DismissedError(f"{path} 有错误，请先改正：{problems[0]}")
        known = {question_key(d.question) for d in items}
        new: list[str] = []
        for question in (" ".join(q.split()) for q in questions if q.strip()):
            if question_key(question) not in known | {question_key(n) for n in new}:
                new.append(question)
        if not new:
            return []
        text = path.read_text(encoding="utf-8") if path.exists() else ""
        try:
            for question in new:
                text = append_to_list(text, "dismissed", lambda column, q=question: (
                    f"{' ' * column}- question: {yaml_quoted(q)}\n{' ' * (column + 2)}date: \"{today}\"\n"), _HEADER)
        except (ValueError, yaml.YAMLError) as exc:
            raise DismissedError(f"{path}：{exc}") from exc
        write_atomically(path, text)
    if not known | {question_key(q) for q in new} <= {question_key(d.question) for d in parse_dismissed(policies_dir)[0]}:
        raise DismissedError(f"{path}：写入后无法读回")
    return new
