"""Run questions through the whole assistant and score the outcomes.

The Rasa model runs in this process (``Agent``) with the real action server as a child
process, so each item goes through NLU, the dialogue policies and the custom actions,
as a new conversation. :func:`result_from_messages` gives one result dict per question
(the JSON line contract of ``gradbot eval``); :func:`summarize` the summary line.

Figures (all in :func:`summarize`):

- ``accuracy``: share of all questions whose outcome satisfies ``expect``.
- ``faq_top1``: among questions that expect a knowledge-base id, share answered with an
  expected id.
- ``out_of_scope_refused``: among ``@out_of_scope`` questions, share refused (fallback or
  hand-off).
- ``false_fallback``: among questions that expect a knowledge-base id, share refused.
- ``wrong_answer_rate``: share of *all* questions that were answered with an entry
  (outcome ``faq``) that is not one of the expected ids; an ``@out_of_scope`` (or any
  ``@…``) question answered with any entry counts. Refusals, clarifying buttons and
  hand-offs are not wrong answers: a wrong answer is a confident, wrong entry.
- ``faq_answered_or_offered``: among questions that expect a knowledge-base id, share
  answered with an expected id *or* asked back with buttons that include one (the student
  reaches the right answer with one tap). Informative only: buttons never count as right in
  ``accuracy`` or ``faq_top1``.

:func:`overlap_key` and :func:`training_texts` tell which evaluation questions appear in
the training data (``benchmarks/eval_overlap.py``, ``tests/test_real_questions_leak.py``).
"""

from __future__ import annotations

import time
import unicodedata
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable

import yaml

OUTCOME_EXPECTATIONS = {
    "@out_of_scope": {"fallback", "handoff"},
    "@case_status": {"case_status"},
    "@bind": {"bind"},
    "@handoff": {"handoff"},
    "@greet": {"greet"},
    "@thanks": {"thanks"},
    "@goodbye": {"goodbye"},
    "@bot_challenge": {"bot_challenge"},
    "@clarify": {"clarify"},
    "@fallback": {"fallback"},
}


@dataclass
class EvalItem:
    """One question and what counts as a right answer."""

    text: str
    expect: list[str]


def load_items(path: Path) -> list[EvalItem]:
    """Read an evaluation YAML file (a list of ``{text, expect}``); raises ValueError on bad items."""
    data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    if not isinstance(data, list):
        raise ValueError(f"{path}: expected a YAML list of items with 'text' and 'expect'")
    items = []
    for number, raw in enumerate(data, start=1):
        if not isinstance(raw, dict) or not str(raw.get("text") or "").strip() or raw.get("expect") in (None, "", []):
            raise ValueError(f"{path}: item {number} needs a non-empty 'text' and 'expect'")
        expect = raw["expect"] if isinstance(raw["expect"], list) else [raw["expect"]]
        items.append(EvalItem(str(raw["text"]), [str(e) for e in expect]))
    return items


def is_correct(expect: list[str], outcome: str, faq_id: str | None) -> bool:
    """Whether the outcome satisfies any of the expectations."""
    for wanted in expect:
        if wanted.startswith("@"):
            if outcome in OUTCOME_EXPECTATIONS.get(wanted, {wanted[1:]}):
                return True
        elif outcome == "faq" and faq_id == wanted:
            return True
    return False


def is_wrong_answer(expect: list[str], outcome: str, faq_id: str | None) -> bool:
    """Whether the assistant answered with an entry that none of the expectations names."""
    return outcome == "faq" and not is_correct(expect, outcome, faq_id)


def result_from_messages(text: str, expect: list[str] | None, messages: list[dict[str, Any]],
                         parse: dict[str, Any], latency_ms: float) -> dict[str, Any]:
    """The result object for one turn, from the bot messages and the NLU parse."""
    payload: dict[str, Any] = {}
    replies = []
    for message in messages:
        custom = message.get("custom")
        if isinstance(custom, dict) and "gradbot" in custom:
            payload = custom["gradbot"]
            continue
        if message.get("text"):
            buttons = message.get("buttons") or []
            suffix = "".join(f"\n[{b.get('title')}]" for b in buttons)
            replies.append(message["text"] + suffix)
    intent = parse.get("intent") or {}
    outcome = str(payload.get("outcome") or "other")
    faq_id = payload.get("faq_id")
    return {
        "text": text,
        "expect": (expect[0] if expect and len(expect) == 1 else expect),
        "outcome": outcome,
        "faq_id": faq_id,
        "options": list(payload.get("options") or []),
        "intent": intent.get("name"),
        "confidence": round(float(intent.get("confidence") or 0.0), 4),
        "reply": "\n\n".join(replies),
        "latency_ms": round(latency_ms, 1),
        "correct": is_correct(expect, outcome, faq_id) if expect else None,
        "wrong_answer": is_wrong_answer(expect, outcome, faq_id) if expect else None,
    }


class InProcessAssistant:
    """The trained model in this process, talking to a running action server."""

    def __init__(self, model: Path, action_url: str, action_headers: dict[str, str] | None = None) -> None:
        self.model = model
        self.action_url = action_url
        self.action_headers = dict(action_headers or {})  # the action server's secret (RasaStack.action_headers)
        self.agent: Any = None

    async def load(self) -> None:
        from rasa.core.agent import Agent
        from rasa.utils.endpoints import EndpointConfig

        self.agent = Agent.load(str(self.model), action_endpoint=EndpointConfig(url=self.action_url, headers=self.action_headers))

    async def ask(self, text: str, expect: list[str] | None = None) -> dict[str, Any]:
        """One new conversation with one message; the result object."""
        from rasa.core.channels.channel import CollectingOutputChannel, UserMessage

        sender = f"eval-{uuid.uuid4().hex}"
        output = CollectingOutputChannel()
        started = time.perf_counter()
        await self.agent.handle_message(UserMessage(text, output, sender))
        latency_ms = (time.perf_counter() - started) * 1000
        tracker = await self.agent.tracker_store.retrieve(sender)
        parse = tracker.latest_message.parse_data if tracker and tracker.latest_message else {}
        return result_from_messages(text, expect, output.messages, parse, latency_ms)


def percentile(values: list[float], q: float) -> float:
    """The nearest-rank ``q`` quantile (0–1) of ``values``; NaN when there are none."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))]


def summarize(results: Iterable[dict[str, Any]]) -> dict[str, Any]:
    """The summary object: the figures of the module docstring, and latency."""
    results = list(results)

    def expects(r: dict[str, Any]) -> list[str]:
        return r["expect"] if isinstance(r["expect"], list) else [r["expect"]]

    wrong = sum(r["outcome"] == "faq" and not r["correct"] for r in results)  # see is_wrong_answer

    faq_items = [r for r in results if any(not e.startswith("@") for e in expects(r))]
    oos_items = [r for r in results if "@out_of_scope" in expects(r)]
    latencies = [r["latency_ms"] for r in results]

    def ratio(part: int, whole: int) -> float | None:
        return round(part / whole, 4) if whole else None

    return {
        "n": len(results),
        "accuracy": ratio(sum(bool(r["correct"]) for r in results), len(results)),
        "faq_top1": ratio(sum(bool(r["correct"]) for r in faq_items), len(faq_items)),
        "out_of_scope_refused": ratio(sum(r["outcome"] in ("fallback", "handoff") for r in oos_items), len(oos_items)),
        "false_fallback": ratio(sum(r["outcome"] == "fallback" for r in faq_items), len(faq_items)),
        "wrong_answer_rate": ratio(wrong, len(results)),
        "faq_answered_or_offered": ratio(sum(bool(r["correct"]) or _offered(r, expects(r)) for r in faq_items), len(faq_items)),
        "p50_ms": round(percentile(latencies, 0.5), 1) if latencies else 0.0,
        "p95_ms": round(percentile(latencies, 0.95), 1) if latencies else 0.0,
    }


def _offered(result: dict[str, Any], expect: list[str]) -> bool:
    """Whether a clarifying question offered one of the expected entries as a button."""
    return result["outcome"] == "clarify" and bool(set(result.get("options") or []) & set(expect))


def overlap_key(text: str) -> str:
    """``text`` normalised for overlap checks: :func:`~gradbot.textnorm.normalize`, then
    only letters and digits (no spaces, punctuation or symbols)."""
    from gradbot.textnorm import normalize

    return "".join(ch for ch in normalize(text) if unicodedata.category(ch)[0] in "LN")


NEAR_DUPLICATE = 0.8
MIN_CONTAINED = 5


def _bigrams(key: str) -> set[str]:
    return {key[i : i + 2] for i in range(len(key) - 1)} or {key}


def same_question(a: str, b: str) -> bool:
    """Whether two texts are the same question: after :func:`overlap_key` they are equal,
    one (of at least ``MIN_CONTAINED`` characters) is inside the other, or they share at
    least ``NEAR_DUPLICATE`` of their character bigrams (the same question title copied with
    a word changed). A greeting or a two-character fragment ("hi", "丢了") inside a longer
    question does not make it the same question."""
    x, y = overlap_key(a), overlap_key(b)
    if not x or not y:
        return False
    if x == y:
        return True
    shorter, longer = sorted((x, y), key=len)
    if len(shorter) >= MIN_CONTAINED and shorter in longer:
        return True
    bx, by = _bigrams(x), _bigrams(y)
    return len(bx & by) / len(bx | by) >= NEAR_DUPLICATE


def nlu_examples(path: Path) -> list[str]:
    """The example texts of a Rasa NLU YAML file (both forms Rasa accepts: :mod:`gradbot.nlu_data`)."""
    from gradbot.nlu_data import nlu_examples as examples

    return [example.text for example in examples(path)]


def _strings(node: Any) -> Iterable[str]:
    if isinstance(node, str):
        yield node
    elif isinstance(node, dict):
        for key, value in node.items():
            yield from _strings(key)
            yield from _strings(value)
    elif isinstance(node, list):
        for value in node:
            yield from _strings(value)


def training_texts(nlu_dir: Path, policies_dir: Path, extra_nlu: Iterable[Path] = ()) -> dict[str, list[str]]:
    """Every text the model or the matcher learns from, by file: the NLU examples in
    ``nlu_dir`` and ``extra_nlu`` (such as ``build/kb_nlu.yml``), every line of the
    ``.txt`` files in ``nlu_dir``, and every string (questions, answers, titles) in the
    ``policies_dir`` YAML files."""
    texts: dict[str, list[str]] = {}
    for path in sorted(Path(nlu_dir).rglob("*.yml")) + [Path(p) for p in extra_nlu]:
        texts[str(path)] = nlu_examples(path)
    for path in sorted(Path(nlu_dir).rglob("*.txt")):
        texts[str(path)] = [line for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    for path in sorted(Path(policies_dir).rglob("*.yml")):
        texts[str(path)] = [line for text in _strings(yaml.safe_load(path.read_text(encoding="utf-8"))) for line in text.splitlines()]
    return texts


def find_leaks(questions: Iterable[str], texts: dict[str, list[str]]) -> list[tuple[str, str, str]]:
    """``(question, file, line)`` for every question that equals, or is contained in, a
    line of ``texts`` (compared by :func:`overlap_key`)."""
    lines = [(path, line, overlap_key(line)) for path, file_lines in texts.items() for line in file_lines]
    leaks = []
    for question in questions:
        key = overlap_key(question)
        if not key:
            continue
        leaks += [(question, path, line) for path, line, line_key in lines if key in line_key]
    return leaks
