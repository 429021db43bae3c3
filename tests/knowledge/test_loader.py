"""Parsing and validating knowledge-base files, with line numbers."""

from __future__ import annotations

import datetime as dt

from gradbot.knowledge.loader import load_directory, parse_contacts_file, parse_topic_file, topic_files
from gradbot.settings import PROJECT_ROOT
from kb_samples import DISPATCH, RECRUIT


def _errors(problems):
    return [p for p in problems if p.severity == "error"]


def test_valid_directory(policies):
    kb, problems = load_directory(policies)
    assert problems == []
    assert sorted(kb.entries) == ["dispatch.agreement_stamp", "dispatch.archive_transfer", "recruit.job_fair"]
    assert kb.topics == {"dispatch": "签约与派遣", "recruit": "招聘活动"}
    entry = kb.entries["dispatch.agreement_stamp"]
    assert entry.line == 4 and entry.file.name == "dispatch.yml"
    assert entry.questions[0] == "三方协议在哪里盖章？" and entry.updated == dt.date(2026, 11, 1)
    assert entry.answer.startswith("先单位盖章") and entry.topic == "dispatch"
    assert kb.contacts["guidance_205"].room == "205"
    assert [e.id for e in kb.by_topic("recruit")] == ["recruit.job_fair"]


def test_topic_files_skip_settings_files(policies):
    (policies / "_case_types.yml").write_text("case_types: {}\n", encoding="utf-8")
    assert [p.name for p in topic_files(policies)] == ["dispatch.yml", "recruit.yml"]


def test_yaml_syntax_error_names_the_line(policies):
    path = policies / "dispatch.yml"
    lines = DISPATCH.splitlines()
    lines[6] = '      - "三方协议在哪里盖章'  # unclosed quote on line 7
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    parsed = parse_topic_file(path)
    assert parsed.entries == [] and not parsed.ok
    (problem,) = parsed.problems
    assert problem.file == str(path) and problem.line == 7  # where the quote opens, not the end of the file
    assert "YAML 语法错误" in problem.message and "引号" in problem.message
    assert str(problem).startswith(f"{path}:{problem.line}:")


def test_syntax_errors_name_the_line_and_say_what_to_do(policies):
    path = policies / "recruit.yml"
    cases = {
        "    title: 注意: 招聘会\n": ("title: 招聘会在哪里看", "放在引号里"),
        "\ttitle: x\n": ("    title: 招聘会在哪里看", "不要用 Tab"),
        "    title 招聘会在哪里看\n": ("    title: 招聘会在哪里看", "缺少冒号"),
        "   contact: market_office\n": ("    contact: market_office", "缩进"),
    }
    for bad_line, (replaces, hint) in cases.items():
        lines = RECRUIT.splitlines(keepends=True)
        number = next(i for i, text in enumerate(lines, start=1) if replaces in text)
        lines[number - 1] = bad_line
        path.write_text("".join(lines), encoding="utf-8")
        (problem,) = parse_topic_file(path).problems
        assert problem.line == number and hint in problem.message, (bad_line, problem)


def test_invalid_entry_is_left_out_and_the_rest_kept(policies):
    text = DISPATCH.replace("    contact: guidance_205\n    source: 测试\n    updated: 2026-11-01\n\n",
                            "    contact: guidance_205\n    source: 测试\n    updated: 2026-13-01\n    colour: red\n\n", 1)
    path = policies / "dispatch.yml"
    path.write_text(text, encoding="utf-8")
    parsed = parse_topic_file(path)
    assert [e.id for e in parsed.entries] == ["dispatch.archive_transfer"]
    messages = {(p.line, p.entry_id): p.message for p in parsed.problems}
    assert "updated 应是日期" in messages[(14, "dispatch.agreement_stamp")]
    assert "没有 “colour” 这个字段" in messages[(15, "dispatch.agreement_stamp")]


def test_missing_field_wrong_prefix_and_empty_questions(policies):
    path = policies / "recruit.yml"
    path.write_text(RECRUIT.replace("id: recruit.job_fair", "id: dispatch.job_fair")
                    .replace("    source: 测试\n", "")
                    .replace("    questions:\n      - 最近有什么招聘会\n      - 宣讲会信息在哪看\n", "    questions: []\n"),
                    encoding="utf-8")
    messages = [p.message for p in parse_topic_file(path).problems]
    assert any("缺少字段 source" in m for m in messages)
    assert any("应以本文件的主题 recruit. 开头" in m for m in messages)
    assert any("至少要有一个问法" in m for m in messages)


def test_cross_file_problems(policies):
    (policies / "zzz.yml").write_text(
        RECRUIT.replace("topic: recruit", "topic: zzz").replace("recruit.job_fair", "zzz.fair")
        .replace("contact: market_office", "contact: nobody")
        .replace("- 宣讲会信息在哪看", "- 三方协议在哪里盖章"),
        encoding="utf-8")
    kb, problems = load_directory(policies)
    messages = [p.message for p in _errors(problems)]
    assert any("联系方式 nobody 不在 _contacts.yml 里" in m for m in messages)
    assert any("也出现在 dispatch.agreement_stamp 下" in m for m in messages)


def test_duplicate_id_keeps_the_first(policies):
    (policies / "zzz.yml").write_text(RECRUIT.replace("title: 招聘会在哪里看", "title: 重复"), encoding="utf-8")
    kb, problems = load_directory(policies)
    assert kb.entries["recruit.job_fair"].title == "招聘会在哪里看"
    assert any("id 重复：" in p.message and p.file.endswith("zzz.yml") for p in problems)


def test_not_utf8_and_empty_files(policies):
    bad = policies / "dispatch.yml"
    bad.write_bytes(DISPATCH.encode("gbk"))
    assert "不是 UTF-8" in parse_topic_file(bad).problems[0].message
    empty = policies / "recruit.yml"
    empty.write_text("", encoding="utf-8")
    assert "文件是空的" in parse_topic_file(empty).problems[0].message


def test_contacts_file(policies):
    assert sorted(parse_contacts_file(policies / "_contacts.yml").contacts) == ["guidance_205", "market_office"]
    missing = parse_contacts_file(policies / "nope.yml")
    assert missing.ok and missing.problems[0].severity == "warning"
    (policies / "_contacts.yml").write_text("contacts:\n  x:\n    room: '1'\n", encoding="utf-8")
    broken = parse_contacts_file(policies / "_contacts.yml")
    assert not broken.ok and "需要 name" in broken.problems[0].message and broken.problems[0].line == 2


def test_project_knowledge_base_has_no_errors():
    kb, problems = load_directory(PROJECT_ROOT / "policies")
    assert _errors(problems) == []
    assert kb.entries and all(e.questions and e.answer and e.contact in kb.contacts for e in kb.entries.values())


def test_local_to_names_known_places(policies):
    path = policies / "recruit.yml"
    path.write_text(RECRUIT.replace("    contact: market_office\n", "    local_to: [陕西, 西安]\n    contact: market_office\n"),
                    encoding="utf-8")
    (entry,) = parse_topic_file(path).entries
    assert entry.local_to == ("陕西", "西安")
    path.write_text(RECRUIT.replace("    contact: market_office\n", "    local_to: [西按]\n    contact: market_office\n"),
                    encoding="utf-8")
    parsed = parse_topic_file(path)
    assert parsed.entries == [] and any("local_to 里的“西按”不是助手认识的地名" in p.message for p in parsed.problems)
