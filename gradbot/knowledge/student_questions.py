"""Real students' questions kept as training data (``nlu_data/real/*.yml``).

Questions students wrote on public pages, copied verbatim, each with the page it came
from. The files are Rasa NLU YAML with example metadata, so Rasa trains on them as they
are (the topic intent ``ask_<topic>``, or ``out_of_scope``)::

    - intent: ask_dispatch
      examples:
      - text: 三方协议违约了要赔多少钱
        metadata: {entry: dispatch.breach_penalty, source: https://...}

:func:`load` reads every example with its entry (or, out of scope, its ``subject``) and
source; :func:`phrasings` gives the matcher the in-scope ones as extra phrasings of their
entry. A missing or empty directory simply gives none.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

from gradbot.nlu_data import nlu_examples

log = logging.getLogger(__name__)
OUT_OF_SCOPE = "out_of_scope"


@dataclass(frozen=True)
class StudentQuestion:
    """One example: its text, intent, entry id ('' out of scope), source page and subject."""

    text: str
    intent: str
    entry: str
    source: str
    subject: str
    file: Path
    number: int  # 1-based position among the file's examples

    @property
    def out_of_scope(self) -> bool:
        return self.intent == OUT_OF_SCOPE


def load_file(path: Path) -> list[StudentQuestion]:
    """The examples of one file's intent blocks, in order (block-string examples carry no metadata)."""
    questions: list[StudentQuestion] = []
    for example in nlu_examples(path):
        if not example.intent:
            continue
        meta = example.metadata
        questions.append(StudentQuestion(
            text=example.text.strip(), intent=example.intent, entry=str(meta.get("entry") or "").strip(),
            source=str(meta.get("source") or "").strip(), subject=str(meta.get("subject") or "").strip(),
            file=Path(path), number=len(questions) + 1,
        ))
    return questions


def files(directory: Path) -> list[Path]:
    """The YAML files of ``directory`` (none when it does not exist)."""
    directory = Path(directory)
    return sorted(directory.rglob("*.yml")) if directory.is_dir() else []


def load(directory: Path) -> list[StudentQuestion]:
    """Every example of every file of ``directory``; [] when it is missing or empty."""
    paths = files(directory)
    return list(_load_cached(tuple((str(p), p.stat().st_mtime_ns) for p in paths)))


@lru_cache(maxsize=4)
def _load_cached(stamped: tuple[tuple[str, int], ...]) -> tuple[StudentQuestion, ...]:
    questions: list[StudentQuestion] = []
    for name, _ in stamped:
        try:
            questions += load_file(Path(name))
        except (OSError, yaml.YAMLError) as exc:  # a broken file must not take the matcher down
            log.warning("student questions: %s left out: %s", name, exc)
    return tuple(questions)


def phrasings(questions: Iterable[StudentQuestion], entry_ids: Iterable[str] | None = None) -> dict[str, tuple[str, ...]]:
    """The in-scope questions' texts by entry id (only ids in ``entry_ids`` when given)."""
    wanted = None if entry_ids is None else set(entry_ids)
    out: dict[str, list[str]] = {}
    for q in questions:
        if q.out_of_scope or not q.entry or not q.text or (wanted is not None and q.entry not in wanted):
            continue
        out.setdefault(q.entry, []).append(q.text)
    return {entry: tuple(texts) for entry, texts in out.items()}


def out_of_scope_texts(questions: Iterable[StudentQuestion]) -> tuple[str, ...]:
    """The texts of the out-of-scope questions (for the matcher's nearest-neighbour check)."""
    return tuple(q.text for q in questions if q.out_of_scope and q.text)
