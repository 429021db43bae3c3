"""The commonest hand-editing slips are named at their line, with what to do."""

from __future__ import annotations

import yaml

from gradbot.knowledge.loader import parse_topic_file
from gradbot.knowledge.slips import continuation_hint, entry_above, layout_slips
from kb_samples import CASE_TYPES, CONTACTS, DISPATCH, RECRUIT


def _line_of(text: str, needle: str) -> int:
    """The first line that is ``needle``, else the first that contains it."""
    lines = text.splitlines()
    exact = [i for i, line in enumerate(lines, start=1) if line == needle]
    return exact[0] if exact else next(i for i, line in enumerate(lines, start=1) if needle in line)


def test_clean_files_have_no_slips():
    for text in (DISPATCH, RECRUIT, CONTACTS, CASE_TYPES):
        assert layout_slips(text) == []


def test_project_files_have_no_slips():
    from gradbot.settings import PROJECT_ROOT

    for path in sorted((PROJECT_ROOT / "policies").glob("*.yml")):
        assert layout_slips(path.read_text(encoding="utf-8")) == [], path


def test_one_space_too_far_or_too_little():
    cases = {  # (line as written, what it replaces) -> the words the message must have
        ("     questions:", "    questions:"): "缩进多了 1 个空格（5 个空格）",
        ("   questions:", "    questions:"): "缩进少了 1 个空格（3 个空格）",
        ("       - 毕业后档案怎么转", "      - 毕业后档案怎么转"): "缩进多了 1 个空格（7 个空格）",
        ("     - 毕业后档案怎么转", "      - 毕业后档案怎么转"): "缩进少了 1 个空格（5 个空格）",
        ("   - id: dispatch.archive_transfer", "  - id: dispatch.archive_transfer"): "缩进多了 1 个空格（3 个空格）",
        (" - id: dispatch.archive_transfer", "  - id: dispatch.archive_transfer"): "缩进少了 1 个空格（1 个空格）",
    }
    for (bad, good), words in cases.items():
        text = DISPATCH.replace(good, bad, 1) if good != "    questions:" else _replace_second(DISPATCH, good, bad)
        (slip,) = layout_slips(text)
        assert slip.line == _line_of(text, bad) and words in slip.message and "对齐" in slip.message, (bad, slip)


def _replace_second(text: str, old: str, new: str) -> str:
    first = text.index(old)
    second = text.index(old, first + 1)
    return text[:second] + new + text[second + len(old):]


def test_list_line_one_space_too_far_is_not_glued_silently():
    text = DISPATCH.replace("      - 毕业后档案怎么转", "       - 毕业后档案怎么转")
    yaml.safe_load(text)  # PyYAML accepts it: the question is glued to the one above
    path_problems = layout_slips(text)
    assert [s.line for s in path_problems] == [_line_of(text, "       - 毕业后档案怎么转")]


def test_full_width_colon():
    text = RECRUIT.replace("    contact: market_office", "    contact：market_office")
    (slip,) = layout_slips(text)
    assert slip.line == _line_of(text, "contact：") and "中文冒号" in slip.message and "“contact: ”" in slip.message


def test_text_lines_inside_answer_blocks_are_not_looked_at():
    text = DISPATCH.replace("      先单位盖章，再学院签意见，最后到205室盖学校鉴证章。\n",
                            "      先单位盖章：\n         1. 再学院签意见；\n       - 最后到205室盖章。\n")
    assert layout_slips(text) == []


def test_text_line_that_lost_its_indentation():
    text = DISPATCH.replace("      先单位盖章，再学院签意见，最后到205室盖学校鉴证章。\n",
                            "      先单位盖章，\n再学院签意见，最后到205室盖学校鉴证章。\n")
    number = _line_of(text, "再学院签意见")
    hint = continuation_hint(text, number)
    assert "answer 的文字的延续" in hint and "6 个空格" in hint
    assert continuation_hint(text, _line_of(text, "title:")) == ""
    assert continuation_hint(RECRUIT.replace("    title: 招", "    title 招"), 5) == ""  # a field without ':'


def test_entry_above_names_the_nearest_id_or_settings_key():
    assert entry_above(DISPATCH, _line_of(DISPATCH, "档案寄到哪里了")) == "dispatch.archive_transfer"
    assert entry_above(DISPATCH, 2) == ""
    assert entry_above(CONTACTS, _line_of(CONTACTS, "就业创业中心市场部"), settings_file=True) == "market_office"


def test_loader_reports_the_slip_not_the_parser_message(policies):
    path = policies / "dispatch.yml"
    text = DISPATCH.replace("    contact: guidance_205\n    source: 测试\n    updated: 2026-11-01\n\n",
                            "   contact: guidance_205\n    source: 测试\n    updated: 2026-11-01\n\n", 1)
    path.write_text(text, encoding="utf-8")
    (problem,) = parse_topic_file(path).problems
    assert problem.line == _line_of(text, "   contact: guidance_205") and "少了 1 个空格" in problem.message and problem.entry_id == "dispatch.agreement_stamp"


def test_syntax_error_names_the_entry_and_a_lost_answer_line(policies):
    path = policies / "dispatch.yml"
    text = DISPATCH.replace("    answer: 档案按毕业去向登记的地址机要寄出。\n", "    answer: 档案按毕业去向登记的\n地址机要寄出。\n")
    path.write_text(text, encoding="utf-8")
    (problem,) = parse_topic_file(path).problems
    assert problem.line == _line_of(text, "地址机要寄出") and problem.entry_id == "dispatch.archive_transfer"
    assert "YAML 语法错误" in problem.message and "answer 的文字的延续" in problem.message


def test_text_continuing_a_value_with_a_full_width_colon_is_fine():
    text = RECRUIT.replace("    answer: 请看就业网的招聘日历。\n", "    answer: 请看就业网的招聘日历。\n      Note：以通知为准。\n")
    assert yaml.safe_load(text)["entries"][0]["answer"].endswith("Note：以通知为准。")
    assert layout_slips(text) == []


def test_full_width_colon_after_a_list_items_field_name():
    text = DISPATCH.replace("  - id: dispatch.archive_transfer", "  - id：dispatch.archive_transfer")
    (slip,) = layout_slips(text)  # not "wrong indentation" on every field of the entry
    assert slip.line == _line_of(text, "- id：") and "中文冒号" in slip.message and "“id: ”" in slip.message
    assert entry_above(text, slip.line) == "dispatch.archive_transfer"


def test_question_with_a_full_width_colon_is_fine():
    text = DISPATCH.replace("      - 毕业后档案怎么转", "      - QQ：毕业后档案怎么转")
    assert layout_slips(text) == []
