"""Campaign counts for staff, and their section in the weekly report."""

from __future__ import annotations

import datetime as dt

from gradbot.db.engine import sessions
from gradbot.db.models import Campaign, CampaignRecipient, OutboxMessage
from gradbot.knowledge.schema import KnowledgeBase
from gradbot.reporting.analysis import build_report
from gradbot.reporting.campaigns import CampaignCounts, _bucket, _width, campaign_counts, render_html, render_text
from gradbot.reporting.data import Period
from gradbot.reporting.render import render_html as weekly
from tests.support.campaigns import add_students


def test_outcomes_are_sorted_into_columns():
    assert [_bucket(s, e) for s, e in [
        ("pending", None), ("sending", None), ("sent", None), ("failed", "delivery unknown"),
        ("skipped", "Forbidden: bot was blocked by the user"), ("skipped", "blocked: the student blocked the bot"),
        ("skipped", "muted: the student turned reminders off"), ("skipped", "no longer in the audience"),
    ]] == ["waiting", "waiting", "sent", "failed", "blocked", "blocked", "muted", "skipped"]
    # not queued (reminders off at send), and waiting for a student who turned reminders off since
    assert [_bucket(None, None), _bucket(None, None, True), _bucket("pending", None, False), _bucket("sent", None, False)] == [
        "muted", "muted", "muted", "sent"]


def test_text_and_html_show_every_count():
    counts = [CampaignCounts(name="a<b", send_at=dt.datetime(2026, 6, 1, 1, 0), urgent=True, matched=10, sent=7,
                             blocked=1, muted=1, failed=1, pressed=3)]
    text = render_text(counts)
    assert "2026-06-01 09:00 紧急" in text and text.splitlines()[1].split()[-8:] == ["10", "0", "7", "1", "1", "0", "1", "3"]
    page = render_html(counts)
    assert "a&lt;b" in page and '<td class="num">7</td>' in page and "提醒活动" in page
    assert "没有" in render_html([]) and "没有提醒活动" in render_text([])


def test_text_columns_line_up_in_a_terminal():
    """Chinese headings take two columns each: the numbers sit under their headings."""
    head, row = render_text([CampaignCounts(name="a", send_at=dt.datetime(2026, 6, 1, 1, 0), urgent=False,
                                            matched=12345, waiting=678)]).splitlines()
    assert _width(head[:head.index("匹配")]) == _width(row[:row.index("12345")])
    assert _width(head[:head.index("待发送")]) == _width(row[:row.index("678")])


def test_the_weekly_report_has_the_campaign_section(db_url):
    (student, user), = add_students(db_url, 1000, 1)
    period = Period(dt.date(2026, 6, 1), dt.date(2026, 6, 7))
    with sessions(db_url).begin() as session:
        campaign = Campaign(name="in-week", fingerprint="f", definition={}, send_at=dt.datetime(2026, 6, 2, 1, 0),
                            urgent=False, source_file="", last_queued_at=dt.datetime(2026, 6, 1, 1, 0))
        session.add_all([campaign, Campaign(name="last-year", fingerprint="f", definition={}, urgent=False, source_file="",
                                            send_at=dt.datetime(2025, 6, 2), last_queued_at=dt.datetime(2025, 6, 1))])
        session.flush()
        row = OutboxMessage(kind="campaign", telegram_user_id=str(user), student_id=student, text="t", status="sent")
        session.add(row)
        session.flush()
        session.add(CampaignRecipient(campaign_id=campaign.id, student_id=student, telegram_user_id=str(user),
                                      language="zh", outbox_id=row.id))
    with sessions(db_url).begin() as session:
        counts = campaign_counts(session, between=period.utc_bounds())
    assert [(c.name, c.matched, c.sent) for c in counts] == [("in-week", 1, 1)]
    page = weekly(build_report([], period, KnowledgeBase()), campaigns=counts)
    assert "提醒活动" in page and "in-week" in page and "last-year" not in page
