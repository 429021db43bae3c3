"""Contact lines and answers as students read them."""

from __future__ import annotations

from gradbot.knowledge.formatting import contact_line, format_answer, is_placeholder
from gradbot.knowledge.schema import Contact


def test_placeholders_are_never_shown_to_students():
    contact = Contact("career_center", "就业创业中心", "Career Center", room="待确认（请管理员填写）",
                      phone="待确认（请管理员填写）")
    assert is_placeholder(contact.phone)
    for english in (False, True):
        line = contact_line(contact, english, full=True)
        assert "待确认" not in line and "请管理员填写" not in line
    assert contact_line(contact) == "就业创业中心"


def test_real_room_and_phone_are_shown():
    contact = Contact("guidance_205", "就业创业中心指导部", "Guidance Office", room="205", phone="029-8266xxxx")
    assert contact_line(contact) == "就业创业中心指导部｜205室｜电话：029-8266xxxx"
    assert contact_line(contact, english=True) == "Guidance Office | Room 205 | Tel: 029-8266xxxx"


def test_an_answer_starts_with_the_question_it_answers(shipped_kb):
    entry = shipped_kb.entries["dispatch.agreement_stamp"]
    chinese = format_answer(entry, shipped_kb)
    assert chinese.startswith(f"【{entry.title}】\n\n") and entry.answer.strip() in chinese
    english = format_answer(entry, shipped_kb, english=True)
    assert english.startswith(f"About: {entry.title_en}\n\n") and entry.answer_en.strip() in english
    assert "信息核对日期" in chinese and "Last checked" in english
