"""Office hours for tickets: open now, when staff are back, the morning digest and the
reminder of unclaimed tickets, all measured in working time (:mod:`gradbot.office_hours`).

Database times are naive UTC; every function here takes aware instants or converts them.
Without parseable office hours (``OfficeHours`` is None) the office counts as always
open and working time is wall-clock time.
"""

from __future__ import annotations

from datetime import datetime, timezone

from gradbot.handoff import texts
from gradbot.handoff.tickets import TicketView
from gradbot.office_hours import BEIJING, OfficeHours

REMIND_AFTER_WORKING_MINUTES = 30


def aware(moment: datetime) -> datetime:
    """A naive-UTC database time as an aware instant (aware ones pass unchanged)."""
    return moment.replace(tzinfo=timezone.utc) if moment.tzinfo is None else moment


def naive_utc(moment: datetime) -> datetime:
    """An aware instant as the database's naive UTC."""
    return aware(moment).astimezone(timezone.utc).replace(tzinfo=None)


def is_open(hours: OfficeHours | None, now: datetime) -> bool:
    return True if hours is None else hours.is_open(aware(now))


def back_text(hours: OfficeHours | None, now: datetime, english: bool) -> str:
    """When staff are back ("下一个工作日：12月1日（周一）8:00（北京时间）"); '' when open."""
    return "" if hours is None else hours.next_opening_text(aware(now), english)


def working_minutes(hours: OfficeHours | None, start: datetime, end: datetime) -> float:
    """Office minutes between two instants (wall-clock minutes without office hours)."""
    start, end = aware(start), aware(end)
    if hours is None:
        return max(0.0, (end - start).total_seconds() / 60)
    return hours.working_minutes(start, end)


def reminders_due(hours: OfficeHours | None, candidates: list[TicketView], now: datetime,
                  after_minutes: float = REMIND_AFTER_WORKING_MINUTES) -> list[tuple[TicketView, int]]:
    """Tickets (unclaimed, unanswered, not yet reminded) that waited ``after_minutes`` of working time."""
    due = []
    for ticket in candidates:
        waited = working_minutes(hours, ticket.opened_at, now)
        if waited >= after_minutes:
            due.append((ticket, int(waited)))
    return due


def digest_text(tickets: list[TicketView]) -> str:
    """The morning digest: tickets that came in outside office hours."""
    lines = [texts.DIGEST_HEAD.format(count=len(tickets))]
    for ticket in tickets:
        opened = aware(ticket.opened_at).astimezone(BEIJING)
        state = "" if ticket.is_open else ("— 已关闭" if ticket.status == "closed" else "— 学生已撤回")
        if ticket.is_open and ticket.claimed_by:
            state = f"— {ticket.claimed_by} 已认领"
        lines.append(texts.DIGEST_LINE.format(label=ticket.label, subject=ticket.subject,
                                              opened=f"{opened:%m-%d %H:%M}", state=state).rstrip())
    return "\n".join(lines)
