"""The card staff see: masking, topic names, question and subject from the log, student facts."""

from __future__ import annotations

from datetime import datetime

import pytest

from gradbot.db.engine import sessions, upgrade
from gradbot.db.models import Case, Student, TelegramBinding
from gradbot.handoff import card, tickets
from gradbot.reporting.conversation_log import log_message
from gradbot.settings import PROJECT_ROOT

T0 = datetime(2026, 12, 1, 2, 0)


def test_phone_and_id_card_numbers_are_masked():
    text = "电话 13812345678，身份证 610102199001011234 或 61010219900101123X，+86 139 1234 5678"
    masked = card.mask_personal_numbers(text)
    assert "13812345678" not in masked and "138****5678" in masked
    assert "610102199001011234" not in masked and "61010219900101123X" not in masked
    assert "6101" in masked and "23X" in masked
    assert "139****5678" in masked
    assert card.mask_personal_numbers("2026年12月1日 205 室") == "2026年12月1日 205 室"


def test_topic_name_has_number_and_subject_never_a_name():
    ticket = _ticket(subject="签约与派遣")
    assert card.topic_name(ticket) == f"#T{ticket.id} 签约与派遣"
    assert card.topic_name(ticket, "✅").startswith("✅ #T")
    assert len(card.topic_name(_ticket(subject="长" * 200))) <= 128


@pytest.fixture
def log_session(tmp_path):
    """A session on a fresh, migrated SQLite database (committed when the test's block ends)."""
    url = f"sqlite:///{tmp_path / 'db.sqlite'}"
    upgrade(url)
    return sessions(url).begin


def test_question_topic_and_subject_from_the_log(log_session):
    with log_session() as session:
        log_message(session, "telegram", "101", "你好", outcome="greet", intent="greet")
        log_message(session, "telegram", "101", "三方协议丢了怎么办", outcome="fallback", intent="ask_dispatch")
        log_message(session, "telegram", "101", "/human", outcome="handoff", intent="handoff")
        log_message(session, "telegram", "102", "别人的问题", outcome="faq", faq_id="abroad.registration")
        turns = card.recent_turns(session, "101")
    assert [t.text for t in turns] == ["你好", "三方协议丢了怎么办", "/human"]
    assert card.question_from(turns) == "三方协议丢了怎么办"
    assert card.kb_topic_of(turns) == "dispatch"
    assert card.subject_for("dispatch", PROJECT_ROOT / "policies") == "签约与派遣"
    assert card.subject_for(None, PROJECT_ROOT / "policies") == card.GENERAL_SUBJECT
    assert card.subject_for("nosuch", PROJECT_ROOT / "policies") == card.GENERAL_SUBJECT


def test_question_from_a_request_in_words_that_says_what_about(log_session):
    with log_session() as session:
        log_message(session, "telegram", "101", "报到证还办吗", outcome="faq", faq_id="dispatch.report_card")
        log_message(session, "telegram", "101", "好的谢谢", outcome="thanks", intent="thanks")
        bare = card.recent_turns(session, "101")
        log_message(session, "telegram", "101", "我想找老师，我的三方协议盖章被退回了", outcome="handoff", intent="handoff")
        asked = card.recent_turns(session, "101")
    assert card.question_from(bare) == "报到证还办吗"  # the thanks is no question
    assert card.question_from(asked) == "我想找老师，我的三方协议盖章被退回了"
    assert card.question_from([*bare, card.Turn("我要找人工老师", "handoff", None, "handoff", T0)]) == "报到证还办吗"


def test_card_for_a_bound_student_shows_facts_and_masks_what_they_wrote(log_session):
    with log_session() as session:
        session.add(Student(student_id="2191234567", name="张三", level="master", college="电信学部"))
        session.flush()
        session.add(Case(student_id="2191234567", case_type="dispatch", status="已鉴证", note="",
                         updated_at=datetime(2026, 5, 10)))
        session.add(TelegramBinding(telegram_user_id="101", student_id="2191234567"))
        log_message(session, "telegram", "101", "我电话 13812345678，协议怎么补", outcome="fallback")
        ticket, _ = tickets.open_ticket(session, "101", now=T0, question="我电话 13812345678，协议怎么补",
                                        subject="签约与派遣", student_id="2191234567")
        facts = card.student_facts(session, ticket.student_id)
        text = card.card_text(ticket, card.recent_turns(session, "101"), facts, opened_note="来源：/human")
    assert f"#T{ticket.id}" in text and "来源：/human" in text
    assert "13812345678" not in text and "138****5678" in text
    assert "2191234567" in text and "张三" in text and "硕士" in text and "电信学部" in text
    assert "已鉴证" in text
    assert "101" not in text  # never the Telegram account


def test_card_repeats_the_tickets_earlier_messages_compactly_and_fits_telegram():
    earlier = [(datetime(2026, 12, 1, 2, i), f"第{i}条 " + "很长的补充说明" * 40) for i in range(30)]
    text = card.card_text(_ticket(question="问" * 3000), [], None, earlier=earlier)
    assert len(text) <= card.CARD_LIMIT
    assert "本工单中学生已发的消息" in text and "（30）" in text and "条更早的消息" in text
    assert "12-01 10:29 第29条" in text  # the newest kept, Beijing time
    assert "第0条" not in text
    short = card.card_text(_ticket(), [], None, earlier=[(T0, "电话 13812345678"), (T0, "[photo]")])
    assert "• 12-01 10:00 电话 138****5678\n• 12-01 10:00 [photo]" in short and "更早" not in short
    assert "本工单中学生已发的消息" not in card.card_text(_ticket(), [], None)


def test_card_for_an_unbound_student():
    text = card.card_text(_ticket(question=""), [], None, with_topics=False)
    assert "未绑定" in text and "尚未写下问题" in text and "回复 Reply" in text


def _ticket(**changes) -> tickets.TicketView:
    fields = dict(id=12, telegram_user_id="101", student_id=None, status="open", subject="签约与派遣",
                  kb_topic="dispatch", question="问题", english=False, opened_at=T0, outside_hours=False,
                  staff_chat_id=None, thread_id=None, card_message_id=None, claimed_by=None, first_reply_at=None,
                  closed_at=None, rating=None)
    fields.update(changes)
    return tickets.TicketView(**fields)
