"""Tickets: a student's request for a person, and its messages in the staff group.

Every function takes the caller's ``session`` (one unit of work, see
:mod:`gradbot.db.engine`) and, where time matters, ``now`` (naive UTC, so tests inject
the clock). The database keeps the one rule that matters most: at most one open ticket
per Telegram user (a partial unique index); :func:`open_ticket` relies on it, so two
requests at the same moment get the same ticket.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Iterable

from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from gradbot.db.models import Ticket, TicketMessage

QUESTION_LENGTH = 2000
MESSAGE_TEXT_LENGTH = 4000


@dataclass(frozen=True)
class TicketView:
    """A ticket's fields as plain values (safe to use after the session has closed)."""

    id: int
    telegram_user_id: str
    student_id: str | None
    status: str
    subject: str
    kb_topic: str | None
    question: str
    english: bool
    opened_at: datetime
    outside_hours: bool
    staff_chat_id: str | None
    thread_id: int | None
    card_message_id: int | None
    claimed_by: str | None
    first_reply_at: datetime | None
    closed_at: datetime | None
    rating: int | None

    @property
    def label(self) -> str:
        """``#T12``: how staff and student refer to the ticket."""
        return f"#T{self.id}"

    @property
    def is_open(self) -> bool:
        return self.status == "open"


def view(ticket: Ticket) -> TicketView:
    """The plain view of a ticket row."""
    return TicketView(**{name: getattr(ticket, name) for name in TicketView.__dataclass_fields__})


def open_ticket_for(session: Session, telegram_user_id: str) -> TicketView | None:
    """The user's open ticket, if any."""
    row = session.execute(
        select(Ticket).where(Ticket.telegram_user_id == str(telegram_user_id), Ticket.status == "open")
    ).scalar_one_or_none()
    return view(row) if row else None


def get(session: Session, ticket_id: int) -> TicketView | None:
    row = session.get(Ticket, ticket_id)
    return view(row) if row else None


def open_ticket(session: Session, telegram_user_id: str, *, now: datetime, question: str = "", subject: str = "",
                kb_topic: str | None = None, student_id: str | None = None, english: bool = False,
                outside_hours: bool = False) -> tuple[TicketView, bool]:
    """The user's open ticket, opening one if there is none; ``(ticket, newly_opened)``.

    A concurrent opener that wins the race makes our INSERT fail on the unique index; we
    then return its ticket.
    """
    existing = open_ticket_for(session, telegram_user_id)
    if existing is not None:
        return existing, False
    row = Ticket(
        telegram_user_id=str(telegram_user_id), student_id=student_id, status="open", subject=subject[:64],
        kb_topic=kb_topic, question=question[:QUESTION_LENGTH], english=english, opened_at=now,
        outside_hours=outside_hours,
    )
    try:
        with session.begin_nested():
            session.add(row)
            session.flush()
    except IntegrityError:
        existing = open_ticket_for(session, telegram_user_id)
        if existing is None:
            raise
        return existing, False
    return view(row), True


def discard(session: Session, ticket_id: int) -> bool:
    """Remove a ticket that never reached the staff group (no card); False when it did."""
    row = session.get(Ticket, ticket_id)
    if row is None or row.card_message_id is not None:
        return False
    session.execute(delete(TicketMessage).where(TicketMessage.ticket_id == ticket_id))
    session.delete(row)
    return True


def set_place(session: Session, ticket_id: int, staff_chat_id: str, thread_id: int | None,
              expected_thread_id: int | None) -> bool:
    """Record the ticket's topic, only if it still has ``expected_thread_id`` (no lost update)."""
    condition = Ticket.thread_id.is_(None) if expected_thread_id is None else Ticket.thread_id == expected_thread_id
    result = session.execute(
        update(Ticket).where(Ticket.id == ticket_id, condition)
        .values(staff_chat_id=str(staff_chat_id), thread_id=thread_id, card_message_id=None)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1


def set_card(session: Session, ticket_id: int, staff_chat_id: str, message_id: int, text: str) -> None:
    """Record the card message (it also links Replies to the ticket)."""
    session.execute(update(Ticket).where(Ticket.id == ticket_id).values(card_message_id=message_id)
                    .execution_options(synchronize_session=False))
    add_message(session, ticket_id, "card", staff_chat_id=staff_chat_id, staff_message_id=message_id, text=text)


def add_message(session: Session, ticket_id: int, kind: str, *, now: datetime | None = None,
                staff_chat_id: str | int | None = None, staff_message_id: int | None = None,
                student_message_id: int | None = None, text: str = "") -> None:
    """Link one message in the staff group (and maybe the student's chat) to the ticket."""
    fields = dict(ticket_id=ticket_id, kind=kind, staff_chat_id=None if staff_chat_id is None else str(staff_chat_id),
                  staff_message_id=staff_message_id, student_message_id=student_message_id,
                  text=(text or "")[:MESSAGE_TEXT_LENGTH])
    if now is not None:
        fields["created_at"] = now
    session.add(TicketMessage(**fields))
    session.flush()


def by_thread(session: Session, staff_chat_id: str | int, thread_id: int) -> TicketView | None:
    """The newest ticket whose topic this is."""
    row = session.execute(
        select(Ticket).where(Ticket.staff_chat_id == str(staff_chat_id), Ticket.thread_id == thread_id)
        .order_by(Ticket.id.desc()).limit(1)
    ).scalar_one_or_none()
    return view(row) if row else None


def by_staff_message(session: Session, staff_chat_id: str | int, message_id: int) -> TicketView | None:
    """The ticket a message in the staff group belongs to (a Reply's target)."""
    ticket_id = session.execute(
        select(TicketMessage.ticket_id).where(TicketMessage.staff_chat_id == str(staff_chat_id),
                                              TicketMessage.staff_message_id == message_id)
        .order_by(TicketMessage.id.desc()).limit(1)
    ).scalar()
    return get(session, ticket_id) if ticket_id is not None else None


def message_kind(session: Session, staff_chat_id: str | int, message_id: int) -> str | None:
    """What a message in the staff group was for a ticket (``staff``, ``student`` …), or None."""
    return session.execute(
        select(TicketMessage.kind).where(TicketMessage.staff_chat_id == str(staff_chat_id),
                                         TicketMessage.staff_message_id == message_id).limit(1)
    ).scalar()


def claim(session: Session, ticket_id: int, staff_name: str, now: datetime) -> str | None:
    """Mark the open ticket as handled by ``staff_name``; returns who holds it now (None if not open)."""
    row = session.get(Ticket, ticket_id)
    if row is None or row.status != "open":
        return None
    if not row.claimed_by:
        row.claimed_by, row.claimed_at = staff_name[:100], now
    return row.claimed_by


def record_staff_answer(session: Session, ticket_id: int, staff_name: str, now: datetime) -> None:
    """A staff answer went to the outbox: the first one sets ``first_reply_at`` and claims an unclaimed ticket."""
    row = session.get(Ticket, ticket_id)
    if row is None:
        return
    if row.first_reply_at is None:
        row.first_reply_at = now
    if not row.claimed_by:
        row.claimed_by, row.claimed_at = staff_name[:100], now


def close(session: Session, ticket_id: int, *, now: datetime, reason: str, by: str | None = None) -> TicketView | None:
    """Close an open ticket (``reason``: ``staff``, ``topic_closed``; ``student`` cancels); None if it was not open."""
    row = session.get(Ticket, ticket_id)
    if row is None or row.status != "open":
        return None
    row.status = "cancelled" if reason == "student" else "closed"
    row.closed_at, row.close_reason, row.closed_by = now, reason, (by or None) and by[:100]
    session.flush()
    return view(row)


def rate(session: Session, ticket_id: int, telegram_user_id: str, rating: int, now: datetime) -> bool:
    """The student's 👍 (1) / 👎 (-1) on a ticket of theirs that staff closed; False when not allowed."""
    if rating not in (1, -1):
        return False
    row = session.get(Ticket, ticket_id)
    if row is None or row.telegram_user_id != str(telegram_user_id) or row.status != "closed":
        return False
    row.rating, row.rated_at = rating, now
    return True


def messages(session: Session, ticket_id: int, kinds: Iterable[str]) -> list[TicketMessage]:
    """The ticket's linked messages of these kinds, oldest first."""
    return list(session.execute(
        select(TicketMessage).where(TicketMessage.ticket_id == ticket_id, TicketMessage.kind.in_(list(kinds)))
        .order_by(TicketMessage.id)
    ).scalars())


def open_tickets(session: Session) -> list[TicketView]:
    return [view(t) for t in session.execute(select(Ticket).where(Ticket.status == "open").order_by(Ticket.id)).scalars()]


def undigested_outside_hours(session: Session) -> list[TicketView]:
    """Tickets opened outside office hours that no morning digest has listed yet."""
    rows = session.execute(
        select(Ticket).where(Ticket.outside_hours.is_(True), Ticket.digested_at.is_(None)).order_by(Ticket.id)
    ).scalars()
    return [view(t) for t in rows]


def mark(session: Session, ticket_ids: Iterable[int], column: str, now: datetime) -> None:
    """Set ``reminded_at`` or ``digested_at`` on these tickets."""
    if column not in ("reminded_at", "digested_at"):
        raise ValueError(column)
    ids = list(ticket_ids)
    if ids:
        session.execute(update(Ticket).where(Ticket.id.in_(ids)).values({column: now})
                        .execution_options(synchronize_session=False))


def unclaimed_unreminded(session: Session) -> list[TicketView]:
    """Open tickets nobody has claimed or answered and that have not been reminded about."""
    rows = session.execute(
        select(Ticket).where(Ticket.status == "open", Ticket.claimed_by.is_(None), Ticket.first_reply_at.is_(None),
                             Ticket.reminded_at.is_(None)).order_by(Ticket.id)
    ).scalars()
    return [view(t) for t in rows]
