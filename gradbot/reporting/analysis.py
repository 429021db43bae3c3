"""The figures of a staff report, computed from logged messages and the knowledge base.

A *question* is a message whose outcome was ``faq``, ``clarify``, ``fallback`` or
``handoff``, except a press of a clarifying button (``/choose_faq{...}``, logged as its
own ``faq`` turn): that press settles the question asked before it. "Answered without
staff" counts the questions answered directly (``faq``) or settled by a button press,
when the answer did not get 👎. The questions "to add next" are the messages that fell
back (``fallback``) or whose answer got 👎 (a 👎 on a button press stands for the
question asked before it; the entry that answered is named), grouped by subject
(:mod:`.grouping`); each group names the closest existing entry so staff can tell a
missing phrasing from a missing entry. The same figures of the previous period, the
buttons students pressed after a clarifying question and the messages before each
request for a human (``/handoff``) are part of the report too.
"""

from __future__ import annotations

import json
import math
from collections import Counter
from dataclasses import dataclass, field, replace
from datetime import date, timedelta

from gradbot.knowledge.matcher import Matcher
from gradbot.knowledge.schema import Entry, KnowledgeBase
from gradbot.reporting.data import LoggedMessage, Period
from gradbot.reporting.grouping import cluster_questions, question_key

QUESTION_OUTCOMES = ("faq", "clarify", "fallback", "handoff")
OUTCOME_LABELS = {
    "faq": "直接回答（知识库条目）",
    "clarify": "反问确认（给出选项按钮）",
    "fallback": "未能回答",
    "handoff": "转人工",
    "case_status": "办理进度查询",
    "bind": "绑定学号",
    "greet": "问候",
    "thanks": "致谢",
    "goodbye": "告别",
    "bot_challenge": "问是否机器人",
    "error": "系统出错（助手未回复）",
    "other": "其他",
}
MAX_EXAMPLES = 5
CHOOSE_PREFIX = "/choose_faq"
HANDOFF_CONTEXT = 5  # messages shown before a request for a human
HANDOFF_WINDOW = timedelta(minutes=30)  # ... that were sent at most this long before it


@dataclass
class EntryUsage:
    """How often one knowledge-base entry was given as the answer, and its feedback."""

    faq_id: str
    title: str
    answers: int = 0
    thumbs_up: int = 0
    thumbs_down: int = 0
    in_knowledge_base: bool = True

    @property
    def thumbs_down_rate(self) -> float:
        """Share of the answers that got 👎."""
        return self.thumbs_down / self.answers if self.answers else 0.0

    @property
    def badness(self) -> float:
        """How surely this entry disappoints: the lower 95% Wilson bound of its 👎 rate (ranks 5 of 10 above 1 of 1)."""
        n, z = self.answers, 1.96
        if not n:
            return 0.0
        p = self.thumbs_down / n
        return (p + z * z / (2 * n) - z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))) / (1 + z * z / n)


@dataclass
class QuestionGroup:
    """Similar questions that fell back or got 👎."""

    id: int
    messages: list[LoggedMessage]
    representative: str
    examples: list[str]
    sessions: int
    fallbacks: int
    thumbs_down: int
    nearest_entry: Entry | None = None
    nearest_score: float = 0.0
    phrasings: list[tuple[str, int]] = field(default_factory=list)  # every distinct phrasing and how often, most asked first
    answered_by: Counter = field(default_factory=Counter)  # faq_id -> 👎 answers it gave in this group

    @property
    def size(self) -> int:
        return len(self.messages)


@dataclass
class Figures:
    """The headline figures of one period (for the comparison with the previous one)."""

    messages: int = 0
    sessions: int = 0
    questions: int = 0
    answered: int = 0
    thumbs_up: int = 0
    thumbs_down: int = 0
    unanswered: int = 0
    handoffs: int = 0

    @property
    def answered_share(self) -> float | None:
        return self.answered / self.questions if self.questions else None


@dataclass
class Clarification:
    """A clarifying question (buttons) and what the student did next."""

    message: LoggedMessage
    picked: str | None  # the faq_id of the button pressed; None when the student did something else or left
    picked_feedback: int | None = None


@dataclass
class HandoffThread:
    """A request for a human and the student's messages just before it (same conversation)."""

    message: LoggedMessage
    before: list[LoggedMessage]


@dataclass
class Report:
    """Everything the HTML page and the CSV show."""

    period: Period
    message_count: int = 0
    session_count: int = 0
    per_day: dict[date, Counter] = field(default_factory=dict)
    per_hour: list[int] = field(default_factory=lambda: [0] * 24)
    outcomes: Counter = field(default_factory=Counter)
    thumbs_up: int = 0
    thumbs_down: int = 0
    top_entries: list[EntryUsage] = field(default_factory=list)
    groups: list[QuestionGroup] = field(default_factory=list)
    figures: Figures = field(default_factory=Figures)
    previous: Figures | None = None  # the period of the same length just before
    previous_period: Period | None = None
    clarifications: list[Clarification] = field(default_factory=list)
    handoffs: list[HandoffThread] = field(default_factory=list)
    decided_groups: int = 0  # groups left out because gradbot review decided all their phrasings
    entry_titles: dict[str, str] = field(default_factory=dict)  # faq_id -> title, for every entry of the knowledge base

    @property
    def question_count(self) -> int:
        """Knowledge-base questions (faq, clarify, fallback, handoff; button presses excluded)."""
        return self.figures.questions

    @property
    def answered_share(self) -> float | None:
        """Share of the questions answered without staff and without 👎; None without questions."""
        return self.figures.answered_share

    @property
    def unanswered(self) -> list[tuple[QuestionGroup, LoggedMessage]]:
        """Every fallen-back or 👎 message with its group, by group then time."""
        return [(g, m) for g in self.groups for m in g.messages]


def is_unanswered(message: LoggedMessage) -> bool:
    """A message staff should look at: it fell back, or its answer got 👎 (commands excluded, button presses not)."""
    if message.text.strip().startswith("/") and picked_entry(message) is None:
        return False
    return message.outcome == "fallback" or message.feedback == -1


def picked_entry(message: LoggedMessage) -> str | None:
    """The faq_id of a clarifying button press (``/choose_faq{"faq_id": ...}``), else None."""
    text = message.text.strip()
    if not text.startswith(CHOOSE_PREFIX):
        return None
    try:
        value = json.loads(text[len(CHOOSE_PREFIX):] or "{}").get("faq_id")
    except (ValueError, AttributeError):
        value = None
    return value if isinstance(value, str) and value else message.faq_id


def conversations(messages: list[LoggedMessage]) -> dict[str, list[LoggedMessage]]:
    """Messages per conversation (session hash), in time order."""
    threads: dict[str, list[LoggedMessage]] = {}
    for m in sorted(messages, key=lambda m: (m.created_at, m.id)):
        threads.setdefault(m.session_hash, []).append(m)
    return threads


def _clarifications(threads: dict[str, list[LoggedMessage]]) -> list[Clarification]:
    found = []
    for thread in threads.values():
        for index, m in enumerate(thread):
            if m.outcome != "clarify":
                continue
            following = thread[index + 1] if index + 1 < len(thread) else None
            picked = picked_entry(following) if following is not None else None
            found.append(Clarification(m, picked, following.feedback if picked else None))
    return sorted(found, key=lambda c: (c.message.created_at, c.message.id))


def _handoffs(threads: dict[str, list[LoggedMessage]]) -> list[HandoffThread]:
    found = []
    for thread in threads.values():
        for index, m in enumerate(thread):
            if m.outcome != "handoff":
                continue
            before = [b for b in thread[max(0, index - HANDOFF_CONTEXT):index] if m.created_at - b.created_at <= HANDOFF_WINDOW]
            found.append(HandoffThread(m, before))
    return sorted(found, key=lambda h: (h.message.created_at, h.message.id))


def _as_question(threads: dict[str, list[LoggedMessage]], message: LoggedMessage) -> LoggedMessage:
    """A 👎 on a button press stands for the question asked before it (the press itself is not a question)."""
    if picked_entry(message) is None:
        return message
    thread = threads.get(message.session_hash, [])
    position = next((i for i, m in enumerate(thread) if m.id == message.id), 0)
    asked = next((m for m in reversed(thread[:position]) if m.outcome == "clarify"), None)
    return replace(message, text=asked.text) if asked is not None else message


def period_figures(messages: list[LoggedMessage]) -> Figures:
    """The headline figures of ``messages`` (see the module docstring for what counts)."""
    threads = conversations(messages)
    settled = {c.message.id for c in _clarifications(threads) if c.picked and c.picked_feedback != -1}
    figures = Figures(messages=len(messages), sessions=len(threads))
    for m in messages:
        figures.thumbs_up += m.feedback == 1
        figures.thumbs_down += m.feedback == -1
        figures.handoffs += m.outcome == "handoff"
        figures.unanswered += is_unanswered(m)
        if m.outcome not in QUESTION_OUTCOMES or picked_entry(m) is not None:
            continue
        figures.questions += 1
        figures.answered += (m.outcome == "faq" and m.feedback != -1) or m.id in settled
    return figures


def outcome_of(message: LoggedMessage) -> str:
    """The logged outcome, with unknown or missing values counted as ``other``."""
    return message.outcome if message.outcome in OUTCOME_LABELS else "other"


def _entry_usage(messages: list[LoggedMessage], kb: KnowledgeBase, limit: int) -> list[EntryUsage]:
    usage: dict[str, EntryUsage] = {}
    for m in messages:
        if m.outcome != "faq" or not m.faq_id:
            continue
        entry = kb.entries.get(m.faq_id)
        item = usage.setdefault(m.faq_id, EntryUsage(m.faq_id, entry.title if entry else m.faq_id,
                                                     in_knowledge_base=entry is not None))
        item.answers += 1
        item.thumbs_up += m.feedback == 1
        item.thumbs_down += m.feedback == -1
    return sorted(usage.values(), key=lambda u: (-u.badness, -u.thumbs_down, -u.answers, u.faq_id))[:limit]


def _groups(messages: list[LoggedMessage], kb: KnowledgeBase) -> list[QuestionGroup]:
    threads = conversations(messages)
    todo = [_as_question(threads, m) for m in messages if is_unanswered(m)]
    if not todo:
        return []
    background = [q for e in kb.entries.values() for q in e.questions]
    matcher = Matcher(kb) if kb.entries else None
    groups = []
    for number, cluster in enumerate(cluster_questions([m.text for m in todo], background), start=1):
        members = [todo[i] for i in cluster.members]
        examples: list[str] = []
        seen: set[str] = set()
        representative = todo[cluster.representative].text
        for text in [representative, *(m.text for m in members)]:
            key = question_key(text)
            if key not in seen and len(examples) < MAX_EXAMPLES:
                seen.add(key)
                examples.append(text)
        # a similarity of 0 is no nearest entry ("?", "👍"): `gradbot review`'s [a] must not add them to one
        nearest = [n for n in matcher.rank(representative, limit=1) if n.score > 0] if matcher else []
        asked: dict[str, list[str]] = {}
        for m in members:
            asked.setdefault(question_key(m.text), []).append(m.text)
        phrasings = sorted(((Counter(texts).most_common(1)[0][0], len(texts)) for texts in asked.values()),
                           key=lambda p: (-p[1], p[0]))
        groups.append(QuestionGroup(
            id=number, messages=members, representative=representative, examples=examples,
            sessions=len({m.session_hash for m in members}),
            fallbacks=sum(m.outcome == "fallback" for m in members),
            thumbs_down=sum(m.feedback == -1 for m in members),
            nearest_entry=nearest[0].entry if nearest else None,
            nearest_score=nearest[0].score if nearest else 0.0,
            phrasings=phrasings,
            answered_by=Counter(m.faq_id for m in members if m.feedback == -1 and m.faq_id),
        ))
    return groups


def build_report(messages: list[LoggedMessage], period: Period, kb: KnowledgeBase, top_limit: int = 15,
                 previous: list[LoggedMessage] | None = None, previous_period: Period | None = None) -> Report:
    """The report of ``messages`` (already limited to ``period``); ``previous``: the messages of the period before."""
    report = Report(period=period, message_count=len(messages))
    report.figures = period_figures(messages)
    report.entry_titles = {e.id: e.title for e in kb.entries.values()}
    if previous is not None:
        report.previous, report.previous_period = period_figures(previous), previous_period
    threads = conversations(messages)
    report.clarifications = _clarifications(threads)
    report.handoffs = _handoffs(threads)
    report.session_count = len({m.session_hash for m in messages})
    report.per_day = {day: Counter() for day in period.days}
    for m in messages:
        outcome = outcome_of(m)
        report.outcomes[outcome] += 1
        report.per_day.setdefault(m.created_at.date(), Counter())[outcome] += 1
        report.per_hour[m.created_at.hour] += 1
        report.thumbs_up += m.feedback == 1
        report.thumbs_down += m.feedback == -1
    report.top_entries = _entry_usage(messages, kb, top_limit)
    report.groups = _groups(messages, kb)
    return report
