"""``gradbot kb check`` as staff run it: on a copy of the project's knowledge base."""

from __future__ import annotations

import datetime as dt
import shutil

import pytest

from gradbot.cli import main
from gradbot.settings import PROJECT_ROOT, get_settings


@pytest.fixture
def policies_copy(tmp_path, monkeypatch):
    """A copy of ``policies/`` configured as GRADBOT_POLICIES_DIR."""
    directory = tmp_path / "policies"
    shutil.copytree(PROJECT_ROOT / "policies", directory)
    monkeypatch.setenv("GRADBOT_POLICIES_DIR", str(directory))
    monkeypatch.setattr("gradbot.office_hours.checks.beijing_today", lambda: dt.date(2026, 6, 1))  # a day with a known calendar
    get_settings.cache_clear()
    yield directory
    get_settings.cache_clear()


def test_project_knowledge_base_passes(policies_copy, capsys):
    assert main(["kb", "check", "--stale-days", "100000"]) == 0
    out = capsys.readouterr().out
    lines = out.strip().splitlines()
    assert "：0 个错误，" in lines[-1]
    # the only warnings: office phones and rooms staff have not filled in yet (never shown to students)
    assert all("还没有填写" in line for line in lines[:-1])
    assert lines[-1].endswith(f"{len(lines) - 1} 个警告")
    assert f"共 {len(list(policies_copy.glob('[!_]*.yml')))} 个文件" in out


def test_broken_file_is_named_with_its_line_and_exit_code_1(policies_copy, capsys):
    path = policies_copy / "dispatch.yml"
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    number = next(i for i, line in enumerate(lines, start=1) if line.strip().startswith("title:"))
    lines[number - 1] = lines[number - 1].replace("title:", "title 忘了冒号", 1)
    path.write_text("".join(lines), encoding="utf-8")

    assert main(["kb", "check"]) == 1
    out = capsys.readouterr().out
    assert f"{path}:{number}:" in out and "错误" in out
    assert "1 个错误" in out


def test_directory_argument_and_stale_warning(policies_copy, capsys):
    path = policies_copy / "recruit.yml"
    text = path.read_text(encoding="utf-8")
    first_date = text.split("updated:", 1)[1].split()[0]
    path.write_text(text.replace(f"updated: {first_date}", "updated: 2020-01-01", 1), encoding="utf-8")

    assert main(["kb", "check", str(policies_copy)]) == 0  # warnings do not fail the check
    out = capsys.readouterr().out
    assert "天未核对" in out and "recruit.yml" in out and "警告" in out


def test_missing_contact_is_an_error(policies_copy, capsys):
    path = policies_copy / "general.yml"
    text = path.read_text(encoding="utf-8")
    contact = text.split("contact:", 1)[1].split()[0]
    path.write_text(text.replace(f"contact: {contact}", "contact: no_such_office", 1), encoding="utf-8")
    assert main(["kb", "check"]) == 1
    assert "联系方式 no_such_office 不在 _contacts.yml 里" in capsys.readouterr().out


def test_case_types_syntax_error_is_reported_with_file_and_line(policies_copy, capsys):
    path = policies_copy / "_case_types.yml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text + "  new_type:\n    name: 新事项\n    statuses: [已提交\n", encoding="utf-8")
    assert main(["kb", "check"]) == 1
    out = capsys.readouterr().out
    (line,) = [line for line in out.splitlines() if line.startswith(f"{path}:")]
    number = int(line.split(":")[1])
    assert number > len(text.splitlines()) and "[new_type] 错误：YAML 语法错误" in line
    assert "0 个错误" not in out and "1 个错误" in out


def test_renamed_contact_key_is_an_error_where_it_is_used(policies_copy, capsys):
    path = policies_copy / "_contacts.yml"
    path.write_text(path.read_text(encoding="utf-8").replace("  guidance_205:\n", "  guidance205:\n"), encoding="utf-8")
    assert main(["kb", "check"]) == 1
    out = capsys.readouterr().out
    assert "联系方式 guidance_205 不在 _contacts.yml 里" in out
    assert "_case_types.yml:" in out  # the case types use it too


def test_with_model_prints_only_its_findings(policies_copy, capfd, monkeypatch):
    from gradbot import nlu_model

    class Model:
        def classify(self, text):
            print("2026-11-27 10:56:46 [debug    ] processor.message.parse")
            return "ask_general", 0.9

    monkeypatch.setattr(nlu_model.NluModel, "load_latest", classmethod(lambda cls: Model()))
    assert main(["kb", "check", "--with-model", "--stale-days", "100000"]) == 0
    lines = capfd.readouterr().out.splitlines()
    assert lines and all(" 警告：模型把" in line or "还没有填写" in line for line in lines[:-1])
    assert any(" 警告：模型把" in line for line in lines)
    assert "processor.message.parse" not in "\n".join(lines) and lines[-1].endswith("个错误，%d 个警告" % (len(lines) - 1))


def test_kb_drafts_lists_drafts_and_check_validates_them(policies_copy, capsys):
    from gradbot.knowledge.drafts import add_draft

    assert main(["kb", "drafts"]) == 0
    assert "0 条草稿" in capsys.readouterr().out
    draft_id = add_draft(policies_copy, topic="dispatch", questions=["推荐表丢了怎么办"], answer="", origin="review")
    assert main(["kb", "drafts"]) == 0
    out = capsys.readouterr().out
    assert draft_id in out and "推荐表丢了怎么办" in out and "1 条草稿" in out and "policies/README.md" in out
    assert main(["kb", "check", "--stale-days", "100000"]) == 0  # a draft without an answer is only a warning
    assert "草稿还没有回答" in capsys.readouterr().out
