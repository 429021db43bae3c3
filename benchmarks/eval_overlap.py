"""How much of an evaluation run's score comes from questions seen in training.

    .venv/bin/gradbot eval tests/eval/questions.yml > build/eval.jsonl
    .venv/bin/python benchmarks/eval_overlap.py build/eval.jsonl

Counts the evaluation questions that equal a training example (``nlu_data/`` or the
knowledge base's questions, after normalisation and without punctuation) and prints the
summary of the run on the other, unseen questions.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from gradbot.evaluation import summarize  # noqa: E402
from gradbot.knowledge.loader import load_directory  # noqa: E402
from gradbot.textnorm import normalize  # noqa: E402

_PUNCT = re.compile(r"[\s?？!！。，,.、:：;；\"'“”‘’()（）]")


def key(text: str) -> str:
    return _PUNCT.sub("", normalize(text))


def training_texts() -> set[str]:
    texts = set()
    for path in (ROOT / "nlu_data").rglob("*.yml"):
        for block in (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("nlu") or []:
            texts |= {key(line.strip()[2:]) for line in str(block.get("examples", "")).splitlines() if line.strip().startswith("- ")}
    kb, _ = load_directory(ROOT / "policies")
    texts |= {key(q) for entry in kb.entries.values() for q in entry.questions}
    return texts


def main() -> None:
    rows = [json.loads(line) for line in Path(sys.argv[1]).read_text(encoding="utf-8").splitlines() if line.startswith('{"text"')]
    seen = training_texts()
    unseen = [r for r in rows if key(r["text"]) not in seen]
    print(f"{len(rows) - len(unseen)} of {len(rows)} questions equal a training example")
    print("all:    " + json.dumps(summarize(rows)))
    print("unseen: " + json.dumps(summarize(unseen)))


if __name__ == "__main__":
    main()
