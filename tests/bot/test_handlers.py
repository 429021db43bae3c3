"""Scenarios through the real python-telegram-bot polling loop, a fake Bot API and a fake Rasa."""

from __future__ import annotations

import asyncio
import time

from sqlalchemy import select

from bot import texts
from bot.handlers import MAX_INPUT_CHARS
from bot.replies import CallbackCodec
from gradbot.db.engine import sessions
from gradbot.db.models import ConversationMessage
from gradbot.handoff import texts as handoff_texts
from tests.support.fake_bot_api import BOT_ID, BOT_USERNAME, NON_TEXT_CONTENT, callback_update, message, text_update


def buttons_of(call) -> list[dict]:
    markup = call.params.get("reply_markup") or {}
    return [b for row in markup.get("inline_keyboard", []) for b in row]


async def test_question_answered_with_feedback_buttons_and_logged(api, rasa, running, bot_db):
    await api.inject(text_update(101, "三方协议在哪里盖章？"))
    (answer,) = await api.wait_sent(101, 1)
    assert "205 室鉴证" in answer.params["text"]
    assert "gradbot" not in answer.params["text"] and "custom" not in answer.params["text"]
    feedback = buttons_of(answer)
    assert [b["text"] for b in feedback] == [texts.FEEDBACK_UP, texts.FEEDBACK_DOWN]
    assert rasa.received == [("101", "三方协议在哪里盖章？")]

    with sessions(bot_db).begin() as session:
        row = session.execute(select(ConversationMessage)).scalar_one()
        assert (row.outcome, row.faq_id, row.channel) == ("faq", "dispatch.agreement_stamp", "telegram")
        assert "101" not in row.session_hash  # the sender is hashed, never stored raw

    up = feedback[0]["callback_data"]
    await api.inject(callback_update(101, up, message_id=answer_id(answer)))
    (edit,) = await api.wait_call("editMessageReplyMarkup")
    answered = await api.wait_call("answerCallbackQuery")
    assert answered[-1].params.get("text") == texts.FEEDBACK_THANKS
    assert not (edit.params.get("reply_markup") or {}).get("inline_keyboard")
    with sessions(bot_db).begin() as session:
        assert session.execute(select(ConversationMessage.feedback)).scalar_one() == 1
    assert len(api.sent_to(101)) == 1  # feedback produces no new message
    assert len(rasa.received) == 1


def answer_id(call) -> int:
    return 1000  # the fake API's message ids start at 1000 (only used for the edit call)


async def test_thumbs_down_warns_and_offers_a_person(api, rasa, running, bot_db):
    await api.inject(text_update(111, "三方协议在哪里盖章？"))
    (answer,) = await api.wait_sent(111, 1)
    down = buttons_of(answer)[1]["callback_data"]
    await api.inject(callback_update(111, down))
    sent = await api.wait_sent(111, 2)
    assert "不要仅凭它办理" in sent[1].params["text"] and "check with staff" in sent[1].params["text"]
    (to_staff,) = buttons_of(sent[1])
    assert to_staff["text"] == handoff_texts.OFFER_STAFF_BUTTON
    with sessions(bot_db).begin() as session:
        assert session.execute(select(ConversationMessage.feedback)).scalar_one() == -1

    await api.inject(callback_update(111, to_staff["callback_data"]))
    sent = await api.wait_sent(111, 3)
    assert "已为你登记人工咨询" in sent[2].params["text"]
    assert rasa.received[-1] == ("111", "/handoff") and rasa.handoffs == ["111"]


async def test_thumbs_down_in_a_group_only_thanks(api, rasa, running):
    group = -5001
    await api.inject(callback_update(112, CallbackCodec.feedback_data(1, False), chat_id=group))
    (answered,) = await api.wait_call("answerCallbackQuery")
    assert answered.params.get("text") == texts.FEEDBACK_THANKS
    await asyncio.sleep(0.2)
    assert api.sent_to(group) == [] and rasa.received == []


async def test_clarification_button_pressed(api, rasa, running):
    await api.inject(text_update(102, "派遣怎么办"))
    (question,) = await api.wait_sent(102, 1)
    options = buttons_of(question)
    assert [b["text"] for b in options] == ["毕业去向登记怎么做", "报到证还办吗"]
    for b in options:
        assert len(b["callback_data"].encode()) <= 64
    assert not any(b["callback_data"].startswith("fb:") for b in options)  # no 👍/👎 on a clarification

    await api.inject(callback_update(102, options[0]["callback_data"]))
    sent = await api.wait_sent(102, 2)
    assert "毕业去向登记系统" in sent[1].params["text"]
    assert rasa.received[-1] == ("102", '/choose_faq{"faq_id":"dispatch.destination_registration"}')
    assert len(await api.wait_call("answerCallbackQuery")) == 1


async def test_expired_button_is_answered_not_sent_to_rasa(api, rasa, running):
    await api.inject(callback_update(103, "h:" + "0" * 40))
    (answer,) = await api.wait_call("answerCallbackQuery")
    assert answer.params.get("text") == texts.BUTTON_EXPIRED
    await asyncio.sleep(0.2)
    assert rasa.received == [] and api.sent_to(103) == []


async def test_binding_by_deep_link_then_status(api, rasa, running):
    await api.inject(text_update(104, "/status"))
    (unbound,) = await api.wait_sent(104, 1)
    assert "还没有绑定" in unbound.params["text"]

    await api.inject(text_update(104, "/start K7PQM2XA"))
    sent = await api.wait_sent(104, 2)
    assert "绑定成功" in sent[1].params["text"]
    assert ("104", '/bind{"bind_code":"K7PQM2XA"}') in rasa.received

    await api.inject(text_update(104, "/status"))
    sent = await api.wait_sent(104, 3)
    assert "档案转递" in sent[2].params["text"]
    assert [m for _, m in rasa.received] == ["/case_status", '/bind{"bind_code":"K7PQM2XA"}', "/case_status"]


async def test_commands_map_to_triggers(api, rasa, running):
    for command in ("/bind", "/bind K7PQM2XA", "/unbind", "/human"):
        await api.inject(text_update(105, command))
    await api.wait_sent(105, 4)
    assert [m for _, m in rasa.received] == ["/bind", '/bind{"bind_code":"K7PQM2XA"}', "/unbind", "/handoff"]


async def test_start_help_and_menu(api, rasa, running):
    (menu,) = await api.wait_call("setMyCommands")
    names = [c["command"] for c in menu.params["commands"]]
    assert names == ["start", "help", "status", "bind", "unbind", "human", "settings", "mute"]
    assert all(any("\u4e00" <= ch <= "\u9fff" for ch in c["description"]) for c in menu.params["commands"])

    await api.inject(text_update(106, "/start"))
    await api.inject(text_update(106, "/help"))
    await api.inject(text_update(106, "/nosuchcommand"))
    sent = await api.wait_sent(106, 3)
    assert [c.params["text"] for c in sent] == [texts.WELCOME, texts.HELP, texts.HELP]
    assert rasa.received == []


async def test_every_kind_of_non_text_message(api, rasa, running):
    for content in NON_TEXT_CONTENT.values():
        await api.inject({"message": message(107, **content)})
    sent = await api.wait_sent(107, len(NON_TEXT_CONTENT))
    assert [c.params["text"] for c in sent] == [texts.NON_TEXT] * len(NON_TEXT_CONTENT)
    # service messages (someone joined) get no reply
    await api.inject({"message": message(107, new_chat_members=[{"id": 5, "is_bot": False, "first_name": "x"}])})
    await api.inject(text_update(107, "三方协议盖章"))
    sent = await api.wait_sent(107, len(NON_TEXT_CONTENT) + 1)
    assert "鉴证" in sent[-1].params["text"]
    assert len(rasa.received) == 1


async def test_very_long_message_is_cut_with_a_note(api, rasa, running):
    text = ("三方协议在哪里盖章？" * 1000)[:10_000]
    await api.inject(text_update(108, text))
    (reply,) = await api.wait_sent(108, 1)
    assert len(rasa.received[0][1]) == MAX_INPUT_CHARS
    assert reply.params["text"].startswith(texts.TOO_LONG_NOTE.format(limit=MAX_INPUT_CHARS))
    assert "鉴证" in reply.params["text"]


async def test_long_answer_split_at_paragraphs(api, rasa, running):
    paragraphs = [f"第{i}段：" + "毕业去向登记" * 60 for i in range(30)]  # ~11,000 characters
    rasa.long_answer = "\n\n".join(paragraphs)
    await api.inject(text_update(109, "给我长答案"))
    await api.wait_for(lambda: any(buttons_of(c) for c in api.sent_to(109)), timeout=5)
    sent = api.sent_to(109)
    assert len(sent) >= 3
    assert all(len(c.params["text"]) <= 4096 for c in sent)
    assert "\n\n".join(c.params["text"] for c in sent) == rasa.long_answer  # cut only between paragraphs
    assert [bool(buttons_of(c)) for c in sent] == [False] * (len(sent) - 1) + [True]  # 👍/👎 under the last part


async def test_rasa_down_then_back(api, rasa, running):
    await rasa.stop()
    started = time.monotonic()
    await api.inject(text_update(110, "三方协议盖章"))
    (busy,) = await api.wait_sent(110, 1, timeout=5)
    assert busy.params["text"] == texts.BUSY
    assert time.monotonic() - started < 3

    await rasa.start()  # same port
    await api.inject(text_update(110, "三方协议盖章"))
    sent = await api.wait_sent(110, 2)
    assert "鉴证" in sent[1].params["text"]


async def test_rasa_slow_gives_busy_within_timeout(api, rasa, running, settings):
    rasa.delay_s = 5
    started = time.monotonic()
    await api.inject(text_update(111, "三方协议盖章"))
    (busy,) = await api.wait_sent(111, 1, timeout=5)
    assert busy.params["text"] == texts.BUSY
    assert time.monotonic() - started < settings.rasa_timeout_s + 1.5
    rasa.delay_s = 0
    await api.inject(text_update(111, "三方协议盖章"))
    sent = await api.wait_sent(111, 2)
    assert "鉴证" in sent[1].params["text"]


async def test_two_users_at_once_no_crossed_replies(api, rasa, running):
    rasa.delay_s = 0.02
    for i in range(10):
        await api.inject(text_update(201, f"echo a{i}"))
        await api.inject(text_update(202, f"echo b{i}"))
    await api.wait_sent(201, 10)
    await api.wait_sent(202, 10)
    assert api.texts_to(201) == [f"echo:201:a{i}" for i in range(10)]  # own replies, in order
    assert api.texts_to(202) == [f"echo:202:b{i}" for i in range(10)]


async def test_flooding_student_does_not_slow_others(api, rasa, running):
    rasa.delay_s = 0.05
    for i in range(40):  # ~2 s of work for the flooding chat
        await api.inject(text_update(301, f"echo {i}"))
    started = time.monotonic()
    await api.inject(text_update(302, "echo hello"))
    await api.wait_sent(302, 1, timeout=3)
    assert time.monotonic() - started < 1.5  # the flood alone takes >= 2 s
    assert len(api.sent_to(301)) < 40
    await api.wait_sent(301, 40, timeout=8)
    assert api.texts_to(301) == [f"echo:301:{i}" for i in range(40)]


async def test_edited_message_answered_as_new_question(api, rasa, running):
    original = text_update(112, "派遣")
    await api.inject(original)
    await api.wait_sent(112, 1)
    edited = dict(original["message"], text="三方协议盖章", edit_date=int(time.time()))
    await api.inject({"edited_message": edited})
    sent = await api.wait_sent(112, 2)
    assert "鉴证" in sent[1].params["text"]
    assert sent[1].params["reply_parameters"]["message_id"] == edited["message_id"]
    # an edited non-text message (live location moving) gets nothing
    await api.inject({"edited_message": message(112, location={"latitude": 1.0, "longitude": 2.0}, edit_date=1)})
    await asyncio.sleep(0.3)
    assert len(api.sent_to(112)) == 2


async def test_group_answers_only_when_addressed(api, rasa, running):
    group = -100123
    await api.inject(text_update(113, "三方协议盖章", chat_id=group))  # not addressed
    await api.inject({"message": message(113, group, sticker=NON_TEXT_CONTENT["sticker"]["sticker"])})
    await api.inject(text_update(113, f"@{BOT_USERNAME} 三方协议盖章", chat_id=group))
    (answer,) = await api.wait_sent(group, 1)
    assert "鉴证" in answer.params["text"]
    assert rasa.received == [("113", "三方协议盖章")]  # mention stripped, sender is the user

    bot_message = {"message_id": 999, "date": 1, "chat": {"id": group, "type": "supergroup", "title": "g"},
                   "from": {"id": BOT_ID, "is_bot": True, "first_name": "bot"}, "text": "..."}
    await api.inject(text_update(114, "派遣", chat_id=group, reply_to_message=bot_message))
    await api.wait_sent(group, 2)

    await api.inject(text_update(113, "/status", chat_id=group))  # personal: redirected to a private chat
    sent = await api.wait_sent(group, 3)
    assert f"https://t.me/{BOT_USERNAME}" in sent[2].params["text"]
    assert [m for _, m in rasa.received] == ["三方协议盖章", "派遣"]


async def test_group_binding_code_or_handoff_reaches_rasa_as_group_and_writes_nothing(api, rasa, running, bot_db):
    from gradbot.db.models import BindAttempt, HandoffRequest, TelegramBinding

    group = -100124
    await api.inject(text_update(116, f"@{BOT_USERNAME} 绑定 K7PQ-M2XA", chat_id=group))
    await api.inject(text_update(116, f"@{BOT_USERNAME} 转人工", chat_id=group))
    sent = await api.wait_sent(group, 2)
    assert all(f"https://t.me/{BOT_USERNAME}" in call.params["text"] for call in sent)
    assert [m["chat_type"] for m in rasa.metadata] == ["supergroup", "supergroup"]
    assert rasa.bindings == {} and rasa.handoffs == []  # the actions refused: nothing was done
    for command in ("/bind K7PQM2XA", "/human", "/start K7PQM2XA", "/unbind"):  # routed by chat type: Rasa never asked
        await api.inject(text_update(116, command, chat_id=group))
    await api.wait_sent(group, 6)
    assert len(rasa.received) == 2
    with sessions(bot_db).begin() as session:
        for table in (ConversationMessage, TelegramBinding, BindAttempt, HandoffRequest):
            assert session.execute(select(table)).scalars().all() == [], table.__tablename__
    await api.inject(text_update(116, "/start K7PQM2XA"))  # the same code in the private chat binds
    await api.wait_sent(116, 1)
    assert rasa.bindings == {"116": "2191234567"} and rasa.metadata[-1] == {"chat_type": "private"}


async def test_unknown_button_data_is_answered_as_expired(api, rasa, running):
    await api.inject(callback_update(117, "zz:anything"))
    (answer,) = await api.wait_call("answerCallbackQuery")
    assert answer.params.get("text") == texts.BUTTON_EXPIRED and rasa.received == []


async def test_blocked_user_does_not_stop_the_bot(api, rasa, running):
    api.block(115)
    await api.inject(text_update(115, "三方协议盖章"))
    await api.inject(text_update(116, "三方协议盖章"))
    await api.wait_sent(116, 1)
    await api.wait_for(lambda: any(c.params.get("chat_id") == 115 for c in api.calls_of("sendMessage")))
    assert running.running


async def test_polling_network_error_is_a_short_warning(api, rasa, running, caplog):
    from types import SimpleNamespace

    from telegram.error import NetworkError

    from bot.handlers import error_handler

    context = SimpleNamespace(error=NetworkError("httpx.ConnectError: All connection attempts failed"), bot=running.bot)
    with caplog.at_level("WARNING", logger="bot.handlers"):
        await error_handler(None, context)
    (record,) = [r for r in caplog.records if r.name == "bot.handlers"]
    assert record.levelname == "WARNING" and record.exc_info is None
    assert "not reachable" in record.getMessage()
    assert api.calls_of("sendMessage") == []
