"""The answer gate of gradbot.knowledge.answering: a calibrated probability over the evidence."""

from __future__ import annotations

import pytest

from gradbot.knowledge.answering import CLARIFY_MARGIN, EVIDENCE_FEATURES, EVIDENCE_WEIGHTS, answer_probability, decide
from gradbot.knowledge.matcher import Matcher
from gradbot.knowledge.scope import excluded

STRONG = {"similarity": 0.8, "topic": 1.0, "coverage": 1.0, "known_gap": 0.5, "classifier": 1.5}
WEAK = {"similarity": 0.2, "topic": 0.5, "coverage": 0.4, "known_gap": 0.0, "classifier": -0.5}


@pytest.fixture(scope="module")
def shipped_matcher(shipped_kb):
    """A matcher over the knowledge base in policies/ (without real students' phrasings)."""
    return Matcher(shipped_kb)


def test_every_kind_of_evidence_raises_the_probability() -> None:
    assert len(EVIDENCE_WEIGHTS) == len(EVIDENCE_FEATURES) and all(w > 0 for w in EVIDENCE_WEIGHTS)


@pytest.mark.parametrize("feature", EVIDENCE_FEATURES)
def test_more_of_one_feature_means_more_confidence(feature: str) -> None:
    assert answer_probability({**WEAK, feature: WEAK[feature] + 0.2}) > answer_probability(WEAK)


def test_strong_evidence_passes_the_floor_and_weak_evidence_does_not() -> None:
    from gradbot.knowledge import answering

    assert answer_probability(STRONG) >= answering.ANSWER_PROBABILITY > answer_probability(WEAK)
    assert 0.0 < answer_probability(WEAK) < answer_probability(STRONG) < 1.0


def test_a_lost_agreement_is_not_a_stamping_question_in_the_shipped_knowledge_base(shipped_matcher):
    """Loss words are outside the agreement-procedure entries' scope (their not_for), so a question
    about an agreement lost after stamping reaches the lost-agreement entry, not the stamping one."""
    entries = {entry.id: entry for entry in shipped_matcher.entries}
    for entry_id in ("dispatch.agreement_stamp", "dispatch.agreement_filling", "dispatch.online_signing"):
        assert excluded(entries[entry_id], "三方盖好章以后弄丢了").startswith("not_for:")
        assert excluded(entries[entry_id], "The agreement got damaged after stamping").startswith("not_for:")
    assert not excluded(entries["dispatch.lost_agreement"], "三方盖好章以后弄丢了")
    decision = decide(shipped_matcher, "三方协议盖完章以后丢了怎么办", {"dispatch": 1.0})
    assert decision.outcome == "faq" and decision.entry.id == "dispatch.lost_agreement"
    assert decide(shipped_matcher, "华为今年招多少人", {"recruit": 1.0}).outcome == "fallback"


@pytest.mark.parametrize(("question", "topic", "entry_id"), [
    ("我的三方协议弄丢了", "dispatch", "dispatch.lost_agreement"),
    ("档案丢了怎么补建", "dispatch", "dispatch.archive_lost"),
    ("毕业证丢了能补吗", "general", "general.lost_diploma"),
    ("户口迁移证丢了怎么办", "dispatch", "dispatch.migration_certificate"),
])
def test_each_lost_thing_reaches_its_own_entry(shipped_matcher, question, topic, entry_id):
    """Loss questions share 丢 and little else: each must reach the entry about that thing, not a
    neighbour (the entries' not_for keep them apart)."""
    decision = decide(shipped_matcher, question, {topic: 1.0})
    assert (decision.outcome, decision.entry.id if decision.entry else None) == ("faq", entry_id)


def test_where_my_archive_went_is_not_a_lost_archive_question(shipped_matcher):
    decision = decide(shipped_matcher, "毕业以后我的档案会寄到哪里", {"dispatch": 1.0})
    assert decision.entry is None or decision.entry.id != "dispatch.archive_lost"


def test_a_near_tie_is_answered_only_when_the_classifier_clearly_prefers_one(shipped_matcher, monkeypatch):
    question = "三支一扶和选调哪个好"  # two grassroots entries score within CLARIFY_MARGIN
    leads = {"grassroots.projects_compared": 0.1, "grassroots.three_supports": 0.0}
    scored = [s for _, s in decide(shipped_matcher, question, {"grassroots": 0.9}).scored]
    assert scored[0] - scored[1] <= CLARIFY_MARGIN
    monkeypatch.setattr(shipped_matcher, "classifier_lead", lambda text, entry_id, ignore=(): leads.get(entry_id, -1.0))
    decision = decide(shipped_matcher, question, {"grassroots": 0.9})
    assert decision.outcome == "clarify" and {e.id for e in decision.options} >= set(leads)
    leads["grassroots.projects_compared"] = 1.5  # the classifier's clear choice among the tied entries
    decision = decide(shipped_matcher, question, {"grassroots": 0.9})
    assert decision.outcome == "faq" and decision.entry.id == "grassroots.projects_compared"
    assert decision.evidence["classifier"] == 1.5
