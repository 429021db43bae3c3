"""Data classes of the knowledge base and of the problems the checker reports."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

REQUIRED_ENTRY_FIELDS = ("id", "title", "questions", "answer", "contact", "source", "updated")
OPTIONAL_ENTRY_FIELDS = ("title_en", "answer_en", "keywords", "not_for", "local_to", "deadlines")
CONTACT_FIELDS = ("name", "name_en", "room", "phone", "hours", "hours_en", "note", "note_en")


@dataclass(frozen=True)
class Contact:
    """An office students can turn to (from ``policies/_contacts.yml``)."""

    key: str
    name: str
    name_en: str = ""
    room: str = ""
    phone: str = ""
    hours: str = ""
    hours_en: str = ""
    note: str = ""
    note_en: str = ""


@dataclass(frozen=True)
class Deadline:
    """A date that matters to students, from an entry's optional ``deadlines:`` (see :mod:`.deadlines`)."""

    date: dt.date
    label: str
    label_en: str = ""


@dataclass(frozen=True)
class Entry:
    """One question-and-answer entry of the knowledge base."""

    id: str
    title: str
    questions: tuple[str, ...]
    answer: str
    contact: str
    source: str
    updated: dt.date
    title_en: str = ""
    answer_en: str = ""
    keywords: tuple[str, ...] = ()
    # words or phrases that mark a question this entry must not answer (another city, office, kind of question)
    not_for: tuple[str, ...] = ()
    # places whose rules the answer gives, for a subject each city sets itself (失业金, 社保): a
    # question about another place is that place's business (gradbot.knowledge.scope.excluded)
    local_to: tuple[str, ...] = ()
    deadlines: tuple[Deadline, ...] = ()
    file: Path | None = None
    line: int = 0

    @property
    def topic(self) -> str:
        """The part of the id before the dot (``dispatch`` for ``dispatch.online_signing``)."""
        return self.id.split(".", 1)[0]


SEVERITY_NAMES = {"error": "错误", "warning": "警告"}  # how staff read a problem's severity


@dataclass(frozen=True)
class Problem:
    """Something wrong (``error``) or worth a look (``warning``) in a knowledge-base file."""

    file: str
    line: int
    message: str
    entry_id: str = ""
    severity: str = "error"

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        entry = f" [{self.entry_id}]" if self.entry_id else ""
        return f"{where}:{entry} {SEVERITY_NAMES.get(self.severity, self.severity)}：{self.message}"


@dataclass
class KnowledgeBase:
    """The entries, topics and contacts in force."""

    entries: dict[str, Entry] = field(default_factory=dict)
    topics: dict[str, str] = field(default_factory=dict)
    contacts: dict[str, Contact] = field(default_factory=dict)

    def by_topic(self, topic: str) -> list[Entry]:
        """Entries whose id starts with ``topic.``."""
        return [e for e in self.entries.values() if e.topic == topic]
