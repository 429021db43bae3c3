"""Real students' questions (nlu_data/real/): how they are read, used, and kept honest.

The data tests fail naming only the nlu_data/real file and item number: an evaluation
question (the held-out set included) is never printed.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from gradbot.evaluation import load_items, nlu_examples, overlap_key, same_question
from gradbot.knowledge import student_questions
from gradbot.knowledge.loader import load_directory
from gradbot.knowledge.matcher import Matcher
from gradbot.knowledge.store import KnowledgeStore
from gradbot.settings import PROJECT_ROOT, Settings
from gradbot.training import write_kb_nlu

REAL_DIR = PROJECT_ROOT / "nlu_data" / "real"
EVAL_DIR = PROJECT_ROOT / "tests" / "eval"

SAMPLE = """\
version: "3.1"
nlu:
- intent: ask_dispatch
  examples:
  - text: 章盖错了位置还能用吗
    metadata:
      entry: dispatch.agreement_stamp
      source: https://zhidao.example.com/question/1.html
  - text: 单位寄来的协议书学校那一栏谁来签
    metadata: {entry: dispatch.agreement_stamp, source: https://bbs.example.com/t/2}
- intent: out_of_scope
  examples:
  - text: 华为的offer什么时候发
    metadata:
      subject: named company hiring
      source: https://example.com/3
"""


@pytest.fixture
def real_dir(tmp_path: Path) -> Path:
    directory = tmp_path / "real"
    directory.mkdir()
    (directory / "dispatch.yml").write_text(SAMPLE, encoding="utf-8")
    return directory


# ------------------------------------------------------------------ reading and wiring

def test_load_reads_text_entry_source_and_subject(real_dir: Path) -> None:
    questions = student_questions.load(real_dir)
    assert [(q.text, q.intent, q.entry, q.number) for q in questions] == [
        ("章盖错了位置还能用吗", "ask_dispatch", "dispatch.agreement_stamp", 1),
        ("单位寄来的协议书学校那一栏谁来签", "ask_dispatch", "dispatch.agreement_stamp", 2),
        ("华为的offer什么时候发", "out_of_scope", "", 3),
    ]
    assert questions[1].source == "https://bbs.example.com/t/2"
    assert questions[2].out_of_scope and questions[2].subject == "named company hiring"
    assert student_questions.phrasings(questions) == {
        "dispatch.agreement_stamp": ("章盖错了位置还能用吗", "单位寄来的协议书学校那一栏谁来签")}
    assert student_questions.phrasings(questions, ["recruit.job_fair"]) == {}


def test_a_missing_or_empty_directory_gives_no_questions(tmp_path: Path, policies: Path) -> None:
    (tmp_path / "empty").mkdir()
    assert student_questions.load(tmp_path / "missing") == []
    assert student_questions.load(tmp_path / "empty") == []
    kb = load_directory(policies)[0]
    plain = Matcher(kb).rank("三方协议在哪里盖章", limit=3)
    with_none = Matcher(kb, student_questions.phrasings([])).rank("三方协议在哪里盖章", limit=3)
    assert [(m.entry.id, round(m.score, 6)) for m in with_none] == [(m.entry.id, round(m.score, 6)) for m in plain]
    snapshot = KnowledgeStore(policies, reload_interval=0, student_questions_dir=tmp_path / "missing").snapshot()
    assert snapshot.matcher.rank("三方协议在哪里盖章")[0].entry.id == "dispatch.agreement_stamp"


def test_a_students_phrasing_brings_its_entry_closer(policies: Path, real_dir: Path) -> None:
    kb = load_directory(policies)[0]
    question = "协议书学校那一栏谁签"
    plain = {m.entry.id: m.score for m in Matcher(kb).rank(question, limit=3)}
    extra = student_questions.phrasings(student_questions.load(real_dir), kb.entries)
    wired = {m.entry.id: m.score for m in Matcher(kb, extra).rank(question, limit=3)}
    assert wired["dispatch.agreement_stamp"] > plain["dispatch.agreement_stamp"]
    assert max(wired, key=wired.__getitem__) == "dispatch.agreement_stamp"
    stamp = kb.entries["dispatch.agreement_stamp"]
    assert Matcher(kb, extra).coverage(question, stamp)[0] >= Matcher(kb).coverage(question, stamp)[0]


def test_the_store_uses_the_student_questions(policies: Path, real_dir: Path) -> None:
    question = "协议书学校那一栏谁签"
    plain = KnowledgeStore(policies, reload_interval=0).snapshot().matcher.rank(question)
    wired = KnowledgeStore(policies, reload_interval=0, student_questions_dir=real_dir).snapshot().matcher.rank(question)
    assert wired[0].entry.id == "dispatch.agreement_stamp"
    assert wired[0].score > next(m.score for m in plain if m.entry.id == "dispatch.agreement_stamp")


def test_training_skips_knowledge_base_questions_already_in_list_form_nlu_data(tmp_path: Path, policies: Path) -> None:
    root = tmp_path / "project"
    (root / "nlu_data" / "real").mkdir(parents=True)
    (root / "nlu_data" / "real" / "dispatch.yml").write_text(
        'version: "3.1"\nnlu:\n- intent: ask_dispatch\n  examples:\n  - text: 档案寄到哪里了\n'
        "    metadata: {entry: dispatch.archive_transfer, source: https://example.com/1}\n", encoding="utf-8")
    out = tmp_path / "kb_nlu.yml"
    count = write_kb_nlu(Settings(project_root=root, policies_dir=policies), out)
    written = nlu_examples(out)
    assert "档案寄到哪里了" not in written and "怎么查档案的机要号" in written and count == len(written)


# ------------------------------------------------------------------ the shipped data

def _shipped() -> list[student_questions.StudentQuestion]:
    questions = student_questions.load(REAL_DIR)
    if not questions:
        pytest.skip("nlu_data/real/ holds no student questions")
    return questions


def _where(q: student_questions.StudentQuestion) -> str:
    return f"{q.file.relative_to(PROJECT_ROOT)} item {q.number}"


def test_every_student_question_has_a_source_and_a_label_of_the_knowledge_base(shipped_kb) -> None:
    kb = shipped_kb
    bad = []
    for q in _shipped():
        if not q.text or not re.match(r"https?://\S+$", q.source):
            bad.append(f"{_where(q)}: needs a text and an http(s) source")
        elif q.out_of_scope:
            if not q.subject:
                bad.append(f"{_where(q)}: an out_of_scope item needs a subject")
        elif q.entry not in kb.entries:
            bad.append(f"{_where(q)}: entry {q.entry!r} is not in policies/")
        elif q.intent != f"ask_{kb.entries[q.entry].topic}":
            bad.append(f"{_where(q)}: intent {q.intent} should be ask_{kb.entries[q.entry].topic}")
    assert not bad, "\n".join(bad)


def test_no_student_question_is_an_evaluation_question() -> None:
    """No training example is the same question as one of tests/eval/*.yml (held-out set included).

    The message names only the nlu_data/real item: never the evaluation question.
    """
    questions = _shipped()
    eval_keys = [overlap_key(item.text) for path in sorted(EVAL_DIR.glob("*.yml")) for item in load_items(path)]
    assert len(eval_keys) > 500  # the evaluation sets were really read
    repeated = [_where(q) for q in questions if any(same_question(overlap_key(q.text), key) for key in eval_keys)]
    assert not repeated, "these training examples repeat an evaluation question (remove them):\n" + "\n".join(repeated)


def test_no_student_question_has_two_labels() -> None:
    """The same question (copied from two pages, or by two collectors) must carry one label.
    A repeat with the same label only trains the same example twice."""
    seen: dict[str, student_questions.StudentQuestion] = {}
    conflicts = []
    for q in _shipped():
        first = seen.setdefault(overlap_key(q.text), q)
        if (first.intent, first.entry) != (q.intent, q.entry):
            conflicts.append(f"{_where(q)} ({q.entry or q.intent}) repeats {_where(first)} ({first.entry or first.intent})")
    assert not conflicts, "\n".join(conflicts)


def test_a_question_nearest_to_a_known_out_of_scope_one_is_refused(policies: Path) -> None:
    from gradbot.knowledge.answering import decide

    kb = load_directory(policies)[0]
    question = "学校的档案馆在哪里"
    topics = {"dispatch": 0.6, "recruit": 0.3}
    plain = Matcher(kb)
    assert plain.nearest(question)[1] == 0.0
    assert decide(plain, question, topics).outcome != "fallback"  # without the known question: buttons
    wired = Matcher(kb, {}, ["档案馆在哪里，几点开门"])
    inside, outside = wired.nearest(question)
    assert outside > inside
    assert decide(wired, question, topics).outcome == "fallback"
    # an in-scope question stays closer to its entry than to the out-of-scope one
    assert decide(wired, "三方协议在哪里盖章", {"dispatch": 0.9}).entry.id == "dispatch.agreement_stamp"
