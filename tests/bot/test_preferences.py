"""/settings, /mute, the campaign button and the client language, through the real bot and
the fake Bot API; status notifications respect the student's choice."""

from __future__ import annotations

import asyncio
import datetime as dt

from sqlalchemy import select

from bot.app import build_application, running_bot
from bot.preferences import MUTED, NOT_BOUND, parse_callback, settings_markup
from gradbot import preferences
from gradbot.campaigns.definition import Campaign
from gradbot.campaigns.queueing import queue_campaign
from gradbot.campaigns.schedule import QuietHours
from gradbot.cases.catalog import load_catalog
from gradbot.cases.notifications import StatusChange, enqueue_status_changes
from gradbot.db.engine import sessions
from gradbot.db.models import CampaignRecipient, OutboxMessage, utcnow
from gradbot.knowledge.loader import load_directory
from gradbot.settings import PROJECT_ROOT
from tests.support.campaigns import add_students
from tests.support.fake_bot_api import callback_update, text_update

POLICIES = PROJECT_ROOT / "policies"


def prefs(url, student):
    with sessions(url).begin() as session:
        return preferences.get(session, student)


def buttons(call):
    return [b["callback_data"] for row in call.params["reply_markup"]["inline_keyboard"] for b in row]


def test_callback_data_round_trip():
    assert parse_callback("pref:reminders:off") == ("reminders", False)
    assert parse_callback("pref:status_notifications:on") == ("status_notifications", True)
    assert parse_callback("pref:language:en") == ("language", "en")
    assert parse_callback("pref:reminders:maybe") is None and parse_callback("pref:admin:on") is None
    data = [b.callback_data for row in settings_markup(preferences.Preferences()).inline_keyboard for b in row]
    assert data == ["pref:reminders:off", "pref:status_notifications:off", "pref:language:en"]


async def test_settings_buttons_change_the_stored_preferences(api, running, bot_db):
    (student, user), = add_students(bot_db, 5100, 1)
    await api.inject(text_update(user, "/settings"))
    (shown,) = await api.wait_sent(user, 1)
    assert "提醒：开" in shown.params["text"] and buttons(shown)[0] == "pref:reminders:off"

    await api.inject(callback_update(user, "pref:reminders:off", message_id=shown.params.get("message_id", 1000)))
    (edited,) = await api.wait_call("editMessageText", 1)
    assert "提醒：关" in edited.params["text"] and buttons(edited)[0] == "pref:reminders:on"
    await api.inject(callback_update(user, "pref:status_notifications:off"))
    await api.wait_call("editMessageText", 2)
    assert prefs(bot_db, student) == preferences.Preferences(reminders=False, status_notifications=False,
                                                             telegram_language="zh")
    await api.inject(callback_update(user, "pref:reminders:on"))
    await api.wait_call("editMessageText", 3)
    assert prefs(bot_db, student).reminders is True


async def test_mute_turns_reminders_off_and_unbound_users_are_told_to_bind(api, running, bot_db):
    (student, user), = add_students(bot_db, 5200, 1)
    await api.inject(text_update(user, "/mute"))
    (reply,) = await api.wait_sent(user, 1)
    assert reply.params["text"] == MUTED
    assert (prefs(bot_db, student).reminders, prefs(bot_db, student).status_notifications) == (False, True)
    await api.inject(text_update(5299, "/settings"))
    (reply,) = await api.wait_sent(5299, 1)
    assert reply.params["text"] == NOT_BOUND


async def test_settings_in_a_group_points_to_the_private_chat(api, running, bot_db):
    (student, user), = add_students(bot_db, 5300, 1)
    await api.inject(text_update(user, "/mute", chat_id=-100123))
    (reply,) = await api.wait_sent(-100123, 1)
    assert "私聊" in reply.params["text"] and prefs(bot_db, student).reminders is True


async def test_campaign_button_is_counted_and_answers_the_entry(api, running, rasa, bot_db):
    (student, user), = add_students(bot_db, 5400, 1)
    catalog, (kb, _) = load_catalog(POLICIES / "_case_types.yml"), load_directory(POLICIES)
    campaign = Campaign(name="press-test", text="请提交协议。", button="dispatch.agreement_stamp")
    with sessions(bot_db).begin() as session:
        result = queue_campaign(session, campaign, catalog, kb, utcnow(), QuietHours.parse("off"))
    await api.inject(callback_update(user, f"cmp:{result.campaign_id}"))
    await api.wait_for(lambda: (str(user), '/choose_faq{"faq_id":"dispatch.agreement_stamp"}') in rasa.received)
    with sessions(bot_db).begin() as session:
        assert session.execute(select(CampaignRecipient.pressed_at)).scalar_one() is not None
    await api.inject(callback_update(user, "cmp:999"))  # an unknown campaign
    await api.wait_for(lambda: any("过期" in str(c.params.get("text")) for c in api.calls_of("answerCallbackQuery")))


async def test_the_client_language_is_remembered_for_pushed_messages(api, running, bot_db):
    (student, user), = add_students(bot_db, 5500, 1)
    update = text_update(user, "echo hi")
    update["message"]["from"]["language_code"] = "en"
    await api.inject(update)
    await api.wait_sent(user, 1)
    deadline = asyncio.get_running_loop().time() + 20
    while prefs(bot_db, student).telegram_language != "en" and asyncio.get_running_loop().time() < deadline:
        await asyncio.sleep(0.05)
    assert prefs(bot_db, student).effective_language == "en"


def test_status_notifications_off_means_none_queued(bot_db):
    (quiet_student, _), (other, _) = add_students(bot_db, 5600, 2)
    with sessions(bot_db).begin() as session:
        preferences.update(session, quiet_student, status_notifications=False)
        changes = [StatusChange(1, sid, "dispatch", "待提交", "学院已审核", "", dt.datetime(2026, 6, 1)) for sid in (quiet_student, other)]
        assert enqueue_status_changes(session, load_catalog(POLICIES / "_case_types.yml"), changes) == 1
        assert session.execute(select(OutboxMessage.student_id)).scalars().all() == [other]


async def test_a_queued_status_notification_is_skipped_once_turned_off(api, settings, bot_db):
    (student, user), = add_students(bot_db, 5700, 1)
    with sessions(bot_db).begin() as session:
        session.add(OutboxMessage(telegram_user_id=str(user), student_id=student, text="【办理进度更新】", kind="case_status"))
        preferences.update(session, student, status_notifications=False)
    async with running_bot(build_application(settings, outbox_interval_s=0.05), settings):
        deadline = asyncio.get_running_loop().time() + 20
        while asyncio.get_running_loop().time() < deadline:
            with sessions(bot_db).begin() as session:
                row = session.execute(select(OutboxMessage.status, OutboxMessage.last_error)).one()
            if row.status not in ("pending", "sending"):  # "sending": claimed, not yet decided
                break
            await asyncio.sleep(0.05)
    assert row.status == "skipped" and row.last_error.startswith("muted") and api.sent_to(user) == []
