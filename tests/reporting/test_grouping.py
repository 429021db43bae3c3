"""Grouping similar questions."""

from __future__ import annotations

from gradbot.reporting import grouping
from gradbot.reporting.grouping import cluster_questions, question_key

QUESTIONS = [
    "研究生宿舍几点关门",      # 0 dormitory
    "校医院在哪里",            # 1 clinic
    "宿舍晚上几点锁门？",      # 2 dormitory
    "how do I extend my visa",  # 3 visa
    "校医院怎么走",            # 4 clinic
    "宿舍几点关门",            # 5 dormitory
    "visa extension how to",    # 6 visa
]


def _partition(clusters, texts):
    return sorted(sorted(texts[i] for i in c.members) for c in clusters)


def test_similar_questions_are_grouped_and_different_ones_are_not():
    clusters = cluster_questions(QUESTIONS)
    assert _partition(clusters, QUESTIONS) == sorted([
        sorted([QUESTIONS[0], QUESTIONS[2], QUESTIONS[5]]),
        sorted([QUESTIONS[1], QUESTIONS[4]]),
        sorted([QUESTIONS[3], QUESTIONS[6]]),
    ])
    assert [len(c.members) for c in clusters] == [3, 2, 2]  # largest first
    assert all(c.representative in c.members for c in clusters)


def test_every_question_is_in_exactly_one_group():
    texts = QUESTIONS + ["", "   ", "食堂几点开门"]
    clusters = cluster_questions(texts)
    members = sorted(i for c in clusters for i in c.members)
    assert members == list(range(len(texts)))


def test_identical_questions_after_normalisation_count_together():
    texts = ["校园卡丢了怎么补办", "校園卡丟了怎麼補辦？", "校园卡丢了怎么补办 ？", "北京落户政策"]
    assert question_key(texts[0]) == question_key(texts[1]) == question_key(texts[2])
    clusters = cluster_questions(texts)
    assert sorted(clusters[0].members) == [0, 1, 2]
    assert clusters[0].representative == 0  # most frequent form, first seen
    assert clusters[1].members == (3,)


def test_representative_is_the_most_frequent_question():
    texts = ["研究生宿舍几点关门", "宿舍几点关门", "宿舍几点关门", "宿舍几点关门啊"]
    clusters = cluster_questions(texts)
    assert len(clusters) == 1
    assert texts[clusters[0].representative] == "宿舍几点关门"


def test_background_corpus_only_sets_weights():
    background = ["三方协议在哪里盖章", "档案怎么转", "上海落户需要什么条件"]
    clusters = cluster_questions(QUESTIONS, background=background)
    assert sorted(i for c in clusters for i in c.members) == list(range(len(QUESTIONS)))
    assert len(clusters) == 3


def test_greedy_clustering_for_large_inputs_keeps_topics_apart(monkeypatch):
    monkeypatch.setattr(grouping, "MAX_AGGLOMERATIVE", 2)
    topic = {0: "dorm", 2: "dorm", 5: "dorm", 1: "clinic", 4: "clinic", 3: "visa", 6: "visa"}
    clusters = cluster_questions(QUESTIONS)
    assert sorted(i for c in clusters for i in c.members) == list(range(len(QUESTIONS)))
    assert all(len({topic[i] for i in c.members}) == 1 for c in clusters)
    groups = {frozenset(c.members) for c in clusters}
    assert frozenset({1, 4}) in groups and frozenset({3, 6}) in groups
    assert any({0, 5} <= g for g in groups)


def test_questions_without_any_features_are_kept_apart():
    clusters = cluster_questions(["、、", "〃〃", "？？", "。"])
    assert sorted(c.members for c in clusters) == [(0,), (1,), (2, 3)]  # the last two are empty once trimmed


def test_no_questions():
    assert cluster_questions([]) == []


def test_one_subject_is_one_group_in_a_realistic_week():
    """Phrasings of one subject that share only its name (推荐表丢了怎么办, 就业推荐表在哪里领) end up together,
    and subjects that share common words (毕业证 / 毕业离校) stay apart."""
    from collections import Counter

    from tests.reporting.helpers_reporting import project_kb
    from tests.reporting.week_sample import SUBJECTS, subject_of, week

    kb = project_kb()
    background = [q for e in kb.entries.values() for q in e.questions]
    whole = ("recommendation_form", "diploma", "transcript", "campus_card", "medical")
    assert set(whole) <= set(SUBJECTS)
    for seed in (11, 12, 13):
        texts = [m.text for m in week(kb, seed=seed) if m.outcome == "fallback"]
        clusters = cluster_questions(texts, background)
        subjects_per_group = [{subject_of(texts[i]) for i in c.members} - {None} for c in clusters]
        assert all(len(s) <= 1 for s in subjects_per_group), subjects_per_group
        groups_per_subject = Counter(s for subjects in subjects_per_group for s in subjects)
        assert all(groups_per_subject[s] == 1 for s in whole), groups_per_subject


def test_subject_terms_need_a_background_that_says_they_are_rare():
    texts = ["推荐表丢了怎么办", "就业推荐表在哪里领", "就业推荐表什么时候发", "毕业生推荐表怎么补办"]
    assert len(cluster_questions(texts)) > 1  # by similarity alone they are apart
    assert len(cluster_questions(texts, background=["三方协议在哪里盖章", "档案怎么转"])) == 1
    common = [f"推荐表{i}" for i in range(10)]  # every background question names it: not a subject
    assert len(cluster_questions(texts, background=common)) > 1
