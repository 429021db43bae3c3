"""Scoring of evaluation results (the JSON-line contract of ``gradbot eval``)."""

from __future__ import annotations

from pathlib import Path

import pytest

from gradbot.evaluation import (
    find_leaks,
    is_correct,
    is_wrong_answer,
    load_items,
    overlap_key,
    result_from_messages,
    summarize,
    training_texts,
)
from gradbot.settings import PROJECT_ROOT


def test_knowledge_ids_need_a_faq_answer_with_that_id() -> None:
    assert is_correct(["dispatch.report_card"], "faq", "dispatch.report_card")
    assert not is_correct(["dispatch.report_card"], "clarify", None)
    assert not is_correct(["dispatch.report_card"], "faq", "dispatch.termination")
    assert is_correct(["general.career_counseling", "recruit.job_station"], "faq", "recruit.job_station")


def test_out_of_scope_counts_refusals_and_handoffs() -> None:
    assert is_correct(["@out_of_scope"], "fallback", None)
    assert is_correct(["@out_of_scope"], "handoff", None)
    assert not is_correct(["@out_of_scope"], "faq", "general.guidebook")
    assert is_correct(["@bind"], "bind", None) and not is_correct(["@bind"], "case_status", None)


def test_result_hides_the_payload_and_reads_intent() -> None:
    messages = [
        {"recipient_id": "x", "text": "您是想问：", "buttons": [{"title": "A", "payload": "/a"}]},
        {"recipient_id": "x", "custom": {"gradbot": {"outcome": "clarify", "faq_id": None, "options": ["a.b", "a.c"]}}},
    ]
    result = result_from_messages("q", ["a.b"], messages, {"intent": {"name": "ask_a", "confidence": 0.812345}}, 12.34)
    assert result["outcome"] == "clarify" and result["options"] == ["a.b", "a.c"]
    assert result["reply"] == "您是想问：\n[A]" and result["intent"] == "ask_a" and result["confidence"] == 0.8123
    assert result["correct"] is False and result["expect"] == "a.b"
    assert result["wrong_answer"] is False  # clarifying buttons are not a wrong answer


def test_a_wrong_answer_is_an_entry_that_was_not_expected() -> None:
    assert is_wrong_answer(["a.b"], "faq", "a.c")
    assert is_wrong_answer(["@out_of_scope"], "faq", "a.b")
    assert is_wrong_answer(["@greet"], "faq", "a.b")
    assert not is_wrong_answer(["a.b", "a.c"], "faq", "a.c")
    assert not is_wrong_answer(["a.b"], "fallback", None)
    assert not is_wrong_answer(["a.b"], "clarify", None)
    assert not is_wrong_answer(["@out_of_scope"], "handoff", None)


def test_summary_figures() -> None:
    rows = [
        {"expect": "a.b", "outcome": "faq", "correct": True, "latency_ms": 10},
        {"expect": "a.c", "outcome": "fallback", "correct": False, "latency_ms": 20},
        {"expect": "@out_of_scope", "outcome": "fallback", "correct": True, "latency_ms": 30},
        {"expect": "@greet", "outcome": "greet", "correct": True, "latency_ms": 40},
    ]
    summary = summarize(rows)
    assert summary["n"] == 4 and summary["accuracy"] == 0.75 and summary["faq_top1"] == 0.5
    assert summary["out_of_scope_refused"] == 1.0 and summary["false_fallback"] == 0.5
    assert summary["wrong_answer_rate"] == 0.0
    assert summary["p50_ms"] in (20, 30) and summary["p95_ms"] == 40


def test_answered_or_offered_counts_buttons_that_hold_an_expected_entry() -> None:
    rows = [
        {"expect": "a.b", "outcome": "faq", "faq_id": "a.b", "correct": True, "latency_ms": 1},
        {"expect": ["a.b", "a.c"], "outcome": "clarify", "options": ["a.d", "a.c"], "correct": False, "latency_ms": 1},
        {"expect": "a.b", "outcome": "clarify", "options": ["a.d"], "correct": False, "latency_ms": 1},
        {"expect": "a.b", "outcome": "fallback", "correct": False, "latency_ms": 1},
        {"expect": "@out_of_scope", "outcome": "clarify", "options": ["a.b"], "correct": False, "latency_ms": 1},
    ]
    summary = summarize(rows)
    assert summary["faq_answered_or_offered"] == 0.5  # 2 of the 4 questions that expect an entry
    assert summary["faq_top1"] == 0.25 and summary["accuracy"] == 0.2  # buttons never count as right


def test_wrong_answer_rate_counts_wrong_entries_over_all_questions() -> None:
    rows = [
        {"expect": "a.b", "outcome": "faq", "faq_id": "a.b", "correct": True, "latency_ms": 1},
        {"expect": "a.b", "outcome": "faq", "faq_id": "a.c", "correct": False, "latency_ms": 1},
        {"expect": "@out_of_scope", "outcome": "faq", "faq_id": "a.b", "correct": False, "latency_ms": 1},
        {"expect": ["a.b", "a.c"], "outcome": "clarify", "faq_id": None, "correct": False, "latency_ms": 1},
    ]
    summary = summarize(rows)
    assert summary["wrong_answer_rate"] == 0.5 and summary["accuracy"] == 0.25
    assert summary["out_of_scope_refused"] == 0.0


def test_overlap_key_ignores_script_width_case_spaces_and_punctuation() -> None:
    assert overlap_key("簽了三方協議 不去怎麼辦？") == overlap_key("签了三方协议不去怎么办?")
    assert overlap_key("Where is my FILE?") == overlap_key("where is my file")
    assert overlap_key("，。！？") == ""


def test_leaks_are_found_as_whole_lines_and_inside_longer_lines(tmp_path: Path) -> None:
    nlu, policies = tmp_path / "nlu", tmp_path / "policies"
    nlu.mkdir()
    policies.mkdir()
    (nlu / "a.yml").write_text('version: "3.1"\nnlu:\n- intent: x\n  examples: |\n    - 請問：档案能打开吗？谢谢\n', encoding="utf-8")
    (nlu / "lookup.txt").write_text("违约金一般是多少\n", encoding="utf-8")
    (policies / "t.yml").write_text("entries:\n  - id: t.a\n    answer: 你问三方协议是劳动关系吗，不是。\n", encoding="utf-8")
    texts = training_texts(nlu, policies)
    leaks = {question for question, _, _ in find_leaks(["档案能打开吗", "违约金一般是多少", "三方协议是劳动关系吗?", "完全无关的问题"], texts)}
    assert leaks == {"档案能打开吗", "违约金一般是多少", "三方协议是劳动关系吗?"}


def test_the_project_evaluation_set_is_valid_and_covers_every_entry() -> None:
    from gradbot.knowledge.loader import load_directory

    items = load_items(PROJECT_ROOT / "tests" / "eval" / "questions.yml")
    # entries added in issue 8 are covered by the team's development set, not the original set
    dev_items = load_items(PROJECT_ROOT / "tests" / "eval" / "dev_questions.yml")
    kb, _ = load_directory(PROJECT_ROOT / "policies")
    expected = {e for item in items for e in item.expect}
    dev_expected = {e for item in dev_items for e in item.expect}
    assert len(items) >= 200
    assert set(kb.entries) <= expected | dev_expected
    assert {"@out_of_scope", "@case_status", "@bind", "@handoff", "@greet", "@thanks", "@goodbye"} <= expected
    assert {e for e in expected | dev_expected if not e.startswith("@")} <= set(kb.entries)


def test_bad_evaluation_file_is_refused_clearly(tmp_path: Path) -> None:
    path = tmp_path / "bad.yml"
    path.write_text("- text: hi\n", encoding="utf-8")
    with pytest.raises(ValueError, match="item 1"):
        load_items(path)


def test_the_english_set_is_valid_and_stays_out_of_training(tmp_path: Path) -> None:
    """tests/eval/english_questions.yml: known labels, plain English, and not trained on."""
    from gradbot.knowledge.loader import load_directory
    from gradbot.settings import Settings
    from gradbot.textnorm import is_mostly_english
    from gradbot.training import write_kb_nlu

    items = load_items(PROJECT_ROOT / "tests" / "eval" / "english_questions.yml")
    kb, _ = load_directory(PROJECT_ROOT / "policies")
    assert 20 <= len(items) <= 40 and all(is_mostly_english(item.text) for item in items)
    assert {e for item in items for e in item.expect} - set(kb.entries) == {"@out_of_scope"}
    kb_nlu = tmp_path / "kb_nlu.yml"
    write_kb_nlu(Settings(project_root=PROJECT_ROOT, policies_dir=PROJECT_ROOT / "policies"), kb_nlu)
    texts = training_texts(PROJECT_ROOT / "nlu_data", PROJECT_ROOT / "policies", [kb_nlu])
    assert not find_leaks([item.text for item in items], texts)


def test_same_question_is_equal_contained_or_nearly_copied_but_not_a_shared_fragment() -> None:
    from gradbot.evaluation import same_question

    assert same_question("三方协议在哪盖章？", "三方协议在哪盖章")
    assert same_question("三方协议在哪盖章", "请问三方协议在哪盖章？谢谢")
    assert same_question("毕业后档案应该放在哪里呢", "毕业后档案应该放在哪里啊")
    assert not same_question("hi", "Which office handles this?")
    assert not same_question("丢了", "档案寄丢了怎么办")
    assert same_question("hi", "Hi!")
