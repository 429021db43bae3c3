"""Review decisions kept in policies/: the dismissed list (written safely, validated) and what counts as decided."""

from __future__ import annotations

import pytest

from gradbot.knowledge.checker import check_directory
from gradbot.reporting.dismissed import DismissedError, dismiss, dismissed_keys, dismissed_path, parse_dismissed


def test_dismissed_questions_are_appended_once_and_comments_kept(tmp_path):
    dismissed_path(tmp_path).write_text("# 王老师：每周一看一次\ndismissed: []\n", encoding="utf-8")
    assert dismiss(tmp_path, ["食堂几点关门", "食堂几点关门？", " "]) == ["食堂几点关门"]
    assert dismiss(tmp_path, ["食堂几点关门", "图书馆几点开"]) == ["图书馆几点开"]
    text = dismissed_path(tmp_path).read_text(encoding="utf-8")
    assert text.startswith("# 王老师：每周一看一次\ndismissed:\n")
    assert [d.question for d in parse_dismissed(tmp_path)[0]] == ["食堂几点关门", "图书馆几点开"]
    assert "食堂几点关门" in dismissed_keys(tmp_path)


def test_a_broken_dismissed_file_is_reported_and_never_overwritten(tmp_path):
    broken = "dismissed:\n  - question: [unclosed\n"
    dismissed_path(tmp_path).write_text(broken, encoding="utf-8")
    with pytest.raises(DismissedError):
        dismiss(tmp_path, ["x"])
    assert dismissed_path(tmp_path).read_text(encoding="utf-8") == broken
    assert any(p.file.endswith("_dismissed.yml") and p.severity == "error" for p in check_directory(tmp_path).problems)
