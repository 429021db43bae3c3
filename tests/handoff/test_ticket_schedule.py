"""Office hours for tickets (gradbot.handoff.schedule): open or not, when staff are back,
reminders after 30 working minutes, and the morning digest, with fixed instants."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timezone

from gradbot.handoff import schedule
from gradbot.handoff.tickets import TicketView
from gradbot.office_hours import BEIJING, load_office_hours
from gradbot.settings import PROJECT_ROOT

HOURS = load_office_hours(PROJECT_ROOT / "policies")
FRIDAY_17_20 = datetime(2026, 11, 27, 9, 20, tzinfo=timezone.utc)  # Beijing 17:20
SATURDAY_NIGHT = datetime(2026, 11, 28, 14, 0, tzinfo=timezone.utc)  # Beijing 22:00
TICKET = TicketView(id=7, telegram_user_id="101", student_id=None, status="open", subject="签约与派遣", kb_topic=None,
                    question="", english=False, opened_at=datetime(2026, 11, 27, 9, 20), outside_hours=False,
                    staff_chat_id=None, thread_id=None, card_message_id=None, claimed_by=None, first_reply_at=None,
                    closed_at=None, rating=None)


def test_open_and_back_text():
    assert HOURS is not None
    assert schedule.is_open(HOURS, FRIDAY_17_20)
    assert not schedule.is_open(HOURS, SATURDAY_NIGHT)
    assert schedule.back_text(HOURS, FRIDAY_17_20, False) == ""
    assert schedule.back_text(HOURS, SATURDAY_NIGHT, False) == "下一个工作日：11月30日（周一）8:00（北京时间）"
    assert schedule.is_open(None, SATURDAY_NIGHT) and schedule.back_text(None, SATURDAY_NIGHT, False) == ""


def test_reminder_counts_working_minutes_only():
    # opened Friday 17:20: 10 working minutes that day, then the weekend, then Monday from 08:00
    monday_08_15 = datetime(2026, 11, 30, 0, 15, tzinfo=timezone.utc)
    monday_08_25 = datetime(2026, 11, 30, 0, 25, tzinfo=timezone.utc)
    assert schedule.working_minutes(HOURS, TICKET.opened_at, monday_08_15) == 25
    assert schedule.reminders_due(HOURS, [TICKET], monday_08_15) == []
    assert schedule.reminders_due(HOURS, [TICKET], monday_08_25) == [(TICKET, 35)]
    assert schedule.reminders_due(None, [TICKET], datetime(2026, 11, 27, 9, 50, tzinfo=timezone.utc)) == [(TICKET, 30)]


def test_digest_lists_tickets_in_beijing_time_with_their_state():
    closed = replace(TICKET, id=8, status="closed")
    claimed = replace(TICKET, id=9, claimed_by="王老师", opened_at=datetime(2026, 11, 28, 14, 0))
    text = schedule.digest_text([TICKET, closed, claimed])
    assert text.splitlines()[0].startswith("☀️ 非工作时间收到 3 个工单")
    assert "#T7 签约与派遣（11-27 17:20）" in text
    assert "#T8" in text and "已关闭" in text
    assert "#T9" in text and "11-28 22:00" in text and "王老师 已认领" in text


def test_naive_and_aware_times():
    aware = schedule.aware(datetime(2026, 1, 1, 0, 0))
    assert aware.tzinfo is timezone.utc
    assert schedule.naive_utc(datetime(2026, 1, 1, 8, 0, tzinfo=BEIJING)) == datetime(2026, 1, 1, 0, 0)

