"""``gradbot kb check`` logic: errors, stale entries, near-duplicate and misrouted questions."""

from __future__ import annotations

import datetime as dt

from gradbot.knowledge import checker
from gradbot.knowledge.checker import check_directory, near_duplicate_questions, stale_entries
from gradbot.knowledge.loader import load_directory
from kb_samples import DISPATCH, RECRUIT


def test_clean_directory(policies):
    report = check_directory(policies, stale_days=100_000)
    assert (report.error_count, report.warning_count, report.entry_count, report.file_count) == (0, 0, 3, 2)


def test_stale_entries_are_warned_with_their_line(policies):
    kb, _ = load_directory(policies)
    warnings = stale_entries(kb, stale_days=30, today=dt.date(2026, 12, 15))
    assert sorted(p.entry_id for p in warnings) == ["dispatch.agreement_stamp", "dispatch.archive_transfer", "recruit.job_fair"]
    assert all(p.severity == "warning" and "已 44 天未核对" in p.message and p.line > 0 for p in warnings)
    assert stale_entries(kb, stale_days=60, today=dt.date(2026, 12, 15)) == []


def test_near_duplicate_questions_under_two_ids(policies):
    (policies / "recruit.yml").write_text(RECRUIT.replace("- 宣讲会信息在哪看", "- 三方协议在哪里盖章啊"), encoding="utf-8")
    kb, _ = load_directory(policies)
    (warning,) = near_duplicate_questions(kb)
    assert warning.entry_id == "recruit.job_fair" and warning.severity == "warning"
    assert "三方协议在哪里盖章啊" in warning.message and "dispatch.agreement_stamp" in warning.message


def test_similar_questions_under_one_id_are_fine(policies):
    (policies / "dispatch.yml").write_text(DISPATCH.replace("- 三方协议盖章的顺序是什么", "- 三方协议在哪里盖章啊"), encoding="utf-8")
    kb, _ = load_directory(policies)
    assert near_duplicate_questions(kb) == []


def test_errors_are_counted_and_sorted_by_file_and_line(policies):
    (policies / "recruit.yml").write_text(RECRUIT.replace("updated: 2026-11-01", "updated: 2026-02-30"), encoding="utf-8")
    (policies / "dispatch.yml").write_text(DISPATCH.replace("contact: guidance_205", "contact: room_999", 1), encoding="utf-8")
    report = check_directory(policies, stale_days=100_000)
    assert report.error_count == 2
    assert [(p.file.rsplit("/", 1)[-1], p.entry_id) for p in report.problems] == [
        ("dispatch.yml", "dispatch.agreement_stamp"), ("recruit.yml", "recruit.job_fair")]
    assert "room_999" in str(report.problems[0]) and "dispatch.yml:4:" in str(report.problems[0])
    assert "recruit.yml:12:" in str(report.problems[1])


class _FakeModel:
    """Sends every question about 招聘/宣讲 to ask_recruit, everything else to ask_dispatch."""

    def classify(self, text: str) -> tuple[str, float]:
        return ("ask_recruit", 0.9) if ("招聘" in text or "宣讲" in text) else ("ask_dispatch", 0.8)


def test_misrouted_questions_with_a_model(policies, monkeypatch):
    from gradbot import nlu_model

    (policies / "recruit.yml").write_text(RECRUIT.replace("- 宣讲会信息在哪看", "- 单位来学校的时间表"), encoding="utf-8")
    monkeypatch.setattr(nlu_model.NluModel, "load_latest", classmethod(lambda cls: _FakeModel()))
    report = check_directory(policies, stale_days=100_000, with_model=True)
    (warning,) = report.problems
    assert warning.entry_id == "recruit.job_fair" and "单位来学校的时间表" in warning.message
    assert "ask_dispatch" in warning.message and warning.severity == "warning"


def test_with_model_but_no_trained_model(policies, monkeypatch):
    from gradbot import nlu_model

    monkeypatch.setattr(nlu_model.NluModel, "load_latest", classmethod(lambda cls: None))
    (warning,) = checker.misrouted_questions(load_directory(policies)[0])
    assert "gradbot train" in warning.message


class _NoisyModel(_FakeModel):
    """Logs and prints like Rasa and TensorFlow do, at every level of the process."""

    def classify(self, text: str) -> tuple[str, float]:
        import logging
        import os
        import sys
        import warnings

        print("processor.message.parse debug output")
        print("tensorflow notice", file=sys.stderr)
        os.write(1, b"C++ stdout line\n")
        os.write(2, b"C++ stderr line\n")
        logging.getLogger("rasa.core.processor").error("rasa log line")
        warnings.warn("deprecated thing", stacklevel=2)
        return super().classify(text)


def test_model_output_is_silenced_and_only_findings_remain(policies, monkeypatch, capfd):
    from gradbot import nlu_model

    def load_latest(cls):
        print("Loading model ...")
        return _NoisyModel()

    (policies / "recruit.yml").write_text(RECRUIT.replace("- 宣讲会信息在哪看", "- 单位来学校的时间表"), encoding="utf-8")
    monkeypatch.setattr(nlu_model.NluModel, "load_latest", classmethod(load_latest))
    report = check_directory(policies, stale_days=100_000, with_model=True)
    out, err = capfd.readouterr()
    assert (out, err) == ("", "")
    assert [p.entry_id for p in report.problems] == ["recruit.job_fair"]
    print("after")  # output works again
    assert capfd.readouterr().out == "after\n"


def test_case_types_and_contacts_problems_are_in_the_report(policies):
    from kb_samples import CASE_TYPES

    (policies / "_case_types.yml").write_text(CASE_TYPES + "  talent:\n    name: 人才认定\n    statuses: [已提交\n", encoding="utf-8")
    (policies / "_contacts.yml").write_text("contacts:\n  guidance_205:\n    room: '205'\n", encoding="utf-8")
    report = check_directory(policies, stale_days=100_000)
    where = {(p.file.rsplit("/", 1)[-1], p.line) for p in report.problems if p.severity == "error"}
    assert ("_contacts.yml", 2) in where and any(name == "_case_types.yml" and line >= 15 for name, line in where)


def test_contact_placeholders_are_warned_with_their_line(policies):
    from kb_samples import CONTACTS

    (policies / "_contacts.yml").write_text(CONTACTS + "    phone: 待确认（请管理员填写）  # TODO\n", encoding="utf-8")
    report = check_directory(policies, stale_days=100_000)
    placeholders = [p for p in report.problems if "还没有填写" in p.message]
    assert [(p.line, p.severity) for p in placeholders] == [(8, "warning")]
    assert "market_office" in placeholders[0].message and "phone" in placeholders[0].message
    assert report.error_count == 0


def test_editor_notes_in_answers_are_warned_with_their_line(policies):
    dispatch = policies / "dispatch.yml"
    text = dispatch.read_text(encoding="utf-8").replace(
        "      先单位盖章，再学院签意见，最后到205室盖学校鉴证章。\n",
        "      先单位盖章，再学院签意见，最后到205室盖学校鉴证章。\n      交大的具体顺序尚未确认（TODO）。\n"
        "    answer_en: |\n      The order at XJTU is not confirmed.\n")
    dispatch.write_text(text, encoding="utf-8")
    report = check_directory(policies, stale_days=100_000)
    notes = [p for p in report.problems if "写给老师自己看的备注" in p.message]
    assert [(p.entry_id, p.line, p.severity) for p in notes] == [
        ("dispatch.agreement_stamp", 12, "warning"), ("dispatch.agreement_stamp", 14, "warning")]
    assert "尚未确认、TODO" in notes[0].message and "answer_en" in notes[1].message and "not confirmed" in notes[1].message
    assert report.error_count == 0


def test_a_note_for_the_student_is_not_an_editor_note(policies):
    dispatch = policies / "dispatch.yml"
    text = dispatch.read_text(encoding="utf-8").replace(
        "      先单位盖章，再学院签意见，最后到205室盖学校鉴证章。\n",
        "      先单位盖章，再学院签意见，最后到205室盖学校鉴证章。\n      具体顺序以学校最新通知为准，请向205室老师确认。\n")
    dispatch.write_text(text, encoding="utf-8")
    assert not [p for p in check_directory(policies, stale_days=100_000).problems if "写给老师自己看的备注" in p.message]


def test_the_shipped_answers_carry_no_editor_notes(shipped_kb):
    from gradbot.knowledge.checker import editor_notes

    assert len(shipped_kb.entries) >= 50
    assert [f"{p.entry_id}: {p.message}" for p in editor_notes(shipped_kb)] == []
