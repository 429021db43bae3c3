"""Campaigns through the real bot and the fake Bot API: 1,000 students, sent twice and the
bot restarted mid-delivery, each gets it once; muted and other students none; quiet hours
with an injected clock; the report agrees with what the Bot API received."""

from __future__ import annotations

import asyncio
import datetime as dt

from bot.app import build_application, running_bot
from gradbot import preferences
from gradbot.campaigns.definition import parse_campaign
from gradbot.campaigns.queueing import queue_campaign
from gradbot.campaigns.schedule import QuietHours
from gradbot.db.engine import sessions
from gradbot.reporting.campaigns import campaign_counts
from tests.support.campaigns import add_students, beijing, campaign_texts, write_campaign
from tests.support.settings import with_changes

QUIET = QuietHours()


class Clock:
    """An injected clock (naive UTC) that tests move by hand."""

    def __init__(self, now: dt.datetime) -> None:
        self.now = now

    def __call__(self) -> dt.datetime:
        return self.now


def send(url, path, catalog, kb, now):
    campaign, problems = parse_campaign(path, catalog, kb, today=now + dt.timedelta(hours=8))
    assert campaign is not None, problems
    with sessions(url).begin() as session:
        return queue_campaign(session, campaign, catalog, kb, now, QUIET)


def counts(url, name):
    with sessions(url).begin() as session:
        (result,) = campaign_counts(session, name=name)
    return result


def bot(settings, clock):
    return build_application(with_changes(settings, campaign_rate_per_s=0), rate_limiter=None,
                             outbox_interval_s=0.05, campaign_clock=clock)


async def test_thousand_students_sent_twice_with_a_restart_get_it_exactly_once(api, settings, bot_db, tmp_path, catalog, kb):
    clock = Clock(beijing("2026-06-01 10:00"))
    targets = add_students(bot_db, 100_000, 1000)
    (muted_id, muted_chat), = add_students(bot_db, 200_000, 1)
    with sessions(bot_db).begin() as session:
        preferences.update(session, muted_id, reminders=False)
    others = [uid for _, uid in (
        add_students(bot_db, 300_000, 3, college="机械学院")  # another college
        + add_students(bot_db, 310_000, 3, status="学院已审核")  # agreement already submitted
        + add_students(bot_db, 320_000, 3, level="master")  # not an undergraduate
        + add_students(bot_db, 330_000, 3, bound=False)  # matching, but not bound
    )]
    path = write_campaign(tmp_path)

    first = send(bot_db, path, catalog, kb, clock())
    assert (first.queued, first.muted) == (1000, 1)
    target_chats = [uid for _, uid in targets]
    async with running_bot(bot(settings, clock), settings):
        await api.wait_for(lambda: sum(campaign_texts(api, target_chats).values()) >= 300, timeout=120)
        again = send(bot_db, path, catalog, kb, clock())  # staff send it again while it is going out
        assert (again.queued, again.already_queued) == (0, 1000)
    delivered_before_restart = sum(campaign_texts(api, target_chats).values())
    assert 300 <= delivered_before_restart < 1000, "the restart must fall in the middle of the delivery"
    assert send(bot_db, path, catalog, kb, clock()).queued == 0  # and once more while the bot is down
    async with running_bot(bot(settings, clock), settings):
        await api.wait_for(lambda: sum(campaign_texts(api, target_chats).values()) >= 1000, timeout=180)
        await asyncio.sleep(0.3)  # a few more rounds: nothing else may arrive

    received = campaign_texts(api, target_chats)
    assert set(received.values()) == {1}, "every matching bound student exactly once"
    assert campaign_texts(api, [muted_chat] + others) == {uid: 0 for uid in [muted_chat] + others}
    sample = api.sent_to(target_chats[0])[0].params
    assert "你的签约派遣事项当前为：待提交" in sample["text"] and "/mute" in sample["text"]
    assert sample["reply_markup"]["inline_keyboard"][0][0]["callback_data"].startswith("cmp:")
    report = counts(bot_db, "2026-dispatch-pending")
    # the muted student counts as matched and muted, as `send` said (and `preview` says)
    assert (report.matched, report.sent, report.waiting, report.failed, report.muted) == (1001, 1000, 0, 0, 1)
    assert report.sent == sum(received.values())


async def test_quiet_hours_hold_reminders_until_morning_but_not_urgent_ones(api, settings, bot_db, tmp_path, catalog, kb):
    clock = Clock(beijing("2026-06-01 23:00"))
    (_, normal_chat), = add_students(bot_db, 400_000, 1)
    path = write_campaign(tmp_path, "evening-reminder")
    urgent_path = write_campaign(tmp_path, "deadline-tonight", extra="urgent: true\n")
    send(bot_db, path, catalog, kb, clock())
    send(bot_db, urgent_path, catalog, kb, clock())
    async with running_bot(bot(settings, clock), settings):
        await api.wait_for(lambda: counts(bot_db, "deadline-tonight").sent == 1, timeout=20)  # urgent: at 23:00
        clock.now = beijing("2026-06-02 07:59")  # still quiet: rounds pass, nothing more is sent
        await asyncio.sleep(0.5)
        assert campaign_texts(api, [normal_chat])[normal_chat] == 1
        assert counts(bot_db, "evening-reminder").waiting == 1
        clock.now = beijing("2026-06-02 08:00")
        await api.wait_for(lambda: campaign_texts(api, [normal_chat])[normal_chat] == 2, timeout=20)
        await api.wait_for(lambda: counts(bot_db, "evening-reminder").sent == 1, timeout=5)


async def test_student_who_mutes_after_queueing_is_skipped_and_not_counted(api, settings, bot_db, tmp_path, catalog, kb):
    clock = Clock(beijing("2026-06-01 10:00"))
    (student, chat), (_, other_chat) = add_students(bot_db, 500_000, 2)
    send(bot_db, write_campaign(tmp_path), catalog, kb, clock())
    with sessions(bot_db).begin() as session:
        preferences.update(session, student, reminders=False)
    async with running_bot(bot(settings, clock), settings):
        await api.wait_for(lambda: campaign_texts(api, [other_chat])[other_chat] == 1, timeout=20)
        await asyncio.sleep(0.3)
    assert campaign_texts(api, [chat])[chat] == 0
    report = counts(bot_db, "2026-dispatch-pending")
    assert (report.matched, report.sent, report.muted) == (2, 1, 1)


async def test_blocked_student_is_counted_as_blocked(api, settings, bot_db, tmp_path, catalog, kb):
    clock = Clock(beijing("2026-06-01 10:00"))
    (_, chat), (_, other_chat) = add_students(bot_db, 600_000, 2)
    api.block(chat)
    send(bot_db, write_campaign(tmp_path), catalog, kb, clock())
    async with running_bot(bot(settings, clock), settings):
        await api.wait_for(lambda: campaign_texts(api, [other_chat])[other_chat] == 1, timeout=20)
        await asyncio.sleep(0.3)
    report = counts(bot_db, "2026-dispatch-pending")
    assert (report.sent, report.blocked) == (1, 1)


# --- the checks at delivery time, without the bot ---------------------------------------------------

def queued_rows(url):
    from sqlalchemy import select

    from gradbot.db.models import OutboxMessage
    from gradbot.outbox import claim

    with sessions(url).begin() as session:
        ids = session.execute(select(OutboxMessage.id).order_by(OutboxMessage.id)).scalars().all()
    with sessions(url).begin() as session:
        return [claim(session, i) for i in ids]


def test_a_student_who_no_longer_matches_muted_or_blocked_is_skipped(bot_db, tmp_path, catalog, kb):
    from sqlalchemy import update

    from gradbot.campaigns.delivery import BLOCKED, NO_LONGER_MATCHES, skip_reason
    from gradbot.db.models import Case, TelegramBinding

    now = beijing("2026-06-01 10:00")
    (moved, _), (muted, _), (blocked, _), (fine, _) = add_students(bot_db, 700_000, 4)
    send(bot_db, write_campaign(tmp_path), catalog, kb, now)
    with sessions(bot_db).begin() as session:
        session.execute(update(Case).where(Case.student_id == moved).values(status="学院已审核"))
        preferences.update(session, muted, reminders=False)
        session.execute(update(TelegramBinding).where(TelegramBinding.student_id == blocked).values(blocked=True))
    with sessions(bot_db).begin() as session:
        reasons = {m.student_id: skip_reason(session, m) for m in queued_rows(bot_db)}
    assert reasons[moved] == NO_LONGER_MATCHES and reasons[blocked] == BLOCKED and reasons[fine] is None
    assert reasons[muted].startswith("muted")


def test_in_quiet_hours_only_urgent_rows_are_due(bot_db, tmp_path, catalog, kb):
    from gradbot.campaigns.delivery import due_ids

    day = beijing("2026-06-01 21:00")
    add_students(bot_db, 800_000, 2)
    normal = send(bot_db, write_campaign(tmp_path, "normal"), catalog, kb, day)  # due 21:00, still waiting at 22:30
    urgent = send(bot_db, write_campaign(tmp_path, "urgent", extra="urgent: true\n"), catalog, kb, day)
    with sessions(bot_db).begin() as session:
        assert len(due_ids(session, day, quiet=False)) == normal.queued + urgent.queued == 4
        assert len(due_ids(session, beijing("2026-06-01 22:30"), quiet=True)) == urgent.queued == 2


async def test_a_reminder_interrupted_while_sending_is_failed_never_resent(api, settings, bot_db, tmp_path, catalog, kb):
    from sqlalchemy import update

    from gradbot.db.models import OutboxMessage

    clock = Clock(beijing("2026-06-01 10:00"))
    (_, crashed_chat), (_, other_chat) = add_students(bot_db, 900_000, 2)
    send(bot_db, write_campaign(tmp_path), catalog, kb, clock())
    with sessions(bot_db).begin() as session:  # a sender died after claiming this row (delivery unknown)
        session.execute(update(OutboxMessage).where(OutboxMessage.telegram_user_id == str(crashed_chat))
                        .values(status="sending", claimed_at=clock() - dt.timedelta(hours=1)))
    async with running_bot(bot(settings, clock), settings):
        await api.wait_for(lambda: campaign_texts(api, [other_chat])[other_chat] == 1, timeout=20)
        await asyncio.sleep(0.3)
    assert campaign_texts(api, [crashed_chat])[crashed_chat] == 0
    report = counts(bot_db, "2026-dispatch-pending")
    assert (report.sent, report.failed) == (1, 1)
