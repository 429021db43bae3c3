"""The report's notice of held-back knowledge-base edits."""

from __future__ import annotations

from gradbot.knowledge.schema import Problem
from gradbot.knowledge.store import HeldBack
from gradbot.reporting.kb_status import held_back_html, held_back_now, held_back_text
from gradbot.settings import get_settings

HELD = [HeldBack("/srv/policies/dispatch.yml",
                 (Problem("/srv/policies/dispatch.yml", 12, "wrong indentation <b>", "dispatch.x"),), True)]


def test_nothing_held_back_adds_nothing():
    assert held_back_html([]) == "" and held_back_text([]) == []


def test_notice_names_file_and_line_escaped():
    page = held_back_html(HELD)
    assert "知识库有修改未生效" in page and "/srv/policies/dispatch.yml:12: [dispatch.x] 错误：wrong indentation &lt;b&gt;" in page
    assert "<b>" not in page
    text = held_back_text(HELD)
    assert "上一个正确的版本" in text[1] and text[2].strip().startswith("/srv/policies/dispatch.yml:12:")


def test_report_command_shows_a_held_back_edit(tmp_path, monkeypatch, capsys):
    import shutil

    from gradbot.cli import main
    from gradbot.settings import PROJECT_ROOT

    policies = tmp_path / "policies"
    shutil.copytree(PROJECT_ROOT / "policies", policies)
    monkeypatch.setenv("GRADBOT_POLICIES_DIR", str(policies))
    monkeypatch.setenv("GRADBOT_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'db.sqlite'}")
    monkeypatch.setenv("KB_RELOAD_SECONDS", "0")
    get_settings.cache_clear()
    try:
        assert held_back_now() == []
        path = policies / "recruit.yml"
        path.write_text(path.read_text(encoding="utf-8").replace("    title:", "    title：", 1), encoding="utf-8")
        from gradbot.db.engine import upgrade

        upgrade()
        out_file = tmp_path / "report.html"
        assert main(["report", "--out", str(out_file)]) == 0
        out = capsys.readouterr().out
        assert f"{path}:" in out and "中文冒号" in out
        assert "知识库有修改未生效" in out_file.read_text(encoding="utf-8")
    finally:
        get_settings.cache_clear()
