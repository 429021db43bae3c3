"""Campaign counts for staff, and their section in the weekly report."""

from __future__ import annotations

import datetime as dt

from gradbot.reporting.campaigns import CampaignCounts, _bucket, render_html, render_text


def test_outcomes_are_sorted_into_columns():
    assert [_bucket(s, e) for s, e in [
        ("pending", None), ("sending", None), ("sent", None), ("failed", "delivery unknown"),
        ("skipped", "Forbidden: bot was blocked by the user"), ("skipped", "blocked: the student blocked the bot"),
        ("skipped", "muted: the student turned reminders off"), ("skipped", "no longer in the audience"),
    ]] == ["waiting", "waiting", "sent", "failed", "blocked", "blocked", "muted", "skipped"]


def test_text_and_html_show_every_count():
    counts = [CampaignCounts(name="a<b", send_at=dt.datetime(2026, 6, 1, 1, 0), urgent=True, matched=10, sent=7,
                             blocked=1, muted=1, failed=1, pressed=3)]
    text = render_text(counts)
    assert "2026-06-01 09:00 urgent" in text and text.splitlines()[1].split()[-8:] == ["10", "0", "7", "1", "1", "0", "1", "3"]
    page = render_html(counts)
    assert "a&lt;b" in page and '<td class="num">7</td>' in page and "提醒活动" in page
    assert "没有" in render_html([]) and "no campaigns" in render_text([])
