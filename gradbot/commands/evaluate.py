"""``gradbot eval FILE`` and ``gradbot ask TEXT…``: questions through the whole assistant.

Both start the action server, load the model in-process, write one JSON object per
line to stdout (``eval`` adds a summary line) and stop everything afterwards.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from pathlib import Path


def register(sub: argparse._SubParsersAction) -> None:
    evaluate = sub.add_parser("eval", help="用评测文件测试助手（开发用；输出 JSON 行和汇总）")
    evaluate.add_argument("file", type=Path, help="YAML list of {text, expect}")
    evaluate.set_defaults(func=run_eval)
    ask = sub.add_parser("ask", help="向助手提一个或多个问题（开发用；输出 JSON 行）")
    ask.add_argument("texts", nargs="+", metavar="TEXT")
    ask.set_defaults(func=run_ask)


_RESULTS_OUT = sys.stdout


def _emit(obj: dict) -> None:
    _RESULTS_OUT.write(json.dumps(obj, ensure_ascii=False) + "\n")
    _RESULTS_OUT.flush()


def _quiet_rasa() -> None:
    """Keep stdout for JSON lines: Rasa's structlog prints debug lines to stdout by default."""
    import logging

    import structlog

    structlog.configure(
        wrapper_class=structlog.make_filtering_bound_logger(logging.WARNING),
        logger_factory=structlog.PrintLoggerFactory(file=sys.stderr),
    )
    sys.stdout = sys.stderr  # anything else that prints goes to stderr too


def _run(texts: list[str], expects: list[list[str] | None]) -> list[dict]:
    from gradbot.evaluation import InProcessAssistant
    from gradbot.settings import get_settings
    from gradbot.stack import RasaStack, StackError
    from gradbot.training import latest_model

    _quiet_rasa()
    settings = get_settings()
    model = latest_model(settings.models_dir)
    if model is None:
        raise StackError("no trained model in models/: run `gradbot train` (or `make model`)")
    results: list[dict] = []
    with RasaStack(settings, start_rasa=False) as stack:
        assistant = InProcessAssistant(model, stack.action_url, stack.action_headers)

        async def main() -> None:
            await assistant.load()
            for text, expect in zip(texts, expects):
                result = await assistant.ask(text, expect)
                results.append(result)
                _emit(result)

        asyncio.run(main())
    return results


def run_eval(args: argparse.Namespace) -> int:
    from gradbot.evaluation import load_items, summarize

    items = load_items(args.file)
    results = _run([i.text for i in items], [i.expect for i in items])
    _emit({"summary": summarize(results)})
    return 0


def run_ask(args: argparse.Namespace) -> int:
    _run(list(args.texts), [None] * len(args.texts))
    return 0
