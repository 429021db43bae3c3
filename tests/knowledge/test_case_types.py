"""``_case_types.yml`` is checked with file and line, and status queries keep its last good version."""

from __future__ import annotations

import pytest

from gradbot.knowledge.case_types import parse_case_types_file
from gradbot.settings import PROJECT_ROOT, get_settings
from kb_samples import CASE_TYPES


def _problems(tmp_path, text: str):
    path = tmp_path / "_case_types.yml"
    path.write_text(text, encoding="utf-8")
    return path, parse_case_types_file(path).problems


def test_project_file_and_sample_pass(tmp_path):
    project = parse_case_types_file(PROJECT_ROOT / "policies" / "_case_types.yml")
    assert project.problems == [] and "dispatch" in project.type_keys
    assert {ref.key for ref in project.contact_refs} >= {"guidance_205", "guidance_205_graduate"}
    path, problems = _problems(tmp_path, CASE_TYPES)
    assert problems == []


def test_syntax_error_appended_is_reported_with_file_and_line(tmp_path):
    text = CASE_TYPES + "  talent:\n    name: 人才认定\n    statuses: [已提交\n"
    path, (problem,) = _problems(tmp_path, text)
    assert problem.file == str(path) and problem.line >= 15 and "YAML 语法错误" in problem.message
    assert problem.entry_id == "talent"  # the case type it is in
    assert str(problem).startswith(f"{path}:{problem.line}: [talent] 错误：")


@pytest.mark.parametrize("bad, good, message, line", [
    ("    name: 签约派遣\n", "", "缺少字段 name", 2),
    ("      - name: 待提交\n", "      - next_step: 没有名字\n", "缺少字段 name", 8),
    ("    aliases: [派遣, 三方协议]\n", "    aliases: 派遣\n", "aliases 应是名称列表", 4),
    ("      - name: 已鉴证盖章\n", "      - name: 待提交\n", "状态“待提交”在 dispatch 里出现了两次", 10),
    ("handoff:\n  default_contact: guidance_205\n", "handoff: [guidance_205]\n", "'handoff' 应是若干行", 12),
    ("case_types:\n", "case_type:\n", "文件应以 case_types: 开头", 1),
])
def test_structure_errors_name_their_line(tmp_path, bad, good, message, line):
    text = CASE_TYPES.replace(bad, good)
    assert text != CASE_TYPES
    _, problems = _problems(tmp_path, text)
    errors = [p for p in problems if p.severity == "error"]
    assert any(message in p.message and p.line == line for p in errors), errors


def test_what_passes_is_what_the_catalog_reads(tmp_path):
    from gradbot.cases.catalog import load_catalog

    path, problems = _problems(tmp_path, CASE_TYPES.replace("    aliases: [派遣, 三方协议]\n", ""))
    assert problems == []
    catalog = load_catalog(path)
    assert catalog.case_type("签约派遣").status("已鉴证盖章").next_step == "请完成毕业去向登记。"


@pytest.fixture
def configured(policies, tmp_path, monkeypatch):
    """``policies`` with the sample case types, configured as GRADBOT_POLICIES_DIR (data in tmp)."""
    (policies / "_case_types.yml").write_text(CASE_TYPES, encoding="utf-8")
    monkeypatch.setenv("GRADBOT_POLICIES_DIR", str(policies))
    monkeypatch.setenv("GRADBOT_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("KB_RELOAD_SECONDS", "0")
    get_settings.cache_clear()
    yield policies
    get_settings.cache_clear()


def test_status_code_keeps_the_last_good_catalog_after_a_broken_edit(configured, write):
    from gradbot.cases.catalog import load_catalog

    assert [s.name for s in load_catalog().case_type("派遣").statuses] == ["待提交", "已鉴证盖章"]
    write("_case_types.yml", CASE_TYPES + "  talent:\n    name: 人才认定\n    statuses: [已提交\n")
    assert [s.name for s in load_catalog().case_type("派遣").statuses] == ["待提交", "已鉴证盖章"]
    write("_case_types.yml", CASE_TYPES.replace("      - name: 已鉴证盖章", "      - name: 学院已审核\n      - name: 已鉴证盖章"))
    assert [s.name for s in load_catalog().case_type("派遣").statuses] == ["待提交", "学院已审核", "已鉴证盖章"]


def test_status_code_after_a_restart_with_a_broken_file(configured, write):
    from gradbot.cases.catalog import load_catalog
    from gradbot.knowledge import store

    load_catalog()  # saves the good version
    write("_case_types.yml", "case_types:\n  dispatch: [\n")
    store._default_store = None  # a restart
    assert load_catalog().get("dispatch").name == "签约派遣"


def test_no_good_version_ever_is_a_clear_error(configured, write):
    from gradbot.cases.catalog import CatalogError, load_catalog

    path = write("_case_types.yml", "case_types:\n  dispatch: [\n")
    with pytest.raises(CatalogError, match=f"{path}:"):
        load_catalog()
