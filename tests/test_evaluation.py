"""Scoring of evaluation results (the JSON-line contract of ``gradbot eval``)."""

from __future__ import annotations

from pathlib import Path

import pytest

from gradbot.evaluation import is_correct, load_items, result_from_messages, summarize
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
    assert summary["p50_ms"] in (20, 30) and summary["p95_ms"] == 40


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
