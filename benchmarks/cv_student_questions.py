"""Cross-validated figures on real students' questions (``nlu_data/real/``), without the held-out set.

The real examples are split into ``K`` folds (stratified by label; the same question copied
twice stays in one fold). For each fold the NLU model is trained WITHOUT that fold's
examples (``rasa train nlu`` on ``nlu_data/nlu/``, the other folds' real examples and the
knowledge base's questions; models are cached in ``build/cv/`` by the fingerprint of their
inputs), the matcher is built with only the other folds' examples as extra phrasings, and
the fold's questions are replayed offline through the assistant's routing
(``calibrate_answering.replay``, which reproduces ``gradbot eval``). Every real question is
therefore scored by a model and a matcher that never saw it.

Printed figures (:func:`gradbot.evaluation.summarize`): accuracy, faq_top1,
out_of_scope_refused, false_fallback, wrong_answer_rate — with the answer gate off and with
the gate of ``answering.py``. Also, each in-scope question asked of the knowledge base
without its entry (``-uncovered``: any entry given is wrong). The gate-off rows are saved in
``build/cv_student_questions.json`` for ``calibrate_answering.py``.

    .venv/bin/python benchmarks/cv_student_questions.py                 # train (or reuse) K models, replay
    .venv/bin/python benchmarks/cv_student_questions.py --no-extra      # matcher without the student phrasings
    .venv/bin/python benchmarks/cv_student_questions.py --set EXTRA_SIMILARITY=0.8 --set EXTRA_IN_IDF=0
    .venv/bin/python benchmarks/cv_student_questions.py --model models/gradbot-….tar.gz  # one model for every fold
    .venv/bin/python benchmarks/cv_student_questions.py --config build/config-e40.yml   # another NLU pipeline

The held-out ``tests/eval/real_questions.yml`` is never read.
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import sys
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

import yaml
from calibrate_answering import fallback_thresholds, replay

from gradbot.evaluation import is_correct, nlu_examples, overlap_key, summarize
from gradbot.knowledge import answering, student_questions
from gradbot.knowledge import matcher as matcher_module
from gradbot.knowledge.loader import load_directory
from gradbot.knowledge.matcher import Matcher
from gradbot.knowledge.schema import KnowledgeBase
from gradbot.knowledge.student_questions import StudentQuestion
from gradbot.settings import PROJECT_ROOT, Settings
from gradbot.training import fingerprint, rasa_train, write_kb_nlu

HELD_OUT = "real_questions.yml"
CV_DIR = PROJECT_ROOT / "build" / "cv"
ROWS = PROJECT_ROOT / "build" / "cv_student_questions.json"
SEED = 8
TEAM_NEGATIVES: tuple[str, ...] = ()  # --team-negatives: the team's out-of-scope examples as well


def folds_of(questions: list[StudentQuestion], k: int) -> list[int]:
    """The fold of each question: stratified by label, one fold per distinct question."""
    by_key: dict[str, list[int]] = defaultdict(list)
    for i, q in enumerate(questions):
        by_key[overlap_key(q.text)].append(i)
    by_label: dict[str, list[str]] = defaultdict(list)
    for key, members in by_key.items():
        by_label[questions[members[0]].entry or "@out_of_scope"].append(key)
    rng = random.Random(SEED)
    fold = [0] * len(questions)
    position = 0
    for label in sorted(by_label):
        keys = sorted(by_label[label])
        rng.shuffle(keys)
        for key in keys:
            for i in by_key[key]:
                fold[i] = position % k
            position += 1
    return fold


def write_real(questions: list[StudentQuestion], path: Path) -> None:
    """``questions`` as one Rasa NLU file with their metadata."""
    blocks: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for q in questions:
        meta = {"entry": q.entry} if q.entry else {"subject": q.subject}
        blocks[q.intent].append({"text": q.text, "metadata": {**meta, "source": q.source}})
    document = {"version": "3.1", "nlu": [{"intent": i, "examples": ex} for i, ex in sorted(blocks.items())]}
    path.write_text(yaml.safe_dump(document, allow_unicode=True, sort_keys=False, width=1000), encoding="utf-8")


def fold_model(train: list[StudentQuestion], fold: int, config: Path) -> Path:
    """The NLU model trained without the held fold (trained unless cached)."""
    data = CV_DIR / f"fold{fold}" / "data"
    if data.exists():
        shutil.rmtree(data)
    data.mkdir(parents=True)
    for path in sorted((PROJECT_ROOT / "nlu_data" / "nlu").glob("*.yml")):
        shutil.copy(path, data / path.name)
    write_real(train, data / "real.yml")
    settings = Settings(project_root=PROJECT_ROOT, policies_dir=PROJECT_ROOT / "policies")
    write_kb_nlu(settings, data / "kb_nlu.yml", nlu_paths=[data])
    inputs = [config, *sorted(data.glob("*.yml")), *sorted((PROJECT_ROOT / "gradbot" / "nlu").glob("*.py")),
              PROJECT_ROOT / "gradbot" / "textnorm.py", *sorted((PROJECT_ROOT / "nlu_data" / "jieba_dict").glob("*.txt"))]
    name = f"cv-{fingerprint(inputs)}"
    model = CV_DIR / "models" / f"{name}.tar.gz"
    if not model.exists():
        started = time.perf_counter()
        print(f"fold {fold}: training {name} on {len(train)} real examples ...", flush=True)
        rasa_train(PROJECT_ROOT, [data], model.parent, name, config=config.resolve(), nlu_only=True)
        print(f"fold {fold}: trained in {time.perf_counter() - started:.0f} s", flush=True)
    return model


def parse_all(model: Path, texts: list[str]) -> dict[str, list]:
    """The NLU parse of each text by ``model`` (cached in ``build/cv/parses.json``)."""
    cache_path = CV_DIR / "parses.json"
    cache = json.loads(cache_path.read_text(encoding="utf-8")) if cache_path.exists() else {}
    parsed = cache.setdefault(str(model), {})
    missing = [t for t in texts if t not in parsed]
    if missing:
        from gradbot.nlu_model import NluModel

        nlu = NluModel.load(model)
        for text in missing:
            p = nlu.parse(text)
            parsed[text] = [p["intent"]["name"], float(p["intent"]["confidence"]),
                            [[r["name"], float(r["confidence"])] for r in p.get("intent_ranking", [])]]
        cache_path.parent.mkdir(parents=True, exist_ok=True)
        cache_path.write_text(json.dumps(cache, ensure_ascii=False), encoding="utf-8")
    return {t: parsed[t] for t in texts}


def replay_rows(questions: list[StudentQuestion], fold: list[int], parses: dict[int, dict[str, list]],
                kb: KnowledgeBase, use_extra: bool, uncovered: bool = True) -> list[dict[str, Any]]:
    """One gate-off row per question (and per in-scope question asked without its entry)."""
    thresholds = fallback_thresholds()
    saved = answering.ANSWER_PROBABILITY
    answering.ANSWER_PROBABILITY = 0.0  # gate off: every answer is an example; the gate is applied after
    rows: list[dict[str, Any]] = []
    try:
        for k in sorted(set(fold)):
            train = [q for q, f in zip(questions, fold) if f != k]
            extra = student_questions.phrasings(train, kb.entries) if use_extra else {}
            negatives = (student_questions.out_of_scope_texts(train) if use_extra else ()) + TEAM_NEGATIVES
            matcher = Matcher(kb, extra, negatives)
            reduced: dict[str, Matcher] = {}
            for q, f in zip(questions, fold):
                if f != k:
                    continue
                key = f"real-cv:{q.file.name}:{q.number}"
                expect = [q.entry] if q.entry else ["@out_of_scope"]
                rows.append(_row(key, "real-cv", expect, *replay(matcher, q.text, parses[k][q.text], thresholds)))
                if uncovered and q.entry in kb.entries:
                    if q.entry not in reduced:
                        rest = {i: e for i, e in kb.entries.items() if i != q.entry}
                        reduced[q.entry] = Matcher(KnowledgeBase(entries=rest, topics=kb.topics, contacts=kb.contacts),
                                                   {i: t for i, t in extra.items() if i != q.entry}, negatives)
                    rows.append(_row(key, "real-cv-uncovered", ["@out_of_scope"],
                                     *replay(reduced[q.entry], q.text, parses[k][q.text], thresholds)))
    finally:
        answering.ANSWER_PROBABILITY = saved
    return rows


def _row(key: str, name: str, expect: list[str], outcome: str, faq_id: str | None, evidence: dict) -> dict[str, Any]:
    return {"key": key, "set": name, "expect": expect, "outcome": outcome, "faq_id": faq_id, "evidence": evidence,
            "oos": "@out_of_scope" in expect}


def gated_now(row: dict[str, Any]) -> bool:
    """Whether the gate of ``answering.py`` turns this (gate-off) answer into buttons."""
    return bool(row["evidence"]) and row["outcome"] == "faq" and answering.answer_probability(row["evidence"]) < answering.ANSWER_PROBABILITY


def summary(rows: list[dict[str, Any]], gate: bool) -> dict[str, Any]:
    results = []
    for r in rows:
        outcome = "clarify" if gate and gated_now(r) else r["outcome"]
        results.append({"expect": r["expect"], "outcome": outcome, "latency_ms": 0.0,
                        "correct": is_correct(r["expect"], outcome, r["faq_id"])})
    s = summarize(results)
    return {k: s[k] for k in ("n", "accuracy", "faq_top1", "out_of_scope_refused", "false_fallback", "wrong_answer_rate")}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-k", "--folds", type=int, default=5)
    parser.add_argument("--config", default="config.yml", help="NLU pipeline to train each fold with")
    parser.add_argument("--model", help="use this one model for every fold instead of training (e.g. a model without real data)")
    parser.add_argument("--no-extra", action="store_true", help="matcher without the student phrasings")
    parser.add_argument("--set", action="append", default=[], metavar="NAME=VALUE",
                        help="override a matcher or answering constant (e.g. EXTRA_SIMILARITY=0.8)")
    parser.add_argument("--team-negatives", action="store_true",
                        help="the team's out-of-scope examples (nlu_data/nlu/out_of_scope.yml) join the nearest-neighbour check")
    parser.add_argument("--errors", action="store_true", help="print the wrongly answered and refused questions")
    parser.add_argument("--no-save", action="store_true", help="do not write build/cv_student_questions.json")
    args = parser.parse_args()
    if any(HELD_OUT in a for a in sys.argv):
        raise SystemExit(f"{HELD_OUT} is held out: never tune on it")
    for assignment in args.set:
        name, value = assignment.split("=", 1)
        module = matcher_module if hasattr(matcher_module, name) else answering
        old = getattr(module, name)
        setattr(module, name, type(old)(float(value)) if not isinstance(old, bool) else value.lower() in ("1", "true", "yes"))
        print(f"{module.__name__}.{name} = {getattr(module, name)}")
    if args.team_negatives:
        global TEAM_NEGATIVES
        TEAM_NEGATIVES = tuple(nlu_examples(PROJECT_ROOT / "nlu_data" / "nlu" / "out_of_scope.yml"))
    questions = [q for q in student_questions.load(PROJECT_ROOT / "nlu_data" / "real") if q.text]
    if not questions:
        raise SystemExit("nlu_data/real/ holds no student questions")
    kb, _ = load_directory(PROJECT_ROOT / "policies")
    fold = folds_of(questions, args.folds)
    parses: dict[int, dict[str, list]] = {}
    models = {}
    for k in range(args.folds):
        held = [q.text for q, f in zip(questions, fold) if f == k]
        train = [q for q, f in zip(questions, fold) if f != k]
        model = Path(args.model) if args.model else fold_model(train, k, Path(args.config))
        models[k] = model.name
        parses[k] = parse_all(model.resolve(), held)
    rows = replay_rows(questions, fold, parses, kb, use_extra=not args.no_extra)
    in_scope = sum(bool(q.entry) for q in questions)
    print(f"{len(questions)} real examples ({in_scope} in scope, {len(questions) - in_scope} out of scope), "
          f"{args.folds} folds; models {sorted(set(models.values()))}")
    for name in ("real-cv", "real-cv-uncovered"):
        part = [r for r in rows if r["set"] == name]
        print(f"  {name:<18} gate off  {summary(part, gate=False)}")
        print(f"  {name:<18} gate on   {summary(part, gate=True)}")
    if args.errors:
        texts = {f"real-cv:{q.file.name}:{q.number}": q.text for q in questions}
        for r in rows:
            if r["set"] != "real-cv":
                continue
            outcome = "clarify" if gated_now(r) else r["outcome"]
            if not is_correct(r["expect"], outcome, r["faq_id"]):
                print(f"  {outcome:<8} {str(r['faq_id']):<34} expect {r['expect'][0]:<34} {texts[r['key']][:60]}")
    if not args.no_save:
        ROWS.write_text(json.dumps({"models": models, "rows": rows}, ensure_ascii=False), encoding="utf-8")


if __name__ == "__main__":
    main()
