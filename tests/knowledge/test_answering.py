"""The answer gate of gradbot.knowledge.answering: a calibrated probability over the evidence."""

from __future__ import annotations

import pytest

from gradbot.knowledge.answering import EVIDENCE_FEATURES, EVIDENCE_WEIGHTS, answer_probability

STRONG = {"similarity": 0.8, "topic": 1.0, "coverage": 1.0, "margin": 0.4}
WEAK = {"similarity": 0.2, "topic": 0.5, "coverage": 0.4, "margin": 0.06}


def test_every_kind_of_evidence_raises_the_probability() -> None:
    assert len(EVIDENCE_WEIGHTS) == len(EVIDENCE_FEATURES) and all(w > 0 for w in EVIDENCE_WEIGHTS)


@pytest.mark.parametrize("feature", EVIDENCE_FEATURES)
def test_more_of_one_feature_means_more_confidence(feature: str) -> None:
    assert answer_probability({**WEAK, feature: WEAK[feature] + 0.2}) > answer_probability(WEAK)


def test_strong_evidence_passes_the_floor_and_weak_evidence_does_not() -> None:
    from gradbot.knowledge import answering

    assert answer_probability(STRONG) >= answering.ANSWER_PROBABILITY > answer_probability(WEAK)
    assert 0.0 < answer_probability(WEAK) < answer_probability(STRONG) < 1.0
