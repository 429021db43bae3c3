"""Phrasings added to an entry's questions as text: layout kept, checked before writing, nothing written on error."""

from __future__ import annotations

import shutil

import pytest

from gradbot.knowledge.editing import EditError, add_questions
from gradbot.knowledge.loader import load_directory
from gradbot.settings import PROJECT_ROOT


@pytest.fixture
def policies(tmp_path):
    directory = tmp_path / "policies"
    shutil.copytree(PROJECT_ROOT / "policies", directory)
    return directory


def test_phrasings_go_after_the_last_question_and_nothing_else_changes(policies):
    kb, _ = load_directory(policies)
    entry = next(iter(kb.entries.values()))
    before = entry.file.read_text(encoding="utf-8")
    done = add_questions(policies, entry.id, ["毕业生推荐表: 怎么补办", "#井号开头的问法", entry.questions[0]])
    assert done.added == ["毕业生推荐表: 怎么补办", "#井号开头的问法"] and done.already_there == [entry.questions[0]]
    after = entry.file.read_text(encoding="utf-8")
    removed = [line for line in before.splitlines() if line not in after.splitlines()]
    assert removed == [] and len(after.splitlines()) == len(before.splitlines()) + 2
    kb, problems = load_directory(policies)
    assert list(kb.entries[entry.id].questions[-2:]) == done.added
    assert not [p for p in problems if p.severity == "error"]


def test_a_question_of_another_entry_is_left_out(policies):
    kb, _ = load_directory(policies)
    first, second = list(kb.entries.values())[:2]
    done = add_questions(policies, first.id, [second.questions[0]])
    assert done.added == [] and done.elsewhere == [(second.questions[0], second.id)]


def test_an_unknown_entry_or_a_flow_list_is_refused_and_nothing_is_written(policies):
    with pytest.raises(EditError, match="没有编号为"):
        add_questions(policies, "dispatch.no_such", ["x"])
    path = policies / "general.yml"
    text = path.read_text(encoding="utf-8")
    first_id = text.split("- id: ", 1)[1].split()[0]
    start = text.index("    questions:\n", text.index(first_id))
    end = text.index("    answer:", start)
    flow = text[:start] + "    questions: [就创中心在哪, 205室在哪里]\n" + text[end:]
    path.write_text(flow, encoding="utf-8")
    with pytest.raises(EditError, match="请手工添加"):
        add_questions(policies, first_id, ["新问法"])
    assert path.read_text(encoding="utf-8") == flow


def test_punctuation_or_emoji_alone_is_not_added(policies):
    kb, _ = load_directory(policies)
    entry = next(iter(kb.entries.values()))
    before = entry.file.read_text(encoding="utf-8")
    done = add_questions(policies, entry.id, ["?", "👍", "。。。"])
    assert done.added == [] and done.no_words == ["?", "👍", "。。。"]
    assert entry.file.read_text(encoding="utf-8") == before
