"""Leave-one-out check of the answering decision over the knowledge base's own questions.

For every question of every entry, the question is removed from the knowledge base, the
matcher is rebuilt, and :func:`gradbot.knowledge.answering.decide` is asked with the
NLU's topic confidence simulated (right topic at 0.9, or no topic information at all).
Out-of-scope training examples (``nlu_data/nlu/out_of_scope.yml``) are run with a
mistaken topic at 0.6 to see how many the similarity floor still refuses. Prints the
figures for the current thresholds; used to choose them, never the evaluation set.

    .venv/bin/python benchmarks/tune_answering.py
"""

from __future__ import annotations

import dataclasses
from collections import Counter

from gradbot.knowledge import answering
from gradbot.knowledge.loader import load_directory
from gradbot.knowledge.matcher import Matcher
from gradbot.knowledge.schema import KnowledgeBase
from gradbot.nlu_data import nlu_examples
from gradbot.settings import PROJECT_ROOT


def leave_one_out(kb: KnowledgeBase, topic_conf: float | None) -> Counter:
    counts: Counter = Counter()
    for entry in kb.entries.values():
        for question in entry.questions:
            reduced = dict(kb.entries)
            reduced[entry.id] = dataclasses.replace(entry, questions=tuple(q for q in entry.questions if q != question))
            matcher = Matcher(KnowledgeBase(entries=reduced, topics=kb.topics, contacts=kb.contacts))
            confidence = {entry.topic: topic_conf} if topic_conf is not None else {}
            decision = answering.decide(matcher, question, confidence)
            if decision.outcome == "faq":
                counts["right" if decision.entry.id == entry.id else "wrong"] += 1
            else:
                counts[decision.outcome] += 1
    return counts


def out_of_scope(kb: KnowledgeBase) -> Counter:
    path = PROJECT_ROOT / "nlu_data" / "nlu" / "out_of_scope.yml"
    examples = [example.text.strip() for example in nlu_examples(path)]
    matcher = Matcher(kb)
    counts: Counter = Counter()
    for text in examples:
        best = matcher.rank(text, limit=1)
        topic = best[0].entry.topic if best else "general"
        counts[answering.decide(matcher, text, {topic: 0.6}).outcome] += 1
    return counts


def main() -> None:
    kb, _ = load_directory(PROJECT_ROOT / "policies")
    print(f"thresholds: TOPIC_WEIGHT={answering.TOPIC_WEIGHT} CLARIFY_MARGIN={answering.CLARIFY_MARGIN} "
          f"MIN_SIMILARITY={answering.MIN_SIMILARITY} WEAK_SIMILARITY={answering.WEAK_SIMILARITY}")
    for label, conf in (("right topic at 0.9", 0.9), ("no topic information", None)):
        counts = leave_one_out(kb, conf)
        total = sum(counts.values())
        print(f"leave-one-out, {label}: n={total} " + " ".join(f"{k}={v / total:.3f}" for k, v in sorted(counts.items())))
    counts = out_of_scope(kb)
    total = sum(counts.values()) or 1
    print(f"out-of-scope examples, mistaken topic at 0.6: n={total} " + " ".join(f"{k}={v / total:.3f}" for k, v in sorted(counts.items())))


if __name__ == "__main__":
    main()
