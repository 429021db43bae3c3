"""Splitting, parsing Rasa turns, and fitting button payloads into 64 bytes of callback data."""

from __future__ import annotations

import json

from bot.replies import CallbackCodec, parse_turn, split_text, without_feedback_row


def test_split_keeps_short_text_whole():
    assert split_text("你好") == ["你好"]
    assert split_text("   ") == []


def test_split_at_paragraph_boundaries():
    paragraphs = ["甲" * 3000, "乙" * 3000, "丙" * 100]
    chunks = split_text("\n\n".join(paragraphs))
    assert chunks == ["甲" * 3000, "乙" * 3000 + "\n\n" + "丙" * 100]


def test_split_falls_back_to_lines_sentences_then_hard_cut():
    lines = "\n".join(["行" * 1000] * 6)
    assert all(len(c) <= 4096 for c in split_text(lines))
    assert "".join(split_text(lines)).replace("\n", "") == "行" * 6000
    sentences = "。".join(["句" * 999] * 10)
    chunks = split_text(sentences)
    assert all(len(c) <= 4096 and c.endswith("。") for c in chunks[:-1])
    solid = "字" * 10_000
    assert [len(c) for c in split_text(solid)] == [4096, 4096, 1808]


def test_parse_turn_hides_the_gradbot_payload():
    turn = parse_turn([
        {"recipient_id": "1", "text": "答案"},
        {"recipient_id": "1", "custom": {"gradbot": {"outcome": "faq", "faq_id": "dispatch.agreement_stamp"}}},
        {"recipient_id": "1", "custom": {"something": "for another channel"}},
    ])
    assert [m.text for m in turn.messages] == ["答案"]
    assert (turn.outcome, turn.faq_id) == ("faq", "dispatch.agreement_stamp")


def test_parse_turn_buttons_and_missing_payload():
    turn = parse_turn([{"text": "选一个", "buttons": [{"title": "A", "payload": "/a"}, {"title": "broken"}]}])
    assert [(b.title, b.payload) for b in turn.messages[0].buttons] == [("A", "/a")]
    assert turn.outcome is None and turn.gradbot == {}


def test_codec_round_trips_every_payload_within_64_bytes():
    codec = CallbackCodec()
    payloads = [
        "/greet",
        '/choose_faq{"faq_id":"dispatch.destination_registration"}',
        '/choose_faq{"faq_id":"shanghai.settlement_points_and_household_registration_rules"}',
        '/inform{"topic":"' + "很长的中文参数" * 10 + '"}',
    ]
    for payload in payloads:
        data = codec.encode(payload)
        assert len(data.encode("utf-8")) <= 64
        decoded = codec.decode(data)
        if data.startswith("f:"):
            assert json.loads(decoded[len("/choose_faq"):]) == json.loads(payload[len("/choose_faq"):])
        else:
            assert decoded == payload


def test_choose_faq_buttons_survive_a_restart_but_hashed_ones_expire():
    long_faq = '/choose_faq{"faq_id":"shanghai.settlement_points_and_household_registration_rules"}'
    other = '/inform{"topic":"' + "很长的中文参数" * 10 + '"}'
    first, second = CallbackCodec(), CallbackCodec()  # second = after a restart
    assert second.decode(first.encode(long_faq)) == long_faq
    assert second.decode(first.encode(other)) is None
    assert second.decode("garbage") is None


def test_feedback_data_and_row_removal():
    codec = CallbackCodec()
    assert CallbackCodec.parse_feedback(CallbackCodec.feedback_data(42, True)) == (42, True)
    assert CallbackCodec.parse_feedback("fb:42:down") == (42, False)
    assert CallbackCodec.parse_feedback("fb:x:up") is None and CallbackCodec.parse_feedback("p:/greet") is None
    from bot.replies import Button

    markup = codec.keyboard([Button("A", "/a")], feedback_log_id=7)
    assert len(markup.inline_keyboard) == 2
    remaining = without_feedback_row(markup)
    assert [[b.text for b in row] for row in remaining.inline_keyboard] == [["A"]]
    assert without_feedback_row(codec.keyboard([], feedback_log_id=7)) is None


def test_paragraphs_split_by_rasa_are_joined_into_one_message() -> None:
    from bot.replies import parse_turn

    turn = parse_turn([
        {"text": "answer"}, {"text": "📍 contact"}, {"text": "🕒 date"},
        {"text": "您是想问：", "buttons": [{"title": "A", "payload": "/a"}]},
        {"text": "after buttons"},
        {"custom": {"gradbot": {"outcome": "faq", "faq_id": "a.b"}}},
    ])
    assert [m.text for m in turn.messages] == ["answer\n\n📍 contact\n\n🕒 date\n\n您是想问：", "after buttons"]
    assert turn.messages[0].buttons[0].payload == "/a" and turn.faq_id == "a.b"
