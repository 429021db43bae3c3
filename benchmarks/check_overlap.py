"""Check new training questions against the evaluation sets, without showing those sets.

    python benchmarks/check_overlap.py nlu_data/real/dispatch.yml [more files]

Each file is Rasa NLU YAML (``examples`` as a list of ``{text, metadata}`` or a block
string). For every example the script says whether it repeats (equal, contained when at least 5 characters, or a
near duplicate by :func:`gradbot.evaluation.same_question`) a question of the held-out
set ``tests/eval/real_questions.yml``, of the tuning sets, or another example. Only the
checked file's own texts and item numbers are printed, never an evaluation question, so
whoever collects training questions never reads the held-out set. Exit status 1 when
something must be removed.
"""

from __future__ import annotations

import sys
from pathlib import Path

from gradbot.evaluation import load_items, nlu_examples, overlap_key, same_question
from gradbot.settings import PROJECT_ROOT

EVAL_SETS = ["real_questions.yml", "real_dev_questions.yml", "questions.yml", "dev_questions.yml"]


def repeats(candidates: list[str]) -> list[tuple[int, str, str]]:
    """``(number, text, what it repeats)`` for candidates that must not be trained on."""
    eval_texts = {
        name: [item.text for item in load_items(PROJECT_ROOT / "tests" / "eval" / name)] for name in EVAL_SETS
    }
    found: list[tuple[int, str, str]] = []
    seen: dict[str, int] = {}
    for number, text in enumerate(candidates, start=1):
        for name, texts in eval_texts.items():
            if any(same_question(text, other) for other in texts):
                found.append((number, text, f"a question of tests/eval/{name}"))
                break
        key = overlap_key(text)
        if key in seen:
            found.append((number, text, f"item {seen[key]} of the checked files"))
        seen.setdefault(key, number)
    return found


def main(argv: list[str]) -> int:
    candidates = [text for path in argv for text in nlu_examples(Path(path))]
    problems = repeats(candidates)
    for number, text, what in problems:
        print(f"item {number}: {text!r} repeats {what}: remove it")
    print(f"{len(candidates)} examples checked, {len(problems)} to remove")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
