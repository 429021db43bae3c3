"""A ticket's questions and staff answer become a knowledge-base draft (gradbot.handoff.faq)."""

from __future__ import annotations

from datetime import datetime

import pytest

from gradbot.db.engine import sessions, upgrade
from gradbot.handoff import faq, tickets
from gradbot.knowledge.drafts import list_drafts

T0 = datetime(2026, 12, 1, 2, 0)


@pytest.fixture
def ticket_db(tmp_path):
    url = f"sqlite:///{tmp_path / 'db.sqlite'}"
    upgrade(url)
    with sessions(url).begin() as session:
        ticket, _ = tickets.open_ticket(session, "101", now=T0, question="三方协议丢了怎么办？", kb_topic="dispatch",
                                        subject="签约与派遣")
    return url, ticket


def add(url, ticket, kind, message_id, text):
    with sessions(url).begin() as session:
        tickets.add_message(session, ticket.id, kind, staff_chat_id="-100", staff_message_id=message_id, text=text)


def test_nothing_to_save_without_a_staff_answer(ticket_db):
    url, ticket = ticket_db
    add(url, ticket, "student", 1, "[photo]")
    with sessions(url).begin() as session, pytest.raises(faq.NothingToSave):
        faq.draft_parts(session, ticket)


def test_questions_and_answers_masked_and_one_chosen_answer(ticket_db):
    url, ticket = ticket_db
    add(url, ticket, "student", 1, "我电话 13812345678，能补办吗？")
    add(url, ticket, "student", 2, "三方协议丢了怎么办？")  # the same question twice counts once
    add(url, ticket, "staff", 3, "可以补办。")
    add(url, ticket, "staff", 4, "带身份证到 205 室。")
    with sessions(url).begin() as session:
        questions, answer = faq.draft_parts(session, ticket)
        _, chosen = faq.draft_parts(session, ticket, answer_message_id=4)
    assert questions == ["三方协议丢了怎么办？", "我电话 138****5678，能补办吗？"]
    assert answer == "可以补办。\n\n带身份证到 205 室。"
    assert chosen == "带身份证到 205 室。"


def test_draft_written_with_the_tickets_topic(ticket_db, tmp_path):
    url, ticket = ticket_db
    add(url, ticket, "staff", 3, "可以补办，带身份证到 205 室。")
    policies = tmp_path / "policies"
    policies.mkdir()
    with sessions(url).begin() as session:
        draft_id = faq.draft_from_ticket(session, ticket, policies)
    (draft,) = list_drafts(policies)
    assert (draft.id, draft.topic, draft.origin) == (draft_id, "dispatch", f"handoff:#T{ticket.id}")
    assert draft.questions == ("三方协议丢了怎么办？",) and "205" in draft.answer


def test_acknowledgements_thanks_greetings_and_stickers_are_not_questions(ticket_db):
    url, ticket = ticket_db
    for number, text in enumerate(["老师好", "盖章页被退回了，要重新打印吗？", "[sticker]", "好的谢谢", "ok", "👍",
                                   "收到，辛苦老师了！", "那学院的章也要重新盖吗"], start=1):
        add(url, ticket, "student", number, text)
    add(url, ticket, "staff", 20, "要重新打印，学院和 205 室都要重新盖章。")
    with sessions(url).begin() as session:
        questions, _ = faq.draft_parts(session, ticket)
    assert questions == ["三方协议丢了怎么办？", "盖章页被退回了，要重新打印吗？", "那学院的章也要重新盖吗"]


def test_only_small_talk_from_the_student_is_nothing_to_save(tmp_path):
    url = f"sqlite:///{tmp_path / 'db.sqlite'}"
    upgrade(url)
    with sessions(url).begin() as session:
        ticket, _ = tickets.open_ticket(session, "102", now=T0, question="")
    add(url, ticket, "student", 1, "好的谢谢")
    add(url, ticket, "staff", 2, "不客气。")
    with sessions(url).begin() as session, pytest.raises(faq.NothingToSave):
        faq.draft_parts(session, ticket)
