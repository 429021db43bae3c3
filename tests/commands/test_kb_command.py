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
    assert out.strip().endswith("0 errors, 0 warnings")
    assert f"in {len(list(policies_copy.glob('[!_]*.yml')))} files" in out


def test_broken_file_is_named_with_its_line_and_exit_code_1(policies_copy, capsys):
    path = policies_copy / "dispatch.yml"
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    number = next(i for i, line in enumerate(lines, start=1) if line.strip().startswith("title:"))
    lines[number - 1] = lines[number - 1].replace("title:", "title 忘了冒号", 1)
    path.write_text("".join(lines), encoding="utf-8")

    assert main(["kb", "check"]) == 1
    out = capsys.readouterr().out
    assert f"{path}:{number}:" in out and "error" in out
    assert "1 errors" in out


def test_directory_argument_and_stale_warning(policies_copy, capsys):
    path = policies_copy / "recruit.yml"
    text = path.read_text(encoding="utf-8")
    first_date = text.split("updated:", 1)[1].split()[0]
    path.write_text(text.replace(f"updated: {first_date}", "updated: 2020-01-01", 1), encoding="utf-8")

    assert main(["kb", "check", str(policies_copy)]) == 0  # warnings do not fail the check
    out = capsys.readouterr().out
    assert "not checked for" in out and "recruit.yml" in out and "warning" in out


def test_missing_contact_is_an_error(policies_copy, capsys):
    path = policies_copy / "general.yml"
    text = path.read_text(encoding="utf-8")
    contact = text.split("contact:", 1)[1].split()[0]
    path.write_text(text.replace(f"contact: {contact}", "contact: no_such_office", 1), encoding="utf-8")
    assert main(["kb", "check"]) == 1
    assert "contact 'no_such_office' is not in _contacts.yml" in capsys.readouterr().out
