"""The staff handoff through the real bot (PTB polling), the fake Bot API with a staff
supergroup, and the fake Rasa: tickets, topics, relaying both ways, restarts, failures."""

from __future__ import annotations

import asyncio
import shutil
from datetime import datetime, timezone
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.app import build_application, running_bot
from bot.services import of_application
from gradbot import preferences
from gradbot.db.engine import sessions
from gradbot.db.models import OutboxMessage, Ticket
from gradbot.handoff import texts
from gradbot.settings import PROJECT_ROOT
from tests.support.fake_bot_api import BOT_ID, callback_update, group_message, message, text_update
from tests.support.settings import with_changes

STAFF = -1001234567890
TEACHER = 555001
OPEN_TUESDAY = datetime(2026, 12, 1, 2, 0, tzinfo=timezone.utc)  # 10:00 Beijing, a workday


class Clock:
    """An injected clock (aware UTC)."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def policies(tmp_path) -> Path:
    """A copy of the knowledge base (``/faq`` writes drafts into it)."""
    target = tmp_path / "policies"
    shutil.copytree(PROJECT_ROOT / "policies", target)
    return target


@pytest.fixture
def clock() -> Clock:
    return Clock(OPEN_TUESDAY)


@pytest.fixture
def settings(settings, api, policies):  # noqa: F811 - extends tests/bot/conftest.py's settings
    api.add_group(STAFF, forum=True)
    return with_changes(settings, telegram_staff_chat_id=STAFF, policies_dir=policies)


async def start_bot(settings, clock):
    application = build_application(settings, outbox_interval_s=0.1)
    of_application(application).handoff.clock = clock
    return application


@pytest.fixture
async def app(settings, clock):
    application = await start_bot(settings, clock)
    async with running_bot(application, settings) as running:
        yield running


def texts_of(messages: list[dict]) -> list[str]:
    return [m.get("text") or m.get("caption") or "" for m in messages]


def tickets_in(url: str) -> list[Ticket]:
    with sessions(url).begin() as session:
        rows = session.execute(select(Ticket).order_by(Ticket.id)).scalars().all()
        session.expunge_all()
        return rows


async def open_ticket(api, student: int, *, first: str = "三方协议在哪里盖章？") -> int:
    """The student asks, then sends /human; returns the new topic's thread id."""
    before = len(api.received(student))
    await api.inject(text_update(student, first))
    await api.wait_received(student, before + 1)
    await api.inject(text_update(student, "/human"))
    await api.wait_received(student, before + 2)
    threads = [t for t in api.topics(STAFF)]
    return threads[-1]


async def staff_says(api, text: str, thread: int, **options) -> dict:
    update = await api.inject(group_message(STAFF, TEACHER, text, thread_id=thread, **options))
    return update["message"]


async def test_round_trip_human_reply_follow_up_close(api, rasa, app, bot_db, policies):
    thread = await open_ticket(api, 301)
    topic = api.topics(STAFF)[thread]
    assert topic["name"] == "#T1 签约与派遣"
    (card,) = await api.wait_received(STAFF, 1, thread_id=thread)
    assert "#T1" in card["text"] and "三方协议在哪里盖章？" in card["text"]
    assert "未绑定" in card["text"] and "同学" not in card["text"]  # no Telegram name
    assert not card.get("disable_notification")
    opened = api.received(301)[-1]["text"]
    assert "#T1" in opened and "老师会在这里回复你" in opened

    # the student's follow-up goes to the topic, not to Rasa
    sent_to_rasa = len(rasa.received)
    await api.inject(text_update(301, "我的三方协议丢了，怎么补办？"))
    copies = await api.wait_received(STAFF, 2, thread_id=thread)
    assert copies[-1]["text"] == "我的三方协议丢了，怎么补办？"
    assert copies[-1]["from"]["id"] == BOT_ID
    assert len(rasa.received) == sent_to_rasa

    # a staff answer reaches the student as the bot's own message; a note stays internal
    await staff_says(api, "// 先查一下他的档案", thread)
    answer = await staff_says(api, "请带身份证到 205 室补办。", thread)
    got = await api.wait_received(301, 3)
    assert got[-1]["text"] == "请带身份证到 205 室补办。"
    assert got[-1]["from"]["id"] == BOT_ID and "forward_origin" not in got[-1]
    await api.wait_for(lambda: (STAFF, answer["message_id"]) in api.reactions)
    assert api.reactions[(STAFF, answer["message_id"])] == [{"type": "emoji", "emoji": "👌"}]
    await asyncio.sleep(0.3)
    assert all("档案" not in t for t in texts_of(api.received(301)))

    # /close: the student is told and asked for a rating; then the assistant answers again
    await staff_says(api, "/close", thread)
    closing = (await api.wait_received(301, 4))[-1]
    assert "已结束本次人工对话" in closing["text"]
    buttons = [b for row in closing["reply_markup"]["inline_keyboard"] for b in row]
    assert [b["text"] for b in buttons] == [texts.RATING_UP, texts.RATING_DOWN]
    await api.wait_for(lambda: topic["closed"])
    assert topic["name"].startswith("✅ #T1")
    await api.inject(callback_update(301, buttons[0]["callback_data"], message_id=closing["message_id"]))
    await api.wait_for(lambda: tickets_in(bot_db)[0].rating == 1)
    await api.inject(text_update(301, "三方协议在哪里盖章？"))
    again = await api.wait_received(301, 5)
    assert "205 室鉴证" in again[-1]["text"]
    ticket = tickets_in(bot_db)[0]
    assert (ticket.status, ticket.close_reason, ticket.claimed_by) == ("closed", "staff", "王老师")
    assert ticket.first_reply_at is not None


async def test_two_students_each_reply_reaches_only_its_student(api, rasa, app):
    await api.inject(text_update(311, "/human"))
    await api.inject(text_update(312, "/human"))
    await api.wait_received(311, 1)
    await api.wait_received(312, 1)
    await api.wait_for(lambda: len(api.topics(STAFF)) == 2)
    first, second = sorted(api.topics(STAFF))
    by_name = {api.topics(STAFF)[t]["name"]: t for t in (first, second)}
    assert set(by_name) == {"#T1 综合咨询", "#T2 综合咨询"}
    t311 = by_name["#T1 综合咨询"] if api.received(311)[0]["text"].count("#T1") else by_name["#T2 综合咨询"]
    t312 = first if t311 == second else second
    await staff_says(api, "给 311 的回答", t311)
    await staff_says(api, "给 312 的回答", t312)
    await api.wait_received(311, 2)
    await api.wait_received(312, 2)
    await asyncio.sleep(0.3)
    assert texts_of(api.received(311))[1:] == ["给 311 的回答"]
    assert texts_of(api.received(312))[1:] == ["给 312 的回答"]


async def test_restart_in_the_middle_loses_and_repeats_nothing(api, rasa, settings, clock, bot_db):
    application = await start_bot(settings, clock)
    async with running_bot(application, settings):
        thread = await open_ticket(api, 321)
        await api.wait_received(STAFF, 1, thread_id=thread)
    # while the bot is down: a staff answer and a student follow-up wait at Telegram
    await api.inject(group_message(STAFF, TEACHER, "重启期间老师的回答", thread_id=thread))
    await api.inject(text_update(321, "重启期间学生的补充"))
    application = await start_bot(settings, clock)
    async with running_bot(application, settings):
        await api.wait_received(321, 3)
        await api.wait_received(STAFF, 2, thread_id=thread)
        await staff_says(api, "/close", thread)
        await api.wait_received(321, 4)
        await asyncio.sleep(0.3)
    assert texts_of(api.received(321))[2] == "重启期间老师的回答"
    assert texts_of(api.received(STAFF, thread))[1] == "重启期间学生的补充"
    assert len(api.topics(STAFF)) == 1 and len(api.calls_of("createForumTopic")) == 1
    assert texts_of(api.received(321)).count("重启期间老师的回答") == 1
    with sessions(bot_db).begin() as session:
        statuses = session.execute(select(OutboxMessage.status)).scalars().all()
    assert statuses == ["sent", "sent"]


async def test_blocked_student_is_reported_in_the_topic(api, rasa, app):
    thread = await open_ticket(api, 331)
    api.block(331)
    answer = await staff_says(api, "你好，请问还在吗？", thread)
    notices = await api.wait_received(STAFF, 2, thread_id=thread)
    assert notices[-1]["text"] == texts.BLOCKED
    assert notices[-1]["reply_to_message"]["message_id"] == answer["message_id"]
    assert (STAFF, answer["message_id"]) not in api.reactions


async def test_deleted_topic_is_recreated_with_its_card(api, rasa, app, bot_db):
    thread = await open_ticket(api, 341)
    await api.inject(text_update(341, "盖章被退回了，理由是单位名称不对"))
    await api.inject(text_update(341, "电话 13812345678"))
    await api.wait_received(STAFF, 3, thread_id=thread)
    api.delete_topic(STAFF, thread)
    await api.inject(text_update(341, "还在吗？"))
    await api.wait_for(lambda: len(api.topics(STAFF)) == 2)
    new_thread = max(api.topics(STAFF))
    got = await api.wait_received(STAFF, 2, thread_id=new_thread)
    assert "#T1" in got[0]["text"] and "重建" in got[0]["text"]
    repeated = got[0]["text"].split("本工单中学生已发的消息", 1)[1]
    assert "盖章被退回了，理由是单位名称不对" in repeated and "138****5678" in repeated
    assert repeated.index("盖章被退回了") < repeated.index("138****5678")
    assert "13812345678" not in got[0]["text"] and "还在吗" not in got[0]["text"]  # the new one follows the card
    assert got[1]["text"] == "还在吗？"
    assert tickets_in(bot_db)[0].thread_id == new_thread
    await staff_says(api, "在的", new_thread)
    assert texts_of(await api.wait_received(341, 3))[-1] == "在的"


async def test_anonymous_admin_and_general_topic(api, rasa, app):
    thread = await open_ticket(api, 351)
    await api.inject(group_message(STAFF, TEACHER, "匿名的回答", thread_id=thread, anonymous=True))
    notices = await api.wait_received(STAFF, 2, thread_id=thread)
    assert notices[-1]["text"] == texts.ANONYMOUS_REFUSED
    await api.inject(group_message(STAFF, TEACHER, "General 里的闲聊"))  # no thread: the General topic
    await asyncio.sleep(0.4)
    assert len(api.received(351)) == 2  # the answer to the question and the ticket message
    assert len(api.received(STAFF)) == 2


async def test_outside_hours_quiet_next_opening_digest_and_reminder(api, rasa, app, clock):
    clock.now = datetime(2026, 11, 28, 14, 0, tzinfo=timezone.utc)  # Saturday 22:00 Beijing
    thread = await open_ticket(api, 361)
    told = api.received(361)[-1]["text"]
    assert "下一个工作日：11月30日（周一）8:00" in told and "next working day" in told
    (card,) = await api.wait_received(STAFF, 1, thread_id=thread)
    await api.inject(text_update(361, "周末打扰了"))
    await api.wait_received(STAFF, 2, thread_id=thread)
    quiet = [c for c in api.calls if c.method in ("sendMessage", "copyMessage") and int(c.params["chat_id"]) == STAFF]
    assert quiet and all(c.params.get("disable_notification") is True for c in quiet)

    desk = of_application(app).handoff
    await desk.tick()  # still closed: nothing
    clock.now = datetime(2026, 11, 30, 0, 5, tzinfo=timezone.utc)  # Monday 08:05
    await asyncio.gather(desk.tick(), desk.tick())  # e.g. the background round and another at once
    general = [m for m in api.received(STAFF) if "message_thread_id" not in m]
    assert len(general) == 1 and "非工作时间收到 1 个工单" in general[0]["text"] and "#T1" in general[0]["text"]
    assert not any("⏰" in t for t in texts_of(api.received(STAFF)))  # 5 working minutes: no reminder yet
    clock.now = datetime(2026, 11, 30, 0, 31, tzinfo=timezone.utc)  # 08:31: 31 working minutes
    await desk.tick()
    await desk.tick()
    reminders = [t for t in texts_of(api.received(STAFF, thread)) if t.startswith("⏰")]
    assert len(reminders) == 1 and "31 个工作分钟" in reminders[0]
    assert len([m for m in api.received(STAFF) if "message_thread_id" not in m]) == 1  # one digest only


async def test_cancel_by_student_and_commands_during_a_ticket(api, rasa, app, bot_db):
    thread = await open_ticket(api, 371)
    await api.inject(text_update(371, "/status"))
    note = (await api.wait_received(371, 3))[-1]["text"]
    assert note == texts.COMMAND_DURING_TICKET.format(label="#T1")
    await api.inject(text_update(371, "/human"))
    assert (await api.wait_received(371, 4))[-1]["text"] == texts.ALREADY_OPEN.format(label="#T1")
    await api.inject(text_update(371, "/cancel"))
    assert (await api.wait_received(371, 5))[-1]["text"] == texts.CANCELLED.format(label="#T1")
    await api.wait_for(lambda: api.topics(STAFF)[thread]["closed"])
    assert texts.CANCELLED_BY_STUDENT in texts_of(api.received(STAFF, thread))
    await api.inject(text_update(371, "echo 你好"))
    assert (await api.wait_received(371, 6))[-1]["text"] == "echo:371:你好"
    assert tickets_in(bot_db)[0].status == "cancelled"


async def test_words_open_a_ticket_and_two_fallbacks_offer_one(api, rasa, app, bot_db):
    await api.inject(text_update(381, "我要找人工老师"))
    opened = (await api.wait_received(381, 1))[-1]["text"]
    assert "#T1" in opened
    await api.inject(text_update(381, "/cancel"))
    await api.wait_received(381, 2)

    await api.inject(text_update(382, "嗯嗯嗯"))
    first = (await api.wait_received(382, 1))[-1]
    assert not (first.get("reply_markup") or {}).get("inline_keyboard")
    await api.inject(text_update(382, "啊啊啊"))
    second = (await api.wait_received(382, 2))[-1]
    buttons = [b for row in second["reply_markup"]["inline_keyboard"] for b in row]
    assert [b["text"] for b in buttons] == [texts.OFFER_STAFF_BUTTON]
    await api.inject(callback_update(382, buttons[0]["callback_data"]))
    assert "#T2" in (await api.wait_received(382, 3))[-1]["text"]
    assert [t.telegram_user_id for t in tickets_in(bot_db)] == ["381", "382"]


async def test_words_that_say_what_about_put_the_question_on_the_card(api, rasa, app, bot_db):
    await api.inject(text_update(383, "我想找老师，我的三方协议盖章被退回了"))
    opened = (await api.wait_received(383, 1))[-1]["text"]
    assert "#T1" in opened
    (thread,) = api.topics(STAFF)
    (card,) = await api.wait_received(STAFF, 1, thread_id=thread)
    assert "问题 Question：我想找老师，我的三方协议盖章被退回了" in card["text"]
    assert "尚未写下问题" not in card["text"]
    assert tickets_in(bot_db)[0].question == "我想找老师，我的三方协议盖章被退回了"


async def test_ticket_language_follows_the_one_telegram_language_rule(api, rasa, app, bot_db):
    """``language_code`` is read as gradbot.preferences reads it: only Chinese clients get Chinese."""
    codes = {421: "zh-hans", 422: "zh-TW", 423: "en-GB", 424: "ru", 425: None}
    for student, code in codes.items():
        update = text_update(student, "/human")
        update["message"]["from"]["language_code"] = code
        await api.inject(update)
        await api.wait_received(student, 1)
    english = {int(t.telegram_user_id): t.english for t in tickets_in(bot_db)}
    assert english == {student: preferences.telegram_language(code) == "en" for student, code in codes.items()}
    assert english == {421: False, 422: False, 423: True, 424: True, 425: False}


async def test_topic_closed_by_hand_closes_the_ticket(api, rasa, app, bot_db):
    thread = await open_ticket(api, 391)
    await api.inject(group_message(STAFF, TEACHER, None, thread_id=thread, forum_topic_closed={}))
    closing = (await api.wait_received(391, 3))[-1]
    assert "已结束本次人工对话" in closing["text"]
    assert tickets_in(bot_db)[0].close_reason == "topic_closed"


async def test_claim_and_faq_draft(api, rasa, app, policies):
    thread = await open_ticket(api, 395)
    await staff_says(api, "/claim", thread)
    await api.wait_for(lambda: any("王老师 正在处理" in t for t in texts_of(api.received(STAFF, thread))))
    await api.inject(text_update(395, "鉴证章盖在哪一联？"))
    await api.wait_received(STAFF, 3, thread_id=thread)
    await staff_says(api, "四联都要盖鉴证章，请带齐到 205 室。", thread)
    await api.wait_received(395, 3)
    sticker = {"sticker": {"file_id": "CAAC", "file_unique_id": "AgAD", "width": 512, "height": 512,
                           "is_animated": False, "is_video": False, "type": "regular", "emoji": "👍"}}
    await api.inject(text_update(395, "好的谢谢"))
    await api.inject(text_update(395, "ok"))
    await api.inject({"message": message(395, **sticker)})
    await api.wait_received(STAFF, 6, thread_id=thread)
    await staff_says(api, "/faq", thread)
    await api.wait_for(lambda: any("已存为知识库草稿" in t for t in texts_of(api.received(STAFF, thread))))
    drafts = (policies / "_drafts.yml").read_text(encoding="utf-8")
    assert "鉴证章盖在哪一联" in drafts and "四联都要盖鉴证章" in drafts and "dispatch" in drafts
    assert "handoff:#T1" in drafts
    assert "好的谢谢" not in drafts and "- ok" not in drafts and "sticker" not in drafts


async def test_student_photo_is_copied_into_the_topic(api, rasa, app):
    thread = await open_ticket(api, 397)
    photo = {"photo": [{"file_id": "AgAC", "file_unique_id": "AQAD", "width": 90, "height": 90}], "caption": "这个怎么填？"}
    await api.inject({"message": message(397, **photo)})
    copies = await api.wait_received(STAFF, 2, thread_id=thread)
    assert copies[-1]["caption"] == "这个怎么填？" and copies[-1]["photo"]


async def test_two_quick_requests_open_one_ticket_and_one_topic(api, rasa, app, bot_db):
    desk = of_application(app).handoff
    results = await asyncio.gather(*(desk.open_ticket("399", english=False, source="command") for _ in range(3)))
    assert [created for _, created in results].count(True) == 1
    assert len({ticket.id for ticket, _ in results}) == 1
    assert len(api.calls_of("createForumTopic")) == 1 and len(tickets_in(bot_db)) == 1


@pytest.fixture
def reply_mode_settings(settings, api):
    api.add_group(STAFF, forum=False)
    return settings


async def test_group_without_topics_uses_replies(api, rasa, reply_mode_settings, clock):
    application = await start_bot(reply_mode_settings, clock)
    async with running_bot(application, reply_mode_settings):
        await api.inject(text_update(401, "/human"))
        await api.wait_received(401, 1)
        (card,) = await api.wait_received(STAFF, 1)
        assert "#T1" in card["text"] and "回复 Reply" in card["text"]
        assert api.calls_of("createForumTopic") == []
        await api.inject(group_message(STAFF, TEACHER, "没有用回复的消息", forum=False))
        hint = (await api.wait_received(STAFF, 2))[-1]
        assert hint["text"] == texts.REPLY_HINT
        await api.inject(group_message(STAFF, TEACHER, "用回复回答学生", forum=False, reply_to=card))
        assert texts_of(await api.wait_received(401, 2))[-1] == "用回复回答学生"
        await api.inject(text_update(401, "谢谢老师"))
        copy = (await api.wait_received(STAFF, 3))[-1]
        assert copy["text"] == "谢谢老师" and copy["reply_to_message"]["message_id"] == card["message_id"]


async def test_unreachable_staff_group_tells_the_student_and_keeps_no_ticket(api, rasa, app, bot_db):
    api.fail_next("createForumTopic", 400, "Bad Request: not enough rights to create a topic")
    await api.inject(text_update(405, "/human"))
    assert (await api.wait_received(405, 1))[-1]["text"] == texts.STAFF_UNREACHABLE
    assert tickets_in(bot_db) == []
    await api.inject(text_update(405, "echo 还在"))
    assert (await api.wait_received(405, 2))[-1]["text"] == "echo:405:还在"  # the assistant answers


async def test_card_buttons_and_only_the_staff_group_closes(api, rasa, app, bot_db):
    thread = await open_ticket(api, 407)
    card = api.received(STAFF, thread)[0]
    buttons = {b["text"]: b["callback_data"] for row in card["reply_markup"]["inline_keyboard"] for b in row}
    press = callback_update(TEACHER, buttons["✋ 认领 Claim"], message_id=card["message_id"], chat_id=STAFF)
    press["callback_query"]["message"]["chat"]["is_forum"] = True
    await api.inject(press)
    await api.wait_for(lambda: api.topics(STAFF)[thread]["name"].startswith("✋"))
    assert tickets_in(bot_db)[0].claimed_by == "同学"  # the presser's name (callback_update's user)
    # the same command from another group, or the student's own chat, closes nothing
    await api.inject(group_message(-100999, TEACHER, "/close", forum=False))
    await api.inject(callback_update(407, buttons["✅ 关闭 Close"]))
    await asyncio.sleep(0.5)
    assert tickets_in(bot_db)[0].status == "open"
    assert not api.topics(STAFF)[thread]["closed"]


async def test_staff_edit_is_not_synced_and_says_so(api, rasa, app):
    thread = await open_ticket(api, 409)
    answer = await staff_says(api, "明天下午来", thread)
    await api.wait_received(409, 3)
    edited = dict(answer, text="明天上午来", edit_date=int(answer["date"]) + 5)
    await api.inject({"edited_message": edited})
    notice = (await api.wait_received(STAFF, 2, thread_id=thread))[-1]
    assert notice["text"] == texts.EDIT_NOT_SYNCED
    await asyncio.sleep(0.3)
    assert texts_of(api.received(409))[-1] == "明天下午来" and len(api.received(409)) == 3


async def test_thumbs_down_then_the_staff_button_opens_a_ticket_with_the_question(api, rasa, app, bot_db):
    await api.inject(text_update(391, "三方协议在哪里盖章？"))
    (answer,) = await api.wait_received(391, 1)
    down = [b for row in answer["reply_markup"]["inline_keyboard"] for b in row][1]["callback_data"]
    await api.inject(callback_update(391, down))
    offer = (await api.wait_received(391, 2))[-1]
    (to_staff,) = [b for row in offer["reply_markup"]["inline_keyboard"] for b in row]
    assert to_staff["text"] == texts.OFFER_STAFF_BUTTON
    await api.inject(callback_update(391, to_staff["callback_data"]))
    assert "#T1" in (await api.wait_received(391, 3))[-1]["text"]
    (thread,) = api.topics(STAFF)
    (card,) = await api.wait_received(STAFF, 1, thread_id=thread)
    assert "三方协议在哪里盖章？" in card["text"]
