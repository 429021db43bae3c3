"""Tickets in the database: one open ticket per user (enforced by the database, on SQLite
and PostgreSQL), places, links, claim, close, rating, digest and reminder queries."""

from __future__ import annotations

from datetime import datetime

import pytest
from sqlalchemy.exc import IntegrityError

from gradbot.db.engine import sessions, upgrade
from gradbot.db.models import Ticket
from gradbot.handoff import tickets

T0 = datetime(2026, 12, 1, 2, 0)


@pytest.fixture
def url(db_url):
    upgrade(db_url)
    return db_url


def run(url, work, *args, **kwargs):
    with sessions(url).begin() as session:
        return work(session, *args, **kwargs)


def test_one_open_ticket_per_user_and_a_new_one_after_closing(url):
    first, created = run(url, tickets.open_ticket, "101", now=T0, question="三方协议丢了", subject="签约与派遣")
    again, created_again = run(url, tickets.open_ticket, "101", now=T0)
    assert created and not created_again and again.id == first.id and again.question == "三方协议丢了"
    other, _ = run(url, tickets.open_ticket, "102", now=T0)
    assert other.id != first.id and other.label == f"#T{other.id}"
    assert run(url, tickets.close, first.id, now=T0, reason="staff", by="王老师").status == "closed"
    assert run(url, tickets.close, first.id, now=T0, reason="staff") is None  # not open any more
    later, created_later = run(url, tickets.open_ticket, "101", now=T0)
    assert created_later and later.id not in (first.id, other.id)


def test_the_database_refuses_a_second_open_ticket(url):
    run(url, tickets.open_ticket, "101", now=T0)
    with pytest.raises(IntegrityError):
        with sessions(url).begin() as session:
            session.add(Ticket(telegram_user_id="101", status="open", subject="", question="", english=False,
                               opened_at=T0, outside_hours=False))
    with sessions(url).begin() as session:  # closed and cancelled ones may be many
        for status in ("closed", "closed", "cancelled"):
            session.add(Ticket(telegram_user_id="101", status=status, subject="", question="", english=False,
                               opened_at=T0, outside_hours=False))


def test_a_concurrent_insert_returns_the_winners_ticket(url):
    """The race: our check saw no ticket, another process inserted one before our INSERT."""
    with sessions(url).begin() as winner:
        winner_ticket, _ = tickets.open_ticket(winner, "101", now=T0)
    original = tickets.open_ticket_for
    calls = []

    def stale_then_real(session, user):
        calls.append(user)
        return None if len(calls) == 1 else original(session, user)

    tickets.open_ticket_for = stale_then_real
    try:
        ticket, created = run(url, tickets.open_ticket, "101", now=T0)
    finally:
        tickets.open_ticket_for = original
    assert (ticket.id, created) == (winner_ticket.id, False)


def test_places_links_and_lookups(url):
    ticket, _ = run(url, tickets.open_ticket, "101", now=T0)
    assert run(url, tickets.set_place, ticket.id, "-100", 77, None)
    assert not run(url, tickets.set_place, ticket.id, "-100", 88, None)  # someone placed it already
    run(url, tickets.set_card, ticket.id, "-100", 1001, "card")
    run(url, tickets.add_message, ticket.id, "student", staff_chat_id="-100", staff_message_id=1002, text="问题")
    run(url, tickets.add_message, ticket.id, "staff", staff_chat_id="-100", staff_message_id=5, text="回答")
    assert run(url, tickets.by_thread, "-100", 77).id == ticket.id
    assert run(url, tickets.by_staff_message, "-100", 1001).id == ticket.id
    assert run(url, tickets.by_staff_message, "-100", 999) is None
    assert run(url, tickets.message_kind, "-100", 5) == "staff"
    assert [m.text for m in run(url, tickets.messages, ticket.id, ["student", "staff"])] == ["问题", "回答"]
    assert not run(url, tickets.discard, ticket.id)  # it has a card: staff have seen it


def test_claim_first_answer_and_rating(url):
    ticket, _ = run(url, tickets.open_ticket, "101", now=T0)
    assert run(url, tickets.claim, ticket.id, "王老师", T0) == "王老师"
    assert run(url, tickets.claim, ticket.id, "李老师", T0) == "王老师"
    run(url, tickets.record_staff_answer, ticket.id, "李老师", T0)
    assert run(url, tickets.get, ticket.id).first_reply_at == T0
    assert not run(url, tickets.rate, ticket.id, "101", 1, T0)  # still open
    run(url, tickets.close, ticket.id, now=T0, reason="staff", by="王老师")
    assert not run(url, tickets.rate, ticket.id, "999", 1, T0)  # not the student's ticket
    assert not run(url, tickets.rate, ticket.id, "101", 5, T0)
    assert run(url, tickets.rate, ticket.id, "101", -1, T0)
    assert run(url, tickets.get, ticket.id).rating == -1
    assert run(url, tickets.claim, ticket.id, "李老师", T0) is None


def test_cancel_digest_and_reminder_candidates(url):
    night, _ = run(url, tickets.open_ticket, "101", now=T0, outside_hours=True)
    day, _ = run(url, tickets.open_ticket, "102", now=T0)
    assert run(url, tickets.close, night.id, now=T0, reason="student").status == "cancelled"
    assert [t.id for t in run(url, tickets.undigested_outside_hours)] == [night.id]
    run(url, tickets.mark, [night.id], "digested_at", T0)
    assert run(url, tickets.undigested_outside_hours) == []
    assert [t.id for t in run(url, tickets.unclaimed_unreminded)] == [day.id]
    run(url, tickets.mark, [day.id], "reminded_at", T0)
    assert run(url, tickets.unclaimed_unreminded) == []
    with pytest.raises(ValueError):
        run(url, tickets.mark, [day.id], "status", T0)
