"""Reading the log for a range of Beijing dates."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from gradbot.reporting.data import Period, load_messages, to_beijing


def test_period_days_and_utc_bounds():
    period = Period(date(2026, 11, 20), date(2026, 11, 26))
    assert len(period.days) == 7 and period.days[0] == date(2026, 11, 20) and period.days[-1] == date(2026, 11, 26)
    # Beijing midnight is 16:00 UTC the day before
    assert period.utc_bounds() == (datetime(2026, 11, 19, 16, 0), datetime(2026, 11, 26, 16, 0))
    assert Period.last_days(7, today=date(2026, 11, 26)) == period
    with pytest.raises(ValueError):
        Period(date(2026, 11, 26), date(2026, 11, 20))


def test_to_beijing_adds_eight_hours():
    assert to_beijing(datetime(2026, 11, 19, 16, 30)) == datetime(2026, 11, 20, 0, 30)


def test_load_messages_keeps_beijing_date_boundaries(db_url, log_at):
    log_at(db_url, datetime(2026, 11, 19, 15, 59), "前一天 23:59（北京）")
    first = log_at(db_url, datetime(2026, 11, 19, 16, 0), "第一天 0:00（北京）", outcome="fallback")
    last = log_at(db_url, datetime(2026, 11, 26, 15, 59), "最后一天 23:59", outcome="faq",
                  faq_id="dispatch.agreement_stamp", feedback=-1, intent="ask_dispatch", confidence=0.75)
    log_at(db_url, datetime(2026, 11, 26, 16, 0), "后一天 0:00")

    messages = load_messages(Period(date(2026, 11, 20), date(2026, 11, 26)), url=db_url)

    assert [m.id for m in messages] == [first, last]
    assert messages[0].created_at == datetime(2026, 11, 20, 0, 0)
    assert (messages[1].outcome, messages[1].faq_id, messages[1].feedback, messages[1].intent) == (
        "faq", "dispatch.agreement_stamp", -1, "ask_dispatch")
    assert messages[1].confidence == pytest.approx(0.75)
    assert messages[0].session_hash == messages[1].session_hash  # same sender, hashed


def test_load_messages_on_empty_database(db_url):
    assert load_messages(Period.last_days(7), url=db_url) == []
