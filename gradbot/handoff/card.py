"""What staff see about a ticket: the topic name and the card that opens the topic.

The card holds the ticket number, the question, the last turns with the assistant (from
the conversation log) and, for a bound student, student ID, name, level, college and the
statuses of their cases. The student's Telegram account, username and phone are never
in it, and numbers that look like a phone or ID-card number in what the student wrote are
masked (:func:`mask_personal_numbers`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from gradbot.db.models import ConversationMessage, Student
from gradbot.handoff.questions import is_small_talk, question_in_request
from gradbot.handoff.tickets import TicketView

TOPIC_NAME_LIMIT = 128
TURNS_SHOWN = 6
TURNS_WITHIN = timedelta(hours=24)
EARLIER_SHOWN = 20  # student messages repeated on a recreated topic's card
EARLIER_CHARS = 150
QUESTION_SHOWN = 1000
CARD_LIMIT = 4000  # Telegram's longest message is 4,096 UTF-16 units: room for emoji
BEIJING_OFFSET = timedelta(hours=8)
GENERAL_SUBJECT = "综合咨询"
LEVEL_NAMES = {"undergraduate": "本科", "master": "硕士", "doctor": "博士"}
OUTCOME_NAMES = {
    "faq": "回答了", "clarify": "反问确认", "fallback": "未能回答", "handoff": "转人工",
    "case_status": "查询进度", "bind": "绑定学号", "error": "系统繁忙",
}

_PHONE = re.compile(r"(?<![\d])(?:\+?86[ -]?)?(1[3-9]\d)[ -]?\d{4}[ -]?(\d{4})(?![\d])")
_ID_CARD = re.compile(r"(?<![\dA-Za-z])(\d{4})\d{10,13}(\d{2}[\dXx]|\d{3})(?![\dA-Za-z])")


def mask_personal_numbers(text: str) -> str:
    """Mask phone numbers (``138****5678``) and ID-card numbers (``6101***********12X``)."""
    text = _ID_CARD.sub(lambda m: m.group(1) + "*" * (len(m.group(0)) - 7) + m.group(2), text)
    return _PHONE.sub(lambda m: f"{m.group(1)}****{m.group(2)}", text)


@dataclass(frozen=True)
class Turn:
    """One logged student message and what the assistant did with it."""

    text: str
    outcome: str | None
    faq_id: str | None
    intent: str | None
    at: datetime


@dataclass(frozen=True)
class StudentFacts:
    """What staff are entitled to know about a bound student."""

    student_id: str
    name: str
    level: str | None
    college: str | None
    cases: list[tuple[str, str, str]] = field(default_factory=list)  # (type name, status, updated)


def recent_turns(session: Session, telegram_user_id: str, limit: int = TURNS_SHOWN) -> list[Turn]:
    """The user's last ``limit`` logged messages (within a day of the newest), oldest first.

    While a ticket is open the student's messages are not logged (they go to staff), so
    for an open ticket these are the turns that led to it.
    """
    from gradbot.reporting.conversation_log import session_hash

    rows = session.execute(
        select(ConversationMessage).where(
            ConversationMessage.session_hash == session_hash(session, str(telegram_user_id)),
        ).order_by(ConversationMessage.id.desc()).limit(limit)
    ).scalars().all()
    if rows:
        rows = [r for r in rows if r.created_at >= rows[0].created_at - TURNS_WITHIN]
    return [Turn(r.text, r.outcome, r.faq_id, r.intent, r.created_at) for r in reversed(rows)]


def question_from(turns: list[Turn]) -> str:
    """The student's latest real question: not a command, not small talk, not a bare request for a
    person (a request that says what it is about, "我想找老师，我的三方协议盖章被退回了", is the question)."""
    for turn in reversed(turns):
        if not turn.text or turn.text.startswith("/") or turn.outcome in ("bind", "case_status"):
            continue
        if turn.outcome == "handoff":
            asked = question_in_request(turn.text)
            if asked:
                return asked
        elif not is_small_talk(turn.text):
            return turn.text
    return ""


def kb_topic_of(turns: list[Turn]) -> str | None:
    """The knowledge-base topic the student last asked about (from an answered entry or an ``ask_<topic>`` intent)."""
    for turn in reversed(turns):
        if turn.faq_id and "." in turn.faq_id:
            return turn.faq_id.split(".", 1)[0]
        if turn.intent and turn.intent.startswith("ask_") and turn.intent != "ask_office_hours":
            return turn.intent[len("ask_"):]
    return None


def subject_for(kb_topic: str | None, policies_dir: Path | None) -> str:
    """The topic's name from the knowledge base (e.g. ``签约与派遣``), or :data:`GENERAL_SUBJECT`."""
    if kb_topic and policies_dir is not None:
        try:
            from gradbot.knowledge.loader import load_directory

            kb, _ = load_directory(policies_dir)
            return kb.topics.get(kb_topic) or GENERAL_SUBJECT
        except Exception:  # a broken knowledge base must not stop a ticket
            return GENERAL_SUBJECT
    return GENERAL_SUBJECT


def student_facts(session: Session, student_id: str | None) -> StudentFacts | None:
    """The bound student's record and case statuses (None when not bound or unknown)."""
    if not student_id:
        return None
    student = session.get(Student, student_id)
    if student is None:
        return None
    from gradbot.cases.status import cases_for, format_time

    try:
        cases = [(c.type_name, c.status, format_time(c.updated_at)) for c in cases_for(session, student_id)]
    except Exception:  # a broken case catalog: the card still opens, without cases
        cases = []
    return StudentFacts(student.student_id, student.name, student.level, student.college, cases)


def topic_name(ticket: TicketView, state: str = "") -> str:
    """``#T12 签约与派遣`` (``state`` e.g. ``✅`` goes in front); never the student's name."""
    name = f"{state + ' ' if state else ''}{ticket.label} {ticket.subject or GENERAL_SUBJECT}"
    return name[:TOPIC_NAME_LIMIT]


def earlier_section(messages: list[tuple[datetime, str]], shown: int = EARLIER_SHOWN) -> list[str]:
    """The ticket's student messages so far for the card: the newest ``shown`` of them, one short
    masked line each (``• 12-01 10:05 text``, Beijing time), and how many were left out."""
    if not messages:
        return []
    lines = ["", f"本工单中学生已发的消息 Student's messages in this ticket so far（{len(messages)}）："]
    left_out = len(messages) - min(shown, len(messages))
    if left_out:
        lines.append(f"…（另有 {left_out} 条更早的消息 / {left_out} earlier）")
    for at, text in messages[left_out:]:
        short = " ".join(mask_personal_numbers(text or "").split())
        short = short if len(short) <= EARLIER_CHARS else short[:EARLIER_CHARS - 1] + "…"
        lines.append(f"• {(at + BEIJING_OFFSET):%m-%d %H:%M} {short}")
    return lines


def card_text(ticket: TicketView, turns: list[Turn], facts: StudentFacts | None, *, opened_note: str = "",
              with_topics: bool = True, earlier: list[tuple[datetime, str]] | None = None) -> str:
    """The card that opens a ticket's topic (plain text, within Telegram's limit).

    ``earlier``: the student's messages in this ticket so far (``(created_at UTC, text)``), repeated
    when the topic is recreated after it was deleted.
    """
    head = [f"🆕 工单 Ticket {ticket.label} · {ticket.subject or GENERAL_SUBJECT}"]
    if opened_note:
        head.append(opened_note)
    question = mask_personal_numbers(ticket.question) if ticket.question else "（学生尚未写下问题，请等待或直接询问 / no question yet）"
    head += ["", f"问题 Question：{question[:QUESTION_SHOWN]}"]
    tail = _card_tail(turns, facts, with_topics)
    earlier = earlier or []
    shown = min(len(earlier), EARLIER_SHOWN)
    while True:  # fewer repeated messages until the card fits in one Telegram message
        text = "\n".join(head + earlier_section(earlier, shown) + tail)
        if len(text) <= CARD_LIMIT or shown == 0:
            return text[:CARD_LIMIT]
        shown -= 1


def _card_tail(turns: list[Turn], facts: StudentFacts | None, with_topics: bool) -> list[str]:
    """The card after the question: recent turns, the student's facts, how to answer."""
    lines: list[str] = []
    shown = [t for t in turns if t.text]
    if shown:
        lines += ["", "最近与助手的对话 Recent turns with the assistant："]
        for turn in shown:
            did = OUTCOME_NAMES.get(turn.outcome or "", turn.outcome or "")
            if turn.outcome == "faq" and turn.faq_id:
                did = f"{did} {turn.faq_id}"
            lines.append(f"• 学生：{mask_personal_numbers(turn.text)[:300]}" + (f"  → 助手：{did}" if did else ""))
    lines.append("")
    if facts is None:
        lines.append("学生未绑定学号（身份未知）/ Student ID not bound")
    else:
        level = LEVEL_NAMES.get(facts.level or "", facts.level or "未知")
        lines.append(f"学号 ID：{facts.student_id}  姓名 Name：{facts.name or '—'}  层次 Level：{level}  "
                     f"学院 College：{facts.college or '—'}")
        if facts.cases:
            lines.append("办理进度 Cases：")
            lines += [f"• {name}：{status}（{updated}）" for name, status, updated in facts.cases]
        else:
            lines.append("办理进度 Cases：无记录 / none")
    lines.append("")
    how = "在本话题直接回复即转给学生" if with_topics else "用“回复 Reply”回复本工单的消息即转给学生"
    lines.append(f"{how}；以 // 开头的消息仅内部可见。/claim 认领 · /close 关闭 · /faq 存为知识库草稿\n"
                 "Reply here to answer the student; messages starting with // stay internal.")
    return lines
