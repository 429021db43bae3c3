"""The staff handoff in the weekly report: tickets per day, time to the first staff reply
(median and 90th percentile, in working time), the share of conversations that needed
staff, tickets opened outside office hours, and the students' ratings.

:func:`handoff_figures` computes them from the database (the caller's session);
:func:`load_handoff_figures` opens one; :func:`handoff_section` renders the HTML part of
the report. Tickets count by the Beijing date they were opened; a conversation is a
sender who wrote in the period (from the conversation log, plus ticket holders).
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from gradbot.db.models import ConversationMessage, Ticket
from gradbot.evaluation import percentile
from gradbot.handoff.schedule import working_minutes
from gradbot.office_hours import OfficeHours
from gradbot.reporting.data import Period, to_beijing


@dataclass(frozen=True)
class HandoffFigures:
    """The handoff figures of one period."""

    period: Period
    per_day: list[tuple[date, int]]
    tickets: int
    answered: int  # tickets with at least one staff reply
    first_reply_median_min: float | None  # working minutes
    first_reply_p90_min: float | None
    conversations: int
    conversations_with_ticket: int
    outside_hours: int
    rated_up: int
    rated_down: int
    closed_unrated: int

    @property
    def staff_share(self) -> float | None:
        """Share of conversations that needed staff (None without conversations)."""
        return self.conversations_with_ticket / self.conversations if self.conversations else None


def handoff_figures(session: Session, period: Period, hours: OfficeHours | None) -> HandoffFigures:
    """The figures for ``period`` (``hours`` None: wall-clock minutes)."""
    from gradbot.reporting.conversation_log import session_hash

    start, end = period.utc_bounds()
    rows = session.execute(
        select(Ticket).where(Ticket.opened_at >= start, Ticket.opened_at < end).order_by(Ticket.id)
    ).scalars().all()
    counts = {day: 0 for day in period.days}
    for ticket in rows:
        counts[to_beijing(ticket.opened_at).date()] = counts.get(to_beijing(ticket.opened_at).date(), 0) + 1
    waits = [working_minutes(hours, t.opened_at, t.first_reply_at) for t in rows if t.first_reply_at is not None]
    senders = set(session.execute(
        select(ConversationMessage.session_hash).where(ConversationMessage.created_at >= start,
                                                       ConversationMessage.created_at < end).distinct()
    ).scalars())
    ticket_senders = {session_hash(session, t.telegram_user_id) for t in rows}
    return HandoffFigures(
        period=period, per_day=sorted(counts.items()), tickets=len(rows), answered=len(waits),
        first_reply_median_min=percentile(waits, 0.5) if waits else None,
        first_reply_p90_min=percentile(waits, 0.9) if waits else None,
        conversations=len(senders | ticket_senders), conversations_with_ticket=len(ticket_senders),
        outside_hours=sum(1 for t in rows if t.outside_hours),
        rated_up=sum(1 for t in rows if t.rating == 1), rated_down=sum(1 for t in rows if t.rating == -1),
        closed_unrated=sum(1 for t in rows if t.status == "closed" and t.rating is None),
    )


def load_handoff_figures(period: Period, *, url: str | None = None, policies_dir: Path | None = None) -> HandoffFigures:
    """:func:`handoff_figures` in its own transaction, with the office hours of ``policies_dir``."""
    from gradbot.db.engine import sessions, upgrade
    from gradbot.office_hours import load_office_hours

    upgrade(url)
    with sessions(url).begin() as session:
        return handoff_figures(session, period, load_office_hours(policies_dir))


def _minutes(value: float | None) -> str:
    if value is None:
        return "—"
    return f"{value:.0f} 分钟" if value < 120 else f"{value / 60:.1f} 小时"


def handoff_section(figures: HandoffFigures) -> str:
    """The report's handoff section (HTML)."""
    e = html.escape
    if figures.tickets == 0:
        return "<h2>转人工（老师处理的工单）</h2><p class=\"muted\">该时间段内没有学生转人工。</p>"
    share = "—" if figures.staff_share is None else f"{figures.staff_share:.1%}"
    rows = [
        ("工单数 Tickets", f"{figures.tickets}（老师已回复 {figures.answered}）"),
        ("需要老师的对话占比 Conversations needing staff", f"{share}（{figures.conversations_with_ticket} / {figures.conversations}）"),
        ("首次回复时间 中位数 / 90% 分位（工作时间）", f"{_minutes(figures.first_reply_median_min)} / {_minutes(figures.first_reply_p90_min)}"),
        ("非工作时间提交 Opened outside office hours", str(figures.outside_hours)),
        ("学生评价 Ratings", f"👍 {figures.rated_up} · 👎 {figures.rated_down} · 未评价 {figures.closed_unrated}"),
    ]
    table = "".join(f"<tr><th>{e(k)}</th><td>{e(v)}</td></tr>" for k, v in rows)
    days = "".join(f"<tr><td>{day:%m-%d}</td><td>{count}</td></tr>" for day, count in figures.per_day)
    return ("<h2>转人工（老师处理的工单）</h2>"
            f"<table>{table}</table>"
            "<h3>每日工单数</h3>"
            f"<table><tr><th>日期</th><th>工单</th></tr>{days}</table>")
