"""The handoff figures of the weekly report and their HTML section."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import update

from gradbot.db.engine import sessions, upgrade
from gradbot.db.models import ConversationMessage, Ticket
from gradbot.office_hours import load_office_hours
from gradbot.reporting.conversation_log import log_message
from gradbot.reporting.data import Period
from gradbot.reporting.handoff import HandoffFigures, handoff_figures, handoff_section
from gradbot.settings import PROJECT_ROOT

HOURS = load_office_hours(PROJECT_ROOT / "policies")
PERIOD = Period(date(2026, 11, 23), date(2026, 11, 29))


def ticket(user, opened, first_reply=None, **fields):
    return Ticket(telegram_user_id=user, status=fields.pop("status", "closed"), subject="签约与派遣", question="",
                  english=False, opened_at=opened, outside_hours=fields.pop("outside_hours", False),
                  first_reply_at=first_reply, **fields)


def test_figures_in_working_time(tmp_path):
    url = f"sqlite:///{tmp_path / 'db.sqlite'}"
    upgrade(url)
    with sessions(url).begin() as session:
        for user in ("1", "2", "3", "4"):
            log_message(session, "telegram", user, "问题", outcome="faq")
        session.execute(update(ConversationMessage).values(created_at=datetime(2026, 11, 24, 2, 0)))
        # Tue 10:00 -> 10:20 (20 working minutes); Fri 17:20 -> Mon 08:30 (10 + 30 = 40); Sat night, unanswered
        session.add(ticket("1", datetime(2026, 11, 24, 2, 0), datetime(2026, 11, 24, 2, 20), rating=1))
        session.add(ticket("2", datetime(2026, 11, 27, 9, 20), datetime(2026, 11, 30, 0, 30), rating=-1))
        session.add(ticket("5", datetime(2026, 11, 28, 14, 0), status="open", outside_hours=True))
        session.add(ticket("1", datetime(2026, 12, 5, 2, 0)))  # outside the period
        session.flush()
        figures = handoff_figures(session, PERIOD, HOURS)
    assert figures.tickets == 3 and figures.answered == 2
    assert (figures.first_reply_median_min, figures.first_reply_p90_min) == (20.0, 40.0)  # nearest rank
    assert dict(figures.per_day) == {date(2026, 11, d): n for d, n in
                                     ((23, 0), (24, 1), (25, 0), (26, 0), (27, 1), (28, 1), (29, 0))}
    assert (figures.conversations, figures.conversations_with_ticket) == (5, 3)
    assert figures.outside_hours == 1
    assert (figures.rated_up, figures.rated_down, figures.closed_unrated) == (1, 1, 0)
    html = handoff_section(figures)
    assert "转人工" in html and "60.0%" in html and "👍 1" in html and "40 分钟" in html


def test_section_without_tickets():
    figures = HandoffFigures(PERIOD, [], 0, 0, None, None, 10, 0, 0, 0, 0, 0)
    assert "没有学生转人工" in handoff_section(figures)
    assert figures.staff_share == 0.0
