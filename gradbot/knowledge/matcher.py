"""Rank knowledge-base entries by similarity to a student's question.

Each entry is represented by its title, keywords and every one of its ``questions``.
Texts are normalised (:mod:`gradbot.textnorm`) and turned into TF-IDF vectors of
jieba words plus character 1–3-grams, so typos and word-boundary differences still
overlap. An entry's score is ``0.7 × best question similarity + 0.3 × mean of its three
best``. The index is rebuilt from the knowledge base in milliseconds, which is what lets
edits take effect without retraining the NLU model.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer

from gradbot.knowledge.schema import Entry, KnowledgeBase
from gradbot.settings import PROJECT_ROOT
from gradbot.textnorm import normalize

log = logging.getLogger(__name__)

JIEBA_DICT_DIR = PROJECT_ROOT / "nlu_data" / "jieba_dict"
_PUNCT = re.compile(r"[\s\u3000-\u303f\uff00-\uffef!-/:-@\[-`{-~]+")


@dataclass(frozen=True)
class Match:
    """An entry and how similar the question is to it (0–1)."""

    entry: Entry
    score: float


@lru_cache(maxsize=1)
def _jieba():  # type: ignore[no-untyped-def]
    import jieba

    jieba.setLogLevel(logging.WARNING)
    tokenizer = jieba.Tokenizer()
    for path in sorted(Path(JIEBA_DICT_DIR).glob("*.txt")):
        tokenizer.load_userdict(str(path))
    return tokenizer


def features(text: str) -> list[str]:
    """Word and character n-gram features of a text (after normalisation)."""
    norm = normalize(text)
    words = [w for w in (_PUNCT.sub("", t) for t in _jieba().lcut(norm)) if w]
    feats = ["w:" + w for w in words]
    compact = _PUNCT.sub("", norm)
    for n in (1, 2, 3):
        feats.extend("c:" + compact[i : i + n] for i in range(len(compact) - n + 1))
    return feats


class Matcher:
    """A similarity index over the entries of one knowledge base."""

    def __init__(self, kb: KnowledgeBase) -> None:
        self.entries: list[Entry] = list(kb.entries.values())
        docs: list[str] = []
        owners: list[int] = []
        for index, entry in enumerate(self.entries):
            for text in (entry.title, entry.title_en, *entry.keywords, *entry.questions):
                if text:
                    docs.append(text)
                    owners.append(index)
        self._owners = np.array(owners, dtype=int)
        self._vectorizer: TfidfVectorizer | None = None
        if docs:
            self._vectorizer = TfidfVectorizer(analyzer=features, sublinear_tf=True, norm="l2")
            self._doc_matrix = self._vectorizer.fit_transform(docs)

    def rank(self, question: str, topics: set[str] | None = None, limit: int = 5) -> list[Match]:
        """Entries most similar to ``question``, best first (optionally only in ``topics``)."""
        if self._vectorizer is None or not question.strip():
            return []
        query = self._vectorizer.transform([question])
        sims = (self._doc_matrix @ query.T).toarray().ravel()
        matches = []
        for index, entry in enumerate(self.entries):
            if topics is not None and entry.topic not in topics:
                continue
            own = np.sort(sims[self._owners == index])[::-1]
            if own.size == 0:
                continue
            score = 0.7 * float(own[0]) + 0.3 * float(own[:3].mean())
            matches.append(Match(entry, score))
        matches.sort(key=lambda m: m.score, reverse=True)
        return matches[:limit]
