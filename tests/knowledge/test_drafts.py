"""Drafts in ``policies/_drafts.yml``: added safely, kept with staff's comments, validated, listed."""

from __future__ import annotations

import multiprocessing
from pathlib import Path

import pytest
import yaml

from gradbot.knowledge.checker import check_directory
from gradbot.knowledge.drafts import DraftsError, add_draft, drafts_path, list_drafts, parse_drafts_file


def test_first_draft_creates_the_file_and_reads_back(tmp_path):
    draft_id = add_draft(tmp_path, topic="dispatch", questions=["推荐表  在哪里盖章", " "],
                         answer="到学院盖章。\n然后交205室。", origin="review")
    drafts = list_drafts(tmp_path)
    assert [d.id for d in drafts] == [draft_id] and draft_id.startswith("draft-")
    draft = drafts[0]
    assert draft.topic == "dispatch" and draft.questions == ("推荐表 在哪里盖章",)
    assert draft.answer == "到学院盖章。\n然后交205室。" and draft.origin == "review"
    assert draft.created.endswith("+08:00")  # Beijing time
    assert drafts_path(tmp_path).read_text(encoding="utf-8").startswith("# ")  # the header tells staff what it is


def test_existing_content_and_comments_are_kept(tmp_path):
    original = ("# 老师的备注：每周一审核\ndrafts:\n  # 这条等王老师确认\n  - id: old-one\n    topic:\n"
                "    questions:\n      - 旧问题\n    answer: 旧回答\n    origin: handoff\n# 文件末尾的注释\n")
    drafts_path(tmp_path).write_text(original, encoding="utf-8")
    new_id = add_draft(tmp_path, topic=None, questions=['带"引号"和: 冒号的问题', "- 以横线开头"], answer="", origin="handoff:42")
    text = drafts_path(tmp_path).read_text(encoding="utf-8")
    assert text.startswith(original)
    drafts = list_drafts(tmp_path)
    assert [d.id for d in drafts] == ["old-one", new_id]
    assert drafts[1].questions == ('带"引号"和: 冒号的问题', "- 以横线开头") and drafts[1].topic is None


@pytest.mark.parametrize("start", ["drafts:\n", "drafts: []\n", "drafts:\n- id: a\n  questions: [x]\n  answer: y\n"])
def test_empty_or_zero_indented_lists_are_extended(tmp_path, start):
    drafts_path(tmp_path).write_text(start, encoding="utf-8")
    new_id = add_draft(tmp_path, topic="general", questions=["问题"], answer="回答", origin="review")
    assert list_drafts(tmp_path)[-1].id == new_id


def test_a_broken_file_is_never_overwritten(tmp_path):
    broken = "drafts:\n  - id: a\n    questions: [x\n"
    drafts_path(tmp_path).write_text(broken, encoding="utf-8")
    with pytest.raises(DraftsError, match="gradbot kb check"):
        add_draft(tmp_path, topic=None, questions=["问题"], answer="", origin="review")
    assert drafts_path(tmp_path).read_text(encoding="utf-8") == broken


def test_a_draft_needs_a_question(tmp_path):
    with pytest.raises(DraftsError):
        add_draft(tmp_path, topic=None, questions=["  "], answer="x", origin="review")
    assert not drafts_path(tmp_path).exists()


def _add_many(args: tuple[str, int]) -> list[str]:
    directory, worker = args
    return [add_draft(Path(directory), topic=None, questions=[f"问题 {worker}-{i}"], answer="a", origin="test") for i in range(5)]


def test_concurrent_writers_lose_nothing(tmp_path):
    with multiprocessing.get_context("fork").Pool(4) as pool:
        ids = [i for batch in pool.map(_add_many, [(str(tmp_path), w) for w in range(4)]) for i in batch]
    assert sorted(d.id for d in list_drafts(tmp_path)) == sorted(ids) and len(ids) == 20


def test_kb_check_reports_draft_problems_with_line(tmp_path):
    (tmp_path / "general.yml").write_text("topic: general\ntopic_name: 综合\nentries: []\n", encoding="utf-8")
    drafts_path(tmp_path).write_text("drafts:\n  - id: a\n    topic: nosuch\n    questions: [q1]\n    answer: x\n"
                                     "  - id: a\n    questions: [q]\n    answer: y\n"
                                     "  - id: b\n    questions: []\n    answer: z\n", encoding="utf-8")
    problems = [str(p) for p in check_directory(tmp_path).problems]
    assert any("_drafts.yml:3:" in p and "nosuch" in p and "警告" in p for p in problems)
    assert any("_drafts.yml:6:" in p and "草稿 id 重复" in p and "错误" in p for p in problems)
    assert any("_drafts.yml:10:" in p and "至少要有一个问法" in p for p in problems)


def test_drafts_are_never_served(tmp_path):
    from gradbot.knowledge.loader import load_directory

    (tmp_path / "general.yml").write_text("topic: general\ntopic_name: 综合\nentries: []\n", encoding="utf-8")
    add_draft(tmp_path, topic="general", questions=["草稿问题"], answer="草稿回答", origin="review")
    kb, problems = load_directory(tmp_path)
    assert kb.entries == {} and not [p for p in problems if p.file.endswith("_drafts.yml")]
    assert yaml.safe_load(drafts_path(tmp_path).read_text(encoding="utf-8"))["drafts"][0]["answer"].strip() == "草稿回答"
    assert parse_drafts_file(tmp_path).ok


def test_a_draft_of_a_topic_whose_file_has_an_error_is_not_warned_about(tmp_path):
    (tmp_path / "general.yml").write_text("topic: general\ntopic_name： 综合\nentries: []\n", encoding="utf-8")  # full-width colon
    add_draft(tmp_path, topic="general", questions=["校园卡丢了"], answer="a", origin="test")
    problems = [str(p) for p in check_directory(tmp_path).problems]
    assert any("general.yml:2:" in p and "中文冒号" in p for p in problems)
    assert not any("没有对应的主题文件" in p for p in problems), problems
