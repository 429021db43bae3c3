"""Group similar student questions, so staff see what to add to the knowledge base next.

Questions are turned into TF-IDF vectors of :func:`gradbot.knowledge.matcher.features`
(jieba words plus character 1–3-grams of the normalised text). The IDF is fitted on the
questions together with an optional background corpus (the knowledge base's own
questions), so words every question shares ("怎么", "吗") weigh little. Identical
questions (after normalisation) count once; the distinct ones are joined by average-
linkage agglomerative clustering, cut where the mean cosine similarity between two groups
drops below ``min_similarity``. Above ``MAX_AGGLOMERATIVE`` distinct questions a greedy
leader clustering keeps memory and time linear in the number of groups.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Sequence

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer

from gradbot.knowledge.matcher import features
from gradbot.textnorm import normalize

MIN_SIMILARITY = 0.25
MAX_AGGLOMERATIVE = 4000
_TRIM = re.compile(r"[\s?？!！。.,，~～…]+$")


@dataclass(frozen=True)
class Cluster:
    """Indices (into the input) of questions grouped together; ``representative`` is one of them."""

    members: tuple[int, ...]
    representative: int


def question_key(text: str) -> str:
    """The form under which two questions count as the same (normalised, trailing punctuation off)."""
    return _TRIM.sub("", normalize(text))


def _vectors(texts: Sequence[str], background: Sequence[str]):  # type: ignore[no-untyped-def]
    vectorizer = TfidfVectorizer(analyzer=features, sublinear_tf=True, norm="l2")
    vectorizer.fit([*texts, *background])
    return vectorizer.transform(texts)


def _agglomerative(similarity: np.ndarray, min_similarity: float) -> np.ndarray:
    from scipy.cluster.hierarchy import fcluster, linkage
    from scipy.spatial.distance import squareform

    distance = np.clip(1.0 - similarity, 0.0, 2.0)
    np.fill_diagonal(distance, 0.0)
    tree = linkage(squareform(distance, checks=False), method="average")
    return fcluster(tree, t=1.0 - min_similarity, criterion="distance")


def _greedy(matrix, weights: np.ndarray, min_similarity: float) -> np.ndarray:  # type: ignore[no-untyped-def]
    labels = np.zeros(matrix.shape[0], dtype=int)
    leaders: list[int] = []
    for index in np.argsort(-weights, kind="stable"):
        if leaders:
            sims = (matrix[leaders] @ matrix[index].T).toarray().ravel()
            best = int(np.argmax(sims))
            if sims[best] >= min_similarity:
                labels[index] = labels[leaders[best]]
                continue
        leaders.append(int(index))
        labels[index] = len(leaders)
    return labels


def cluster_questions(texts: Sequence[str], background: Sequence[str] = (),
                      min_similarity: float = MIN_SIMILARITY) -> list[Cluster]:
    """Groups of similar ``texts``, largest first (ties: earliest first).

    Every input index is in exactly one cluster; texts that are empty after normalisation
    form one group of their own.
    The representative is the most frequent distinct question of the group, ties broken
    by the highest mean similarity to the rest of the group.
    """
    if not texts:
        return []
    by_key: dict[str, list[int]] = {}
    for index, text in enumerate(texts):
        by_key.setdefault(question_key(text), []).append(index)
    keys = list(by_key)
    weights = np.array([len(by_key[k]) for k in keys], dtype=float)
    nonempty = [i for i, k in enumerate(keys) if k]
    labels = np.zeros(len(keys), dtype=int)
    sims: np.ndarray | None = None
    if len(nonempty) == 1:
        labels[nonempty[0]] = 1
    elif nonempty:
        try:
            matrix = _vectors([keys[i] for i in nonempty], [question_key(b) for b in background])
        except ValueError:  # no features at all (only punctuation): nothing to compare
            matrix = None
        if matrix is None:
            labels[nonempty] = np.arange(1, len(nonempty) + 1)
        elif len(nonempty) <= MAX_AGGLOMERATIVE:
            sims = (matrix @ matrix.T).toarray()
            labels[nonempty] = _agglomerative(sims, min_similarity)
        else:
            labels[nonempty] = _greedy(matrix, weights[nonempty], min_similarity)
    next_label = int(labels.max()) + 1
    for i, key in enumerate(keys):
        if not key:
            labels[i] = next_label
            next_label += 1

    position = {key_index: pos for pos, key_index in enumerate(nonempty)}
    clusters: list[Cluster] = []
    for label in np.unique(labels):
        key_indices = [i for i in range(len(keys)) if labels[i] == label]

        def rank(i: int, members: list[int] = key_indices) -> tuple[float, float]:
            cohesion = 0.0
            if sims is not None and i in position and len(members) > 1:
                row = sims[position[i], [position[j] for j in members if j in position]]
                cohesion = float(row.mean())
            return (weights[i], cohesion)

        best = max(key_indices, key=rank)
        members = tuple(sorted(index for i in key_indices for index in by_key[keys[i]]))
        clusters.append(Cluster(members=members, representative=by_key[keys[best]][0]))
    clusters.sort(key=lambda c: (-len(c.members), c.members[0]))
    return clusters
