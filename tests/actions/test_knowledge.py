"""The knowledge-base actions with rasa_sdk's CollectingDispatcher and hand-built trackers."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.knowledge import ActionAnswerFaq, ActionFallback, choose_faq_payload
from actions.small_talk import ActionSmallTalk


def tracker(text: str, ranking: dict[str, float], entities: list | None = None) -> Tracker:
    top = max(ranking, key=ranking.get)
    latest = {
        "text": text,
        "intent": {"name": top, "confidence": ranking[top]},
        "intent_ranking": [{"name": n, "confidence": c} for n, c in sorted(ranking.items(), key=lambda x: -x[1])],
        "entities": entities or [],
    }
    return Tracker("tg-7", {}, latest, [{"event": "user", "text": text, "parse_data": latest}], False, None, {}, "action_listen")


def run(action, t: Tracker) -> tuple[list[dict], dict]:
    dispatcher = CollectingDispatcher()
    action.run(dispatcher, t, {})
    payloads = [m["custom"]["gradbot"] for m in dispatcher.messages if m.get("custom")]
    assert len(payloads) == 1 and dispatcher.messages[-1].get("custom"), "exactly one payload, last"
    return [m for m in dispatcher.messages if not m.get("custom")], payloads[0]


def test_answers_the_matching_entry_with_contact_and_date(policies: Path) -> None:
    shown, payload = run(ActionAnswerFaq(), tracker("报到证现在还发吗，丢了能补办吗", {"ask_dispatch": 0.95}))
    assert payload["outcome"] == "faq" and payload["faq_id"] == "dispatch.report_card"
    text = shown[0]["text"]
    assert "📍" in text and "2026-" in text  # contact block and last-checked date
    assert payload["intent"] == "ask_dispatch" and payload["confidence"] == 0.95


def test_english_question_gets_the_english_answer(policies: Path) -> None:
    shown, payload = run(ActionAnswerFaq(), tracker("How do I register online for studying abroad?", {"ask_abroad": 0.9}))
    assert payload["faq_id"] == "abroad.registration"
    assert "Last checked" in shown[0]["text"]


def test_unrelated_text_is_not_answered_confidently(policies: Path) -> None:
    shown, payload = run(ActionAnswerFaq(), tracker("zzzz qqqq", {"ask_general": 0.3, "out_of_scope": 0.3}))
    assert payload["outcome"] == "fallback" and payload["faq_id"] is None
    assert "/human" in shown[0]["text"]


def test_choose_button_answers_that_entry_exactly(policies: Path) -> None:
    entities = [{"entity": "faq_id", "value": "shanghai.timeline"}]
    _, payload = run(ActionAnswerFaq(), tracker('/choose_faq{"faq_id":"shanghai.timeline"}', {"choose_faq": 1.0}, entities))
    assert payload == {**payload, "outcome": "faq", "faq_id": "shanghai.timeline"}


def test_choose_button_for_a_removed_entry_falls_back(policies: Path) -> None:
    entities = [{"entity": "faq_id", "value": "shanghai.gone"}]
    _, payload = run(ActionAnswerFaq(), tracker("/choose_faq", {"choose_faq": 1.0}, entities))
    assert payload["outcome"] == "fallback"


def test_clarify_buttons_are_short_payloads_of_known_entries(policies: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from gradbot.knowledge import answering

    monkeypatch.setattr(answering, "CLARIFY_MARGIN", 10.0)  # force a close call
    shown, payload = run(ActionAnswerFaq(), tracker("上海落户", {"ask_shanghai": 0.8}))
    assert payload["outcome"] == "clarify" and len(payload["options"]) >= 2
    buttons = shown[0]["buttons"]
    assert [json.loads(b["payload"][len("/choose_faq"):])["faq_id"] for b in buttons[:-1]] == payload["options"]
    assert all(len(b["payload"].encode()) <= 64 for b in buttons)
    assert buttons[-1]["payload"] == "/handoff"


def test_an_edit_takes_effect_without_restart(policies: Path) -> None:
    path = policies / "general.yml"
    path.write_text(path.read_text(encoding="utf-8").replace("entries:", """entries:
  - id: general.parking
    title: 校内停车
    questions: [来中心办事车停哪里, 就创中心附近哪里能停车, 开车去205室停车场在哪]
    answer: 测试用停车说明。
    contact: guidance_205
    source: test
    updated: 2026-11-01
""", 1), encoding="utf-8")
    _, payload = run(ActionAnswerFaq(), tracker("去205办事开车的话停哪里", {"ask_general": 0.9}))
    assert payload["faq_id"] == "general.parking"


def test_a_broken_edit_keeps_the_last_good_version(policies: Path) -> None:
    run(ActionAnswerFaq(), tracker("报到证还需要吗", {"ask_dispatch": 0.9}))  # loads the good version
    (policies / "dispatch.yml").write_text("topic: dispatch\nentries:\n  - id: [broken\n", encoding="utf-8")
    _, payload = run(ActionAnswerFaq(), tracker("报到证还需要吗", {"ask_dispatch": 0.9}))
    assert payload["faq_id"] == "dispatch.report_card"


def test_fallback_says_what_the_assistant_covers(policies: Path) -> None:
    shown, payload = run(ActionFallback(), tracker("食堂几点开门", {"out_of_scope": 0.9}))
    assert payload["outcome"] == "fallback"
    assert "上海落户" in shown[0]["text"]


def test_choose_faq_payload_fits_telegram_callback_data() -> None:
    assert len(choose_faq_payload("dispatch.destination_registration").encode()) <= 64


@pytest.mark.parametrize("intent,outcome", [("greet", "greet"), ("thanks", "thanks"), ("goodbye", "goodbye"),
                                            ("bot_challenge", "bot_challenge"), ("help", "other")])
def test_small_talk_uses_domain_responses(intent: str, outcome: str) -> None:
    dispatcher = CollectingDispatcher()
    ActionSmallTalk().run(dispatcher, tracker("你好", {intent: 0.99}), {})
    assert dispatcher.messages[0]["response"] == f"utter_{intent}"
    assert dispatcher.messages[-1]["custom"]["gradbot"]["outcome"] == outcome


def test_small_talk_in_english_uses_english_responses() -> None:
    dispatcher = CollectingDispatcher()
    ActionSmallTalk().run(dispatcher, tracker("hello there", {"greet": 0.99}), {})
    assert dispatcher.messages[0]["response"] == "utter_greet_en"


def test_fallback_answers_an_entry_it_matches_closely(policies: Path) -> None:
    path = policies / "general.yml"
    path.write_text(path.read_text(encoding="utf-8").replace("entries:", """entries:
  - id: general.campus_card
    title: 毕业离校校园卡
    questions: [毕业了校园卡里的钱怎么退, 离校时校园卡余额能退吗]
    answer: 测试用校园卡说明。
    contact: guidance_205
    source: test
    updated: 2026-11-01
""", 1), encoding="utf-8")
    shown, payload = run(ActionFallback(), tracker("毕业了校园卡里的钱怎么退呀", {"out_of_scope": 0.9}))
    assert payload["outcome"] == "faq" and payload["faq_id"] == "general.campus_card"


def test_a_bare_topic_word_is_answered_with_choices(policies: Path) -> None:
    shown, payload = run(ActionAnswerFaq(), tracker("三方", {"ask_dispatch": 0.99}))
    assert payload["outcome"] == "clarify" and len(payload["options"]) == 3
    assert all(option.startswith("dispatch.") for option in payload["options"])


def test_a_short_but_specific_question_is_answered(policies: Path) -> None:
    _, payload = run(ActionAnswerFaq(), tracker("报到证", {"ask_dispatch": 0.99}))
    assert payload["outcome"] == "faq" and payload["faq_id"] == "dispatch.report_card"


def followup_tracker(text: str, ranking: dict[str, float], previous_faq: str) -> Tracker:
    """A tracker whose previous turn answered ``previous_faq``."""
    t = tracker(text, ranking)
    before = [
        {"event": "user", "text": "上一个问题"},
        {"event": "bot", "data": {"custom": {"gradbot": {"outcome": "faq", "faq_id": previous_faq}}}},
    ]
    return Tracker(t.sender_id, {}, t.latest_message, before + t.events, False, None, {}, "action_listen")


def test_another_city_is_not_answered_with_shanghai(policies: Path) -> None:
    _, payload = run(ActionAnswerFaq(), tracker("拉萨毕业生落户条件是什么", {"ask_shanghai": 0.9}))
    assert payload["faq_id"] not in {"shanghai.eligibility", "shanghai.scoring", "shanghai.timeline"}
    # the entry bound to that city answers, whatever topic the model guessed
    assert payload["outcome"] == "faq" and payload["faq_id"] == "general.other_city_settlement"


def test_another_citys_settlement_is_not_our_graduates_hukou_entry(policies: Path) -> None:
    _, payload = run(ActionAnswerFaq(), tracker("户口想迁到海口，需要什么条件", {"ask_dispatch": 0.99}))
    assert payload["faq_id"] == "general.other_city_settlement"
    # a place named beside another subject does not pull in the other-cities entry
    _, payload = run(ActionAnswerFaq(), tracker("有没有宁波的专场招聘会", {"ask_recruit": 0.99}))
    assert payload["faq_id"] != "general.other_city_settlement" and "general.other_city_settlement" not in payload["options"]


@pytest.mark.parametrize("text", ["二手房网签在哪里办", "租房合同提前解约违约金怎么算", "电子税务局的三方协议怎么签"])
def test_another_fields_contract_is_refused(policies: Path, text: str) -> None:
    _, payload = run(ActionAnswerFaq(), tracker(text, {"ask_dispatch": 0.99}))
    assert payload["outcome"] == "fallback"


def test_another_universitys_procedure_is_refused(policies: Path) -> None:
    shown, payload = run(ActionAnswerFaq(), tracker("西北工业大学的三方协议在哪盖章", {"ask_dispatch": 0.95}))
    assert payload["outcome"] == "fallback" and "/human" in shown[0]["text"]


@pytest.mark.parametrize("text", ["丢", "我的耳机丢了", "章鱼小丸子好吃吗", "档派协三户"])
def test_shared_characters_do_not_carry_an_answer(policies: Path, text: str) -> None:
    _, payload = run(ActionAnswerFaq(), tracker(text, {"ask_dispatch": 0.8}))
    assert payload["outcome"] != "faq"


def test_a_declared_not_for_phrase_keeps_the_entry_away(policies: Path) -> None:
    _, payload = run(ActionAnswerFaq(), tracker("入党申请书怎么写", {"ask_general": 0.7}))
    assert payload["faq_id"] != "general.party_transfer"


def test_a_followup_gets_the_narrower_entry_not_the_same_answer(policies: Path) -> None:
    text = "那违约金要交多少钱"
    _, payload = run(ActionAnswerFaq(), followup_tracker(text, {"ask_dispatch": 0.95}, "dispatch.termination"))
    assert payload["outcome"] == "faq" and payload["faq_id"] == "dispatch.breach_penalty"


def test_previous_faq_is_read_only_from_the_turn_before(policies: Path) -> None:
    from actions.knowledge import previous_faq_id

    assert previous_faq_id(followup_tracker("x", {"ask_dispatch": 0.9}, "dispatch.termination")) == "dispatch.termination"
    assert previous_faq_id(tracker("x", {"ask_dispatch": 0.9})) is None


def test_a_named_companys_hiring_is_not_the_job_fair_entry(policies: Path) -> None:
    _, payload = run(ActionAnswerFaq(), tracker("华为今年秋招什么时候笔试", {"ask_recruit": 0.95}))
    assert payload["outcome"] == "fallback"


def test_new_subjects_are_answered(policies: Path) -> None:
    _, payload = run(ActionAnswerFaq(), tracker("档案自己拿着好几年了，会不会成死档", {"ask_dispatch": 0.95}))
    assert payload["faq_id"] == "dispatch.archive_storage"
    _, payload = run(ActionAnswerFaq(), tracker("杭州落户要什么条件", {"ask_general": 0.9}))
    assert payload["faq_id"] == "general.other_city_settlement"


def test_weak_evidence_gets_buttons_not_an_answer(policies: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    text, ranking = "报到证现在还发吗，丢了能补办吗", {"ask_dispatch": 0.95}
    _, payload = run(ActionAnswerFaq(), tracker(text, ranking))
    assert payload["outcome"] == "faq"
    monkeypatch.setattr("gradbot.knowledge.answering.ANSWER_PROBABILITY", 1.0)  # no evidence is strong enough
    shown, payload = run(ActionAnswerFaq(), tracker(text, ranking))
    assert payload["outcome"] == "clarify" and payload["options"][0] == "dispatch.report_card"
    assert shown[0]["buttons"][-1]["payload"] == "/handoff"


def test_another_places_local_rules_are_refused_with_where_to_ask(policies: Path) -> None:
    shown, payload = run(ActionAnswerFaq(), tracker("北京失业金领取标准是多少", {"ask_general": 0.95}))
    assert payload["outcome"] == "fallback"
    assert "北京当地的规定" in shown[0]["text"] and "/human" in shown[0]["text"]
    # the same subject without another place is answered
    _, payload = run(ActionAnswerFaq(), tracker("失业金领取标准是多少", {"ask_general": 0.95}))
    assert payload["outcome"] == "faq" and payload["faq_id"] == "general.unemployment_benefit"
    # also when the model already called it out of scope
    shown, _ = run(ActionFallback(), tracker("北京失业金领取标准是多少", {"out_of_scope": 0.95}))
    assert "北京当地的规定" in shown[0]["text"]
    shown, _ = run(ActionFallback(), tracker("食堂几点开门", {"out_of_scope": 0.95}))
    assert "当地" not in shown[0]["text"] and "其他学校" not in shown[0]["text"]


def test_another_universitys_procedure_says_where_to_ask(policies: Path) -> None:
    shown, _ = run(ActionFallback(), tracker("西北工业大学的三方协议在哪盖章", {"out_of_scope": 0.9}))
    assert "其他学校" in shown[0]["text"]
    shown, _ = run(ActionFallback(), tracker("Where can I study for a master's at Tsinghua?", {"out_of_scope": 0.9}))
    assert "another university" in shown[0]["text"]
