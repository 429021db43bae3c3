"""``gradbot review``: a group of unanswered questions goes into an entry, a draft or the dismissed list, and stays decided."""

from __future__ import annotations

import re
import shutil
from datetime import timedelta

import pytest

from gradbot.cli import main
from gradbot.db.models import utcnow
from gradbot.knowledge.drafts import list_drafts
from gradbot.knowledge.loader import load_directory
from gradbot.reporting import conversation_log
from gradbot.reporting.dismissed import parse_dismissed
from gradbot.settings import PROJECT_ROOT, get_settings
from tests.support.database import in_session

ASKED = {  # question -> times asked (fallbacks in the last days)
    "就业推荐表在哪里领": 3, "推荐表丢了怎么办": 1, "就业推荐表什么时候发": 1,
    "毕业证什么时候发": 2, "毕业证丢了怎么补办": 1,
    "食堂几点关门": 2,
}


@pytest.fixture
def setup(cases_db, tmp_path, monkeypatch):
    policies = tmp_path / "policies"
    # the shipped knowledge base without the drafts and dismissals staff may have made locally
    shutil.copytree(PROJECT_ROOT / "policies", policies, ignore=shutil.ignore_patterns("_drafts.yml", "_dismissed.yml"))
    monkeypatch.setenv("GRADBOT_POLICIES_DIR", str(policies))
    get_settings.cache_clear()
    start = utcnow() - timedelta(hours=3)
    for n, (text, times) in enumerate(ASKED.items()):
        for i in range(times):
            monkeypatch.setattr(conversation_log, "utcnow", lambda t=start + timedelta(minutes=10 * n + i): t)
            in_session(cases_db, conversation_log.log_message, "telegram", f"user{n}-{i}", text, outcome="fallback")
    yield policies
    get_settings.cache_clear()


def _groups(capsys) -> dict[str, int]:
    """Each listed phrasing -> its group number, from ``gradbot review --list``."""
    assert main(["review", "--list"]) == 0
    found, group = {}, None
    for line in capsys.readouterr().out.splitlines():
        head = re.match(r"第 (\d+) 组", line)
        if head:
            group = int(head.group(1))
        item = re.match(r"\s+- (.+)（(\d+)）$", line)
        if item:
            found[item.group(1)] = group
    return found


def test_a_group_goes_into_an_existing_entry(setup, capsys):
    groups = _groups(capsys)
    assert groups["就业推荐表在哪里领"] == groups["推荐表丢了怎么办"] == groups["就业推荐表什么时候发"]
    assert groups["毕业证什么时候发"] != groups["就业推荐表在哪里领"]
    kb, _ = load_directory(setup)
    entry = next(e for e in kb.entries.values() if "推荐表" in e.keywords)  # the entry staff would pick
    before = entry.file.read_text(encoding="utf-8")

    assert main(["review", "--group", str(groups["推荐表丢了怎么办"]), "--add-to", entry.id]) == 0
    assert "已加入" in capsys.readouterr().out
    after = entry.file.read_text(encoding="utf-8")
    assert [line for line in before.splitlines() if line.lstrip().startswith("#")] == [line for line in after.splitlines() if line.lstrip().startswith("#")]
    assert len(after.splitlines()) == len(before.splitlines()) + 3  # three lines added, nothing else changed
    kb, problems = load_directory(setup)
    assert not [p for p in problems if p.severity == "error"]
    assert set(ASKED) & set(kb.entries[entry.id].questions) == {"就业推荐表在哪里领", "推荐表丢了怎么办", "就业推荐表什么时候发"}
    assert main(["kb", "check", "--stale-days", "100000"]) == 0
    capsys.readouterr()
    assert "推荐表丢了怎么办" not in _groups(capsys)  # decided: it does not come back


def test_a_group_becomes_a_draft_and_another_is_dismissed_for_good(setup, capsys, tmp_path):
    groups = _groups(capsys)
    assert main(["review", "--group", str(groups["毕业证什么时候发"]), "--draft"]) == 0
    assert "已新建草稿" in capsys.readouterr().out
    [draft] = list_drafts(setup)
    assert set(draft.questions) == {"毕业证什么时候发", "毕业证丢了怎么补办"} and draft.answer == ""

    assert main(["review", "--group", str(groups["食堂几点关门"]), "--dismiss"]) == 0
    assert [d.question for d in parse_dismissed(setup)[0]] == ["食堂几点关门"]
    capsys.readouterr()
    left = _groups(capsys)
    assert "食堂几点关门" not in left and "毕业证什么时候发" not in left and "就业推荐表在哪里领" in left
    out = tmp_path / "r.html"
    assert main(["report", "--out", str(out)]) == 0
    assert "另有 2 组已在 gradbot review 中处理" in capsys.readouterr().out
    page = out.read_text(encoding="utf-8")
    assert "食堂几点关门" not in page and "就业推荐表在哪里领" in page
    assert main(["review", "--group", str(groups["食堂几点关门"]), "--dismiss"]) == 2  # already decided
    assert main(["kb", "check", "--stale-days", "100000"]) == 0


def test_interactive_review(setup, capsys):
    import argparse
    import io

    from gradbot.commands.review import run_review

    answers = iter(["?", "x", "s", "q"])
    out = io.StringIO()
    args = argparse.Namespace(start=None, end=None, list=False, group=None, add_to=None, draft=False, dismiss=False,
                              topic=None, policies=None)
    assert run_review(args, ask=lambda prompt: next(answers), out=out, interactive_terminal=True) == 0
    text = out.getvalue()
    assert "请输入 a、e、d、x、s 或 q" in text and "已记为不归我们管" in text and "已处理 1 组" in text
    assert len(parse_dismissed(setup)[0]) >= 1


def test_a_bad_entry_or_group_is_refused(setup, capsys):
    groups = _groups(capsys)
    assert main(["review", "--group", "999", "--dismiss"]) == 2
    assert main(["review", "--group", str(groups["食堂几点关门"]), "--add-to", "dispatch.no_such_entry"]) == 1
    assert "没有编号为 dispatch.no_such_entry 的条目" in capsys.readouterr().out
    assert main(["review", "--dismiss"]) == 2
