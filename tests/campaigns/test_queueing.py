"""``notify send``: each matching bound student queued once, however often it is sent;
the database itself refuses a second row per (campaign, student)."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from gradbot import preferences
from gradbot.campaigns.definition import parse_campaign
from gradbot.campaigns.queueing import CampaignChanged, queue_campaign
from gradbot.campaigns.schedule import QuietHours
from gradbot.db.engine import sessions
from gradbot.db.models import CampaignRecipient, OutboxMessage
from tests.support.campaigns import add_students, beijing, write_campaign

NOW = beijing("2026-05-01 12:00")


def load(path, catalog, kb):
    campaign, problems = parse_campaign(path, catalog, kb, today=NOW + dt.timedelta(hours=8))
    assert campaign is not None, problems
    return campaign


def send(url, campaign, catalog, kb):
    with sessions(url).begin() as session:
        return queue_campaign(session, campaign, catalog, kb, NOW, QuietHours())


def test_sent_three_times_queues_each_student_once(db_url, tmp_path, catalog, kb):
    pairs = add_students(db_url, 1000, 20)
    add_students(db_url, 2000, 2, college="机械学院")
    campaign = load(write_campaign(tmp_path, extra="send_at: 2026-06-01 23:30\n"), catalog, kb)
    results = [send(db_url, campaign, catalog, kb) for _ in range(3)]
    assert [(r.queued, r.already_queued) for r in results] == [(20, 0), (0, 20), (0, 20)]
    assert results[0].send_from == beijing("2026-06-02 08:00")  # 23:30 is in the quiet hours
    with sessions(db_url).begin() as session:
        rows = session.execute(select(OutboxMessage.telegram_user_id, OutboxMessage.kind, OutboxMessage.not_before)).all()
    assert sorted(int(r.telegram_user_id) for r in rows) == [uid for _, uid in pairs]
    assert {(r.kind, r.not_before) for r in rows} == {("campaign", beijing("2026-06-02 08:00"))}


def test_the_database_refuses_a_second_row_for_the_same_student(db_url, tmp_path, catalog, kb):
    (student, user), = add_students(db_url, 1000, 1)
    result = send(db_url, load(write_campaign(tmp_path), catalog, kb), catalog, kb)
    with pytest.raises(IntegrityError), sessions(db_url).begin() as session:
        session.add(CampaignRecipient(campaign_id=result.campaign_id, student_id=student, telegram_user_id=str(user),
                                      language="zh"))


def test_students_who_join_later_are_added_on_the_next_send(db_url, tmp_path, catalog, kb):
    add_students(db_url, 1000, 3)
    campaign = load(write_campaign(tmp_path), catalog, kb)
    assert send(db_url, campaign, catalog, kb).queued == 3
    add_students(db_url, 5000, 2)
    assert (send(db_url, campaign, catalog, kb).queued, send(db_url, campaign, catalog, kb).queued) == (2, 0)


def test_muted_students_are_not_queued_and_english_users_get_text_en(db_url, tmp_path, catalog, kb):
    (muted, _), (english, english_chat), _ = add_students(db_url, 1000, 3)
    with sessions(db_url).begin() as session:
        preferences.update(session, muted, reminders=False)
        preferences.update(session, english, telegram_language="en")
    result = send(db_url, load(write_campaign(tmp_path), catalog, kb), catalog, kb)
    assert (result.queued, result.muted) == (2, 1)
    with sessions(db_url).begin() as session:
        text, markup = session.execute(select(OutboxMessage.text, OutboxMessage.reply_markup)
                                       .where(OutboxMessage.telegram_user_id == str(english_chat))).one()
    assert "your Employment agreement and dispatch case is currently: Not yet submitted" in text and "/mute" in text
    assert markup["inline_keyboard"][0][0]["text"].startswith("Employment agreement")


def test_changed_campaign_under_the_same_name_is_refused(db_url, tmp_path, catalog, kb):
    add_students(db_url, 1000, 1)
    send(db_url, load(write_campaign(tmp_path), catalog, kb), catalog, kb)
    changed = load(write_campaign(tmp_path, extra="urgent: true\n"), catalog, kb)
    with pytest.raises(CampaignChanged, match="换一个 name") as refused:
        send(db_url, changed, catalog, kb)
    assert "北京时间" in str(refused.value) and "UTC" not in str(refused.value)  # staff read Beijing time everywhere
