"""Rank knowledge-base entries by similarity to a student's question.

Each entry is represented by its title, keywords and every one of its ``questions``.
Texts are normalised (:mod:`gradbot.textnorm`) and turned into TF-IDF vectors of
jieba words plus character 1–3-grams, so typos and word-boundary differences still
overlap; question filler words (怎么, 请问, 吗 …) are dropped first. An entry's score
mixes its best single question (``BEST_WEIGHT``) with the similarity to the centroid
of all its texts, which rewards the words an entry's questions share (盖章 for the
stamping entry) over a long overlap with one question of another entry. The index is rebuilt from the knowledge base in milliseconds, which is what lets
edits take effect without retraining the NLU model.

:meth:`Matcher.coverage` answers a different question: how much of what the student
asks does an entry's own text (questions, keywords and answers) speak about? Similarity
can be high because of one shared word; coverage stays low when the question's other
content words (考研, 成都, 华为) appear nowhere in the entry.

Real students' questions (``extra``: :func:`gradbot.knowledge.student_questions.phrasings`)
are extra phrasings of their entries. How much they count is set apart from the entry's
own texts, because they are long, colloquial and noisy: ``EXTRA_SIMILARITY`` scales their
similarity in the best-question part of the score, ``EXTRA_IN_CENTROID`` and
``EXTRA_IN_IDF`` say whether they join the entry's centroid and the IDF statistics, and
``EXTRA_COVERAGE_CREDIT`` is the credit coverage gives a word found only in them (values
chosen by cross-validation over the real questions, ``benchmarks/cv_student_questions.py``).

:meth:`Matcher.classifier_lead` is a third view for the answer gate: a linear classifier over
the same vectors, one class per entry and one for the known out-of-scope questions, says how
clearly the question's words point to the chosen entry rather than to anything else.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer

from gradbot.knowledge.schema import Entry, KnowledgeBase
from gradbot.settings import PROJECT_ROOT
from gradbot.textnorm import normalize

log = logging.getLogger(__name__)

JIEBA_DICT_DIR = PROJECT_ROOT / "nlu_data" / "jieba_dict"
_PUNCT = re.compile(r"[\s\u3000-\u303f\uff00-\uffef!-/:-@\[-`{-~]+")
BEST_WEIGHT = 0.5
# how real students' questions (extra phrasings) count, see the module docstring
EXTRA_SIMILARITY = 1.0
EXTRA_IN_CENTROID = True
EXTRA_IN_IDF = False
EXTRA_COVERAGE_CREDIT = 1.0
FILLER_WORDS = frozenset(
    "请问 问 问下 问一下 一下 想问 想 我 我们 你 你们 的 了 吗 呢 吧 啊 呀 嘛 哦 么 怎么 怎么办 怎样 怎么样 如何 咋 咋办 啥 什么 "
    "哪 哪里 哪儿 在哪 在哪里 哪个 是 是不是 要 需要 可以 能 能不能 有 有没有 没有 还 都 就 也 这 那 这个 那个 个 和 跟 "
    "老师 同学 谢谢 您好 你好 please how what where when which who can do does i my the a an to of is are for in on "
    "about".split()
)


def entry_text(entry: Entry) -> str:
    """Everything an entry says (title, keywords, questions, answers), normalised into one string."""
    parts = (entry.title, entry.title_en, *entry.keywords, *entry.questions, entry.answer, entry.answer_en)
    return normalize(" ".join(p for p in parts if p))

# Words that say how a question is asked, not what it is about: left out of coverage.
COVERAGE_IGNORED = frozenset(
    "干嘛 干啥 有用 没用 啥时候 什么时候 时候 多久 多长时间 今年 明年 去年 期间 有人 通过 一般 具体 现在 之后 以后 的话 "
    "意思 什么意思 啥意思 怎么弄 咋弄 咋整 怎么整 怎么搞 情况 问题 东西 处理 咋处理 办 办理 弄 交到 哪些 多少 多少钱 几 几个 几天 大概 正常 合法 靠谱 算 算不算 影响 会不会 "
    "行不行 可不可以 能否 应该 必须 真的 还是 或者 然后 因为 所以 如果 已经 直接 自己 本人 知道 告诉 清楚 具体点 "
    "why would should could will there it this that".split()
) | frozenset(
    # function words and forum politeness that long questions are full of
    "把 被 到 该 才 不会 会 变成 当时 最近 前年 各位 大家 学长 学姐 学弟 学妹 大佬 老师们 好 但是 但 可是 不过 而且 并且 "
    "一个 一家 一些 有些 有的 更 又 很 太 非常 比较 特别 正在 刚 刚刚 马上 之前 当初 后来 目前 这样 那样 这种 那种 "
    "这边 那边 之类 等等 啦 呗 哈 嗯 唉 哎 其实 只是 只 就是 以及 与 及 或 对于 关于 为了 由于 按照 根据 从 向 往 给 让 "
    "比 同 像 一样 求助 求解答 急 在线等 感谢 麻烦 请教 帮忙 求问 小白 萌新 各位大佬 谁 谁知道 有没有人 请问下 "
    "then also just really very so and or but with from at by as be was were been have has had".split()
) | frozenset(
    # English function words and question frames (pronouns, auxiliaries, contractions' remains)
    "me mine myself your yours our ours us he him his she her they them their its these those am being "
    "get gets got getting want wants wanted need needs needed like may might must shall let lets "
    "if than once here all any both each few more most other some such no nor not only own same too yet already ever "
    "even s t m d ll re ve im dont don doesn didn isn aren wasn won can't cannot ok okay thanks thank hi hello "
    "anyone someone anything something thing things happen happens happened go goes going went know tell say "
    "ask asked question help actually much many lot lots after before during while into onto out up over still "
    "anymore possible allowed".split()
)
SINGLE_CHAR_WEIGHT = 0.5
# the entry classifier (Matcher.classifier_lead): its regularisation (scikit-learn's default, not
# tuned) and the class of the known out-of-scope questions
CLASSIFIER_C = 1.0
OUT_OF_SCOPE_CLASS = "@out_of_scope"


def _english_stem(word: str) -> str:
    """An English word without a common inflection (stamps → stamp, settling → settl, mailed → mail)."""
    for ending in ("ing", "ed", "es", "s", "ment"):
        if word.endswith(ending) and len(word) - len(ending) >= 4:
            return word[: -len(ending)]
    return word


def _mentions(text: str, word: str) -> bool:
    """All of a word of three or more characters but its first or last character occurs in
    ``text``: 三方协议书 → 三方协议, 入海口 (a segmentation slip for 迁入 海口) → 海口."""
    return len(word) >= 3 and not word.isascii() and (word[1:] in text or word[:-1] in text)


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


_ASCII_PIECE = re.compile(r"[a-z0-9']+")
_ENGLISH_ENDINGS = ("'s", "'m", "'re", "'ve", "'ll", "'d", "n't")


def _tokens(text: str) -> list[str]:
    """jieba's words, with a run of ASCII letters kept as one word: jieba splits an English word
    at any dictionary word inside it (three → t hr ee); "i'm" → i, "xi'an" → xian."""
    out: list[str] = []
    run = ""
    for token in [*_jieba().lcut(text), " "]:
        if _ASCII_PIECE.fullmatch(token):
            run += token
            continue
        if run:
            word = next((run[: -len(e)] for e in _ENGLISH_ENDINGS if run.endswith(e) and len(run) > len(e)), run)
            out.append(word.replace("'", ""))
            run = ""
        out.append(token)
    return out[:-1]


@lru_cache(maxsize=4096)
def _content_words(text: str) -> tuple[str, ...]:
    return tuple(w for w in (_PUNCT.sub("", t) for t in _tokens(normalize(text))) if w and w not in FILLER_WORDS)


def content_words(text: str) -> list[str]:
    """The jieba words of a normalised text, without punctuation and question filler."""
    return list(_content_words(text))


def features(text: str) -> list[str]:
    """Word and character n-gram features of a text (after normalisation)."""
    words = content_words(text)
    feats = ["w:" + w for w in words]
    compact = "".join(words)
    for n in (1, 2, 3):
        feats.extend("c:" + compact[i : i + n] for i in range(len(compact) - n + 1))
    return feats


class Matcher:
    """A similarity index over the entries of one knowledge base."""

    def __init__(self, kb: KnowledgeBase, extra: Mapping[str, Sequence[str]] | None = None,
                 out_of_scope: Sequence[str] = ()) -> None:
        self.entries: list[Entry] = list(kb.entries.values())
        extra = {entry.id: [t for t in extra.get(entry.id, ()) if t.strip()] for entry in self.entries} if extra else {}
        docs: list[str] = []
        owners: list[int] = []
        extra_docs: list[str] = []
        extra_owners: list[int] = []
        for index, entry in enumerate(self.entries):
            for text in (entry.title, entry.title_en, *entry.keywords, *entry.questions):
                if text:
                    docs.append(text)
                    owners.append(index)
            for text in extra.get(entry.id, ()):
                extra_docs.append(text)
                extra_owners.append(index)
        self._owners = np.array(owners, dtype=int)
        self._extra_owners = np.array(extra_owners, dtype=int)
        self._vectorizer: TfidfVectorizer | None = None
        if docs:
            self._vectorizer = TfidfVectorizer(analyzer=features, sublinear_tf=True, norm="l2")
            self._vectorizer.fit(docs + extra_docs if EXTRA_IN_IDF else docs)
            self._doc_matrix = self._vectorizer.transform(docs)
            self._extra_matrix = self._vectorizer.transform(extra_docs) if extra_docs else None
            rows = []
            for i in range(len(self.entries)):
                own = self._doc_matrix[self._owners == i]
                if EXTRA_IN_CENTROID and self._extra_matrix is not None and (self._extra_owners == i).any():
                    own_sum = np.asarray(own.sum(axis=0)) + np.asarray(self._extra_matrix[self._extra_owners == i].sum(axis=0))
                    rows.append(own_sum / (own.shape[0] + int((self._extra_owners == i).sum())))
                else:
                    rows.append(np.asarray(own.mean(axis=0)))
            centroids = np.vstack(rows)
            norms = np.linalg.norm(centroids, axis=1, keepdims=True)
            self._centroids = centroids / np.where(norms == 0, 1, norms)
            self._idf = {name[2:]: float(v) for name, v in zip(self._vectorizer.get_feature_names_out(), self._vectorizer.idf_) if name.startswith("w:")}
            self._max_idf = float(self._vectorizer.idf_.max())
        self._texts = {entry.id: entry_text(entry) for entry in self.entries}
        self._words = {entry.id: set(content_words(self._texts[entry.id])) for entry in self.entries}
        # what only the extra phrasings say (coverage gives it EXTRA_COVERAGE_CREDIT)
        self._extra_texts = {entry.id: normalize(" ".join(extra[entry.id])) for entry in self.entries if extra.get(entry.id)}
        self._extra_words = {eid: set(content_words(text)) for eid, text in self._extra_texts.items()}
        # questions known to be out of scope (real students' ones): the nearest neighbour check
        negatives = [t for t in out_of_scope if t.strip()]
        self._negative_matrix = self._vectorizer.transform(negatives) if negatives and self._vectorizer is not None else None
        # rank() and nearest() ask about the same question in one decision: compare it once
        self._similarities = lru_cache(maxsize=16)(self._compare)
        self._classifier: tuple[list[str], Any] | None = None  # fitted by prepare()

    def classifier_lead(self, question: str, entry_id: str, ignore: Collection[str] = ()) -> float:
        """How far a linear classifier over every phrasing prefers the entry to any other class.

        One class per entry and one for the known out-of-scope questions, on the same TF-IDF
        vectors (a linear SVM, one against the rest): where similarity looks at the nearest
        phrasings, the classifier weighs which words tell the entries apart. The entry's
        decision value minus the best other class's, leaving out the entries in ``ignore`` (those
        the question is outside of, :func:`gradbot.knowledge.scope.excluded`): positive when it is
        the classifier's first choice. Fitted by :meth:`prepare` or on first use (about half a
        second for the shipped knowledge base).
        """
        if self._vectorizer is None or not question.strip():
            return 0.0
        classes, model = self.prepare()
        if entry_id not in classes or len(classes) < 2:
            return 0.0
        values = np.atleast_1d(model.decision_function(self._similarities(question)[0])[0])
        if len(classes) == 2:  # a binary SVM gives one value: positive for classes[1]
            values = np.array([-values[0], values[0]])
        own = classes.index(entry_id)
        others = [v for i, (c, v) in enumerate(zip(classes, values)) if i != own and c not in ignore]
        return float(values[own] - max(others)) if others else 0.0

    def prepare(self) -> tuple[list[str], Any]:
        """Fit the entry classifier now (the store does, so that no student waits for it)."""
        if self._classifier is None:
            self._classifier = self._fit_classifier() if self._vectorizer is not None else ([], None)
        return self._classifier

    def _fit_classifier(self) -> tuple[list[str], Any]:
        from scipy.sparse import vstack
        from sklearn.svm import LinearSVC

        parts = [self._doc_matrix]
        labels = [self.entries[i].id for i in self._owners]
        if self._extra_matrix is not None:
            parts.append(self._extra_matrix)
            labels += [self.entries[i].id for i in self._extra_owners]
        if self._negative_matrix is not None:
            parts.append(self._negative_matrix)
            labels += [OUT_OF_SCOPE_CLASS] * self._negative_matrix.shape[0]
        classes = sorted(set(labels))
        if len(classes) < 2:
            return classes, None
        model = LinearSVC(C=CLASSIFIER_C).fit(vstack(parts), labels)
        return list(model.classes_), model

    def _compare(self, question: str):  # type: ignore[no-untyped-def]
        """``(query vector, cosine to each own phrasing, cosine to each extra phrasing)``."""
        query = self._vectorizer.transform([question])
        sims = (self._doc_matrix @ query.T).toarray().ravel()
        extra_sims = (self._extra_matrix @ query.T).toarray().ravel() if self._extra_matrix is not None else np.zeros(0)
        return query, sims, extra_sims

    def nearest(self, question: str) -> tuple[float, float]:
        """The highest cosine similarity of ``question`` to any phrasing of an entry (its own
        texts and the students' phrasings) and to any known out-of-scope question (0 without)."""
        if self._vectorizer is None or not question.strip():
            return 0.0, 0.0
        query, sims, extra_sims = self._similarities(question)
        inside = max(float(sims.max()), float(extra_sims.max()) if extra_sims.size else 0.0)
        outside = float((self._negative_matrix @ query.T).max()) if self._negative_matrix is not None else 0.0
        return inside, outside

    def coverage(self, question: str, entry: Entry) -> tuple[float, bool]:
        """How much of the question's content the entry speaks about.

        Returns the IDF-weighted share of the question's content words that occur in the
        entry's own text (a word the knowledge base never uses weighs the most), and
        whether at least one shared word is longer than one character: a single shared
        character (丢, 章) must not carry an answer.
        """
        words = [w for w in content_words(question) if w not in COVERAGE_IGNORED and not any(ch.isdigit() for ch in w)]
        if not words or self._vectorizer is None:
            return 0.0, False
        text, vocab = self._texts.get(entry.id, ""), self._words.get(entry.id, set())
        extra_text, extra_vocab = self._extra_texts.get(entry.id, ""), self._extra_words.get(entry.id, set())
        total = covered = 0.0
        substantial = False
        for word in words:
            long_word = len(word) >= (3 if word.isascii() else 2)
            weight = self._idf.get(word, self._max_idf) * (1.0 if long_word else SINGLE_CHAR_WEIGHT)
            total += weight
            stem = _english_stem(word) if word.isascii() else word
            if (long_word and (word in text or stem in text)) or word in vocab:
                covered += weight
                substantial = substantial or long_word
            elif EXTRA_COVERAGE_CREDIT and ((long_word and word in extra_text) or word in extra_vocab):
                covered += weight * EXTRA_COVERAGE_CREDIT
                substantial = substantial or long_word
            elif long_word and _mentions(text, word):  # most of the word: half the credit
                covered += weight / 2
        return (covered / total if total else 0.0), substantial

    def vectors(self, texts: list[str]):  # type: ignore[no-untyped-def]
        """L2-normalised TF-IDF vectors (sparse rows) of ``texts``; None for an empty knowledge base."""
        return None if self._vectorizer is None else self._vectorizer.transform(texts)

    def rank(self, question: str, topics: set[str] | None = None, limit: int = 5) -> list[Match]:
        """Entries most similar to ``question``, best first (optionally only in ``topics``)."""
        if self._vectorizer is None or not question.strip():
            return []
        query, sims, extra_sims = self._similarities(question)
        centroid_sims = self._centroids @ query.toarray().ravel()
        matches = []
        for index, entry in enumerate(self.entries):
            if topics is not None and entry.topic not in topics:
                continue
            own = sims[self._owners == index]
            if own.size == 0:
                continue
            best = float(own.max())
            extra = extra_sims[self._extra_owners == index]
            if extra.size:
                best = max(best, EXTRA_SIMILARITY * float(extra.max()))
            score = BEST_WEIGHT * best + (1 - BEST_WEIGHT) * float(centroid_sims[index])
            matches.append(Match(entry, score))
        matches.sort(key=lambda m: m.score, reverse=True)
        return matches[:limit]
