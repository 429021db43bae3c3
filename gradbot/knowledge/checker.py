"""Checks behind ``gradbot kb check``: the loader's errors plus advice for staff.

Besides syntax and schema errors (from :mod:`.loader`), it warns about entries not
checked for ``stale_days``, questions that are nearly the same under two ids, deadlines
that have passed, editor notes left in an answer ("尚未确认", "TODO": students would read
them), and, with a model, questions the NLU sends to another topic.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import os
import re
import sys
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

from gradbot.knowledge.deadlines import passed_deadlines
from gradbot.knowledge.formatting import is_placeholder
from gradbot.knowledge.loader import CONTACTS_FILE, load_directory, topic_files
from gradbot.knowledge.matcher import Matcher
from gradbot.knowledge.schema import KnowledgeBase, Problem
from gradbot.office_hours.checks import office_hours_problems

NEAR_DUPLICATE = 0.85
# Notes meant for staff that must not reach students: an unconfirmed fact is phrased for the
# student ("以学校最新通知为准，请向205室老师确认"), never as "尚未确认" or "not confirmed".
EDITOR_NOTE = re.compile(
    r"待确认|尚未确认|未经确认|未确认|没有确认|尚未核实|未核实|未经核实|可信度低|可靠来源|找到来源|查到的|未查到|没有查到|"
    r"没有确定的说法|TODO|TBD|FIXME|UNCONFIRMED|unconfirmed|unverified|not (?:yet |been )?confirmed|to be confirmed|"
    r"not verified|low-authority|what we found|no reliable source|was not found",
    re.IGNORECASE,
)


@dataclass
class CheckReport:
    """All problems found, sorted by file and line."""

    problems: list[Problem] = field(default_factory=list)
    entry_count: int = 0
    file_count: int = 0

    @property
    def error_count(self) -> int:
        return sum(p.severity == "error" for p in self.problems)

    @property
    def warning_count(self) -> int:
        return sum(p.severity == "warning" for p in self.problems)


def stale_entries(kb: KnowledgeBase, stale_days: int, today: dt.date | None = None) -> list[Problem]:
    """Warnings for entries whose ``updated`` is older than ``stale_days``."""
    today = today or dt.date.today()
    return [
        Problem(str(e.file), e.line, f"已 {(today - e.updated).days} 天未核对（updated {e.updated}），请核对", e.id, "warning")
        for e in kb.entries.values()
        if (today - e.updated).days > stale_days
    ]


def near_duplicate_questions(kb: KnowledgeBase, threshold: float = NEAR_DUPLICATE) -> list[Problem]:
    """Warnings for questions under one id that are nearly the same as a question under another."""
    questions = [(e, q) for e in kb.entries.values() for q in e.questions]
    matrix = Matcher(kb).vectors([q for _, q in questions])
    if matrix is None:
        return []
    sims = (matrix @ matrix.T).toarray()
    problems = []
    for i, (entry_a, question_a) in enumerate(questions):
        for j in range(i + 1, len(questions)):
            entry_b, question_b = questions[j]
            if entry_a.id != entry_b.id and sims[i, j] >= threshold:
                problems.append(Problem(str(entry_b.file), entry_b.line,
                                        f"问法“{question_b}”与 {entry_a.id} 下的“{question_a}”几乎相同"
                                        f"（相似度 {sims[i, j]:.2f}），学生可能得到错误的回答", entry_b.id, "warning"))
    return problems


@contextlib.contextmanager
def silenced() -> Iterator[None]:
    """Nothing Rasa or TensorFlow logs or prints gets through (logging, warnings, and stdout/stderr at the fd level)."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    for stream in (sys.stdout, sys.stderr):
        stream.flush()
    saved = [os.dup(1), os.dup(2)]
    devnull = os.open(os.devnull, os.O_WRONLY)
    previous_disable = logging.root.manager.disable
    logging.disable(logging.CRITICAL)
    try:
        os.dup2(devnull, 1)
        os.dup2(devnull, 2)
        with warnings.catch_warnings(), contextlib.redirect_stdout(open(os.devnull, "w")) as out, \
                contextlib.redirect_stderr(out):
            warnings.simplefilter("ignore")
            try:
                yield
            finally:
                out.close()
    finally:
        for stream in (sys.stdout, sys.stderr):
            with contextlib.suppress(Exception):
                stream.flush()
        os.dup2(saved[0], 1)
        os.dup2(saved[1], 2)
        for fd in (*saved, devnull):
            os.close(fd)
        logging.disable(previous_disable)


def misrouted_questions(kb: KnowledgeBase) -> list[Problem]:
    """Warnings for questions the trained NLU model classifies outside their entry's topic.

    The model runs :func:`silenced`: staff see only the findings, not Rasa's debug output.
    """
    from gradbot.nlu_model import NluModel

    with silenced():
        model = NluModel.load_latest()
        if model is None:
            return [Problem("models/", 0, "没有训练好的模型：先运行 gradbot train 再用模型检查问法", severity="warning")]
        classified = {(entry.id, question): model.classify(question) for entry in kb.entries.values() for question in entry.questions}
    problems = []
    for entry in kb.entries.values():
        for question in entry.questions:
            intent, confidence = classified[(entry.id, question)]
            if intent != f"ask_{entry.topic}":
                problems.append(Problem(str(entry.file), entry.line,
                                        f"模型把“{question}”归到 {intent}（{confidence:.2f}），不是 ask_{entry.topic}；"
                                        "请换个说法、多加几个问法，或运行 gradbot train", entry.id, "warning"))
    return problems


def editor_notes(kb: KnowledgeBase) -> list[Problem]:
    """Warnings for answers (``answer``, ``answer_en``) that contain a note meant for staff."""
    problems = []
    file_lines: dict[str, list[str]] = {}  # each topic file read once, not once per entry
    for entry in kb.entries.values():
        if entry.file and str(entry.file) not in file_lines:
            try:
                file_lines[str(entry.file)] = Path(entry.file).read_text(encoding="utf-8").splitlines()
            except (OSError, UnicodeDecodeError):
                file_lines[str(entry.file)] = []
        lines = file_lines.get(str(entry.file), []) if entry.file else []
        for field_name, text in (("answer", entry.answer), ("answer_en", entry.answer_en)):
            notes = list(dict.fromkeys(found.group(0) for found in EDITOR_NOTE.finditer(text or "")))
            if not notes:
                continue
            # the line of the first note in the file (the entry's own line when it cannot be found)
            line = next((n for n in range(max(entry.line, 1), len(lines) + 1) if notes[0] in lines[n - 1]), entry.line)
            problems.append(Problem(str(entry.file), line, f"{field_name} 里有写给老师自己看的备注（{'、'.join(notes)}），"
                                    "学生会原样看到：请改成对学生说的话（例如“以学校最新通知为准，请向205室老师确认”）", entry.id, "warning"))
    return problems


def placeholder_contacts(directory: Path) -> list[Problem]:
    """Warnings for values of ``_contacts.yml`` still reading "待确认（请管理员填写）" (left out of answers)."""
    path = Path(directory) / CONTACTS_FILE
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError):
        return []  # unreadable: the loader reports it
    problems, key = [], ""
    for number, line in enumerate(lines, start=1):
        stripped = line.split("#", 1)[0]
        found = re.match(r"^  ([A-Za-z0-9_]+):\s*$", stripped)
        if found:
            key = found.group(1)
        elif is_placeholder(stripped):
            field_name = stripped.strip().split(":", 1)[0]
            problems.append(Problem(str(path), number, f"联系方式 {key} 的 {field_name} 还没有填写"
                                    "（填写前不会显示给学生）", severity="warning"))
    return problems


def check_directory(directory: Path, stale_days: int = 180, with_model: bool = False) -> CheckReport:
    """Every problem of a policies directory."""
    from gradbot.knowledge.drafts import parse_drafts_file
    from gradbot.reporting.dismissed import parse_dismissed

    kb, problems = load_directory(Path(directory))
    # a topic file with an error of its own is still a topic a draft may name
    known_topics = set(kb.topics) | {path.stem for path in topic_files(Path(directory))}
    drafts = parse_drafts_file(Path(directory), known_topics=known_topics)  # checked, never served
    problems = problems + drafts.problems + parse_dismissed(Path(directory))[1] + stale_entries(kb, stale_days) + near_duplicate_questions(kb)
    problems += office_hours_problems(Path(directory))
    problems += passed_deadlines(kb) + placeholder_contacts(Path(directory)) + editor_notes(kb)
    if with_model:
        problems += misrouted_questions(kb)
    problems.sort(key=lambda p: (p.file, p.line, p.severity))
    return CheckReport(problems=problems, entry_count=len(kb.entries), file_count=len(topic_files(Path(directory))))
