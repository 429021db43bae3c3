"""The reminder text: the staff's words in the student's language, why they get it, how to stop."""

from __future__ import annotations

from gradbot.campaigns.audience import Match
from gradbot.campaigns.definition import Audience, Campaign
from gradbot.campaigns.message import render, reply_markup


def match(language="zh", **fields):
    base = dict(student_id="2191000001", telegram_user_id="1", level="undergraduate", college="电信学院",
                case_status="待提交", language=language, muted=False)
    return Match(**{**base, **fields})


def test_case_status_reason_in_both_languages(catalog):
    campaign = Campaign(name="c", text="请提交协议。", text_en="Please hand in the agreement.",
                        audience=Audience(case_type="dispatch", statuses=("待提交",)))
    zh, en = render(campaign, match(), catalog), render(campaign, match("en"), catalog)
    assert "请提交协议。" in zh and "你的签约派遣事项当前为：待提交" in zh and "/mute" in zh and "/settings" in zh
    assert "Please hand in" in en and "currently: Not yet submitted" in en and "/mute" in en


def test_english_users_get_chinese_without_text_en(catalog):
    campaign = Campaign(name="c", text="请提交协议。", audience=Audience(levels=("undergraduate",), colleges=("电信学院",)))
    text = render(campaign, match("en", case_status=None), catalog)
    assert "请提交协议。" in text and "你是电信学院本科毕业生" in text


def test_button_offers_the_entry_in_the_language(catalog, kb):
    campaign = Campaign(name="c", text="x", text_en="y", button="dispatch.agreement_stamp")
    zh, en = reply_markup(campaign, 7, kb, False), reply_markup(campaign, 7, kb, True)
    assert zh["inline_keyboard"][0][0] == {"text": kb.entries["dispatch.agreement_stamp"].title, "callback_data": "cmp:7"}
    assert en["inline_keyboard"][0][0]["text"] == kb.entries["dispatch.agreement_stamp"].title_en
    assert reply_markup(Campaign(name="c", text="x"), 7, kb, False) is None
