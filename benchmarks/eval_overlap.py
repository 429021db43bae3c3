"""Per evaluation run: the figures, and how much of them comes from questions seen in training.

    .venv/bin/gradbot eval tests/eval/questions.yml > build/eval.jsonl
    .venv/bin/gradbot eval tests/eval/real_questions.yml > build/eval_real.jsonl
    .venv/bin/python benchmarks/eval_overlap.py build/eval.jsonl build/eval_real.jsonl

For each JSON-lines file (the output of ``gradbot eval``) prints a header, the number of
questions equal to a training example (``nlu_data/``, ``build/kb_nlu.yml`` or any text of
``policies/``, compared by :func:`gradbot.evaluation.overlap_key`), the summary of all
questions and the summary of the unseen ones (accuracy, entry top-1, out-of-scope refused,
false fallback, wrong-answer rate; definitions in ``gradbot/evaluation.py``).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from gradbot.evaluation import overlap_key, summarize, training_texts  # noqa: E402

FIGURES = ("n", "accuracy", "faq_top1", "out_of_scope_refused", "false_fallback", "wrong_answer_rate",
           "faq_answered_or_offered")


def seen_keys() -> set[str]:
    """The overlap keys of every training text."""
    kb_nlu = ROOT / "build" / "kb_nlu.yml"
    texts = training_texts(ROOT / "nlu_data", ROOT / "policies", [kb_nlu] if kb_nlu.exists() else [])
    return {overlap_key(line) for lines in texts.values() for line in lines}


def figures(rows: list[dict]) -> str:
    summary = summarize(rows)
    return json.dumps({name: summary[name] for name in FIGURES})


def main(paths: list[str]) -> None:
    seen = seen_keys()
    for path in paths:
        lines = Path(path).read_text(encoding="utf-8").splitlines()
        rows = [json.loads(line) for line in lines if line.startswith('{"text"')]
        unseen = [r for r in rows if overlap_key(r["text"]) not in seen]
        print(f"== {path}")
        print(f"{len(rows) - len(unseen)} of {len(rows)} questions equal a training example")
        print("all:    " + figures(rows))
        print("unseen: " + figures(unseen))


if __name__ == "__main__":
    if len(sys.argv) < 2:
        sys.exit("usage: eval_overlap.py RESULTS.jsonl [MORE.jsonl …]")
    main(sys.argv[1:])
