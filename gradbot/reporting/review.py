"""The review step: take a group of unanswered questions and decide what becomes of it.

Like Azure question answering's suggestions (accept a phrasing into an answer) and
Botpress's "misunderstood" inbox (assign to an answer, or ignore for good), staff can

(a) add the group's phrasings to an existing entry's ``questions`` (:mod:`gradbot.knowledge.editing`),
(b) start a draft entry with them (:mod:`gradbot.knowledge.drafts`), or
(c) dismiss them as not ours (:mod:`.dismissed`).

Decisions are remembered where they were made: a phrasing now in an entry's questions,
in a draft or in the dismissed list is *decided*, and a group whose phrasings are all
decided no longer shows up in ``gradbot review`` or in the report.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from gradbot.knowledge.drafts import add_draft, list_drafts
from gradbot.knowledge.editing import AddedQuestions, add_questions
from gradbot.knowledge.schema import KnowledgeBase
from gradbot.reporting.analysis import QuestionGroup, Report
from gradbot.reporting.dismissed import dismiss, dismissed_keys
from gradbot.reporting.grouping import question_key

DRAFT_TOPIC_MIN_SCORE = 0.3  # a draft is filed under the nearest entry's topic when it is at least this close


@dataclass
class Decisions:
    """Where each decided phrasing went: question key -> ``entry:<id>``, ``draft:<id>`` or ``dismissed``."""

    by_key: dict[str, str] = field(default_factory=dict)

    def of(self, text: str) -> str | None:
        return self.by_key.get(question_key(text))


def load_decisions(policies_dir: Path, kb: KnowledgeBase) -> Decisions:
    """What was decided so far: the knowledge base's questions, the drafts' questions, the dismissed list."""
    decisions = Decisions()
    for key in dismissed_keys(policies_dir):
        decisions.by_key[key] = "dismissed"
    for draft in list_drafts(policies_dir):
        for question in draft.questions:
            decisions.by_key[question_key(question)] = f"draft:{draft.id}"
    for entry in kb.entries.values():
        for question in entry.questions:
            decisions.by_key[question_key(question)] = f"entry:{entry.id}"
    return decisions


@dataclass
class ReviewGroup:
    """A report group with the phrasings still to decide."""

    group: QuestionGroup
    open: list[tuple[str, int]]  # (phrasing, times asked) not decided yet, most asked first
    decided: list[tuple[str, str]]  # (phrasing, where it went)

    @property
    def id(self) -> int:
        return self.group.id

    @property
    def questions(self) -> list[str]:
        return [text for text, _ in self.open]


def review_groups(report: Report, decisions: Decisions) -> tuple[list[ReviewGroup], list[ReviewGroup]]:
    """The report's groups split into (still open, fully decided).

    A phrasing already under entry X is decided, unless a 👎 answer to it came from
    another entry (the assistant picked the wrong one: that stays for staff to see).
    """
    pending, done = [], []
    for group in report.groups:
        disliked_from: dict[str, set[str]] = {}
        for m in group.messages:
            if m.feedback == -1 and m.faq_id:
                disliked_from.setdefault(question_key(m.text), set()).add(m.faq_id)
        open_, decided = [], []
        for text, times in group.phrasings:
            where = decisions.of(text)
            if where and where.startswith("entry:") and disliked_from.get(question_key(text), set()) - {where[len("entry:"):]}:
                where = None
            if where is None:
                open_.append((text, times))
            else:
                decided.append((text, where))
        (pending if open_ else done).append(ReviewGroup(group, open_, decided))
    return pending, done


def to_entry(policies_dir: Path, group: ReviewGroup, entry_id: str) -> AddedQuestions:
    """(a) Add the group's open phrasings to ``entry_id``'s questions."""
    return add_questions(policies_dir, entry_id, group.questions)


def draft_topic(group: ReviewGroup) -> str | None:
    """The topic a draft of this group most likely belongs to (the nearest entry's, when close enough)."""
    nearest = group.group.nearest_entry
    return nearest.topic if nearest is not None and group.group.nearest_score >= DRAFT_TOPIC_MIN_SCORE else None


def to_draft(policies_dir: Path, group: ReviewGroup, topic: str | None = None) -> str:
    """(b) Start a draft entry (no answer yet) with the group's open phrasings; returns the draft id."""
    return add_draft(policies_dir, topic=topic or draft_topic(group), questions=group.questions, answer="",
                     origin=f"review: {group.group.representative}"[:200])


def to_dismissed(policies_dir: Path, group: ReviewGroup) -> list[str]:
    """(c) Dismiss the group's open phrasings as not ours."""
    return dismiss(policies_dir, group.questions)
