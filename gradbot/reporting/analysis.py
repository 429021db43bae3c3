"""The figures of a staff report, computed from logged messages and the knowledge base.

"Answered without staff" counts knowledge-base questions whose outcome was ``faq``
among those that were ``faq``, ``clarify``, ``fallback`` or ``handoff``. The questions
"to add next" are the messages that fell back (``fallback``) or whose answer got 👎,
grouped by similarity (:mod:`.grouping`); each group names the closest existing entry
so staff can tell a missing phrasing from a missing entry.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date

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


@dataclass
class EntryUsage:
    """How often one knowledge-base entry was given as the answer, and its feedback."""

    faq_id: str
    title: str
    answers: int = 0
    thumbs_up: int = 0
    thumbs_down: int = 0
    in_knowledge_base: bool = True


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

    @property
    def size(self) -> int:
        return len(self.messages)


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

    @property
    def question_count(self) -> int:
        """Messages with a knowledge-base outcome (faq, clarify, fallback, handoff)."""
        return sum(self.outcomes[o] for o in QUESTION_OUTCOMES)

    @property
    def answered_share(self) -> float | None:
        """Share of knowledge-base questions answered directly (``faq``); None without questions."""
        return self.outcomes["faq"] / self.question_count if self.question_count else None

    @property
    def unanswered(self) -> list[tuple[QuestionGroup, LoggedMessage]]:
        """Every fallen-back or 👎 message with its group, by group then time."""
        return [(g, m) for g in self.groups for m in g.messages]


def is_unanswered(message: LoggedMessage) -> bool:
    """A message staff should look at: it fell back, or its answer got 👎 (commands excluded)."""
    if message.text.strip().startswith("/"):
        return False
    return message.outcome == "fallback" or message.feedback == -1


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
    return sorted(usage.values(), key=lambda u: (-u.answers, u.faq_id))[:limit]


def _groups(messages: list[LoggedMessage], kb: KnowledgeBase) -> list[QuestionGroup]:
    todo = [m for m in messages if is_unanswered(m)]
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
        nearest = matcher.rank(representative, limit=1) if matcher else []
        groups.append(QuestionGroup(
            id=number, messages=members, representative=representative, examples=examples,
            sessions=len({m.session_hash for m in members}),
            fallbacks=sum(m.outcome == "fallback" for m in members),
            thumbs_down=sum(m.feedback == -1 for m in members),
            nearest_entry=nearest[0].entry if nearest else None,
            nearest_score=nearest[0].score if nearest else 0.0,
        ))
    return groups


def build_report(messages: list[LoggedMessage], period: Period, kb: KnowledgeBase, top_limit: int = 15) -> Report:
    """The report of ``messages`` (already limited to ``period``)."""
    report = Report(period=period, message_count=len(messages))
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
