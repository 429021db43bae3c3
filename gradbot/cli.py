"""The ``gradbot`` console script: one entry point, subcommands registered by modules.

Each module in :mod:`gradbot.commands` exposes ``register(subparsers)``, which adds its
subcommands and sets ``func`` (``args -> exit code``). Modules keep heavy imports
(Rasa, TensorFlow) inside the functions, so ``gradbot --help`` stays fast.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import sys
from typing import Sequence

COMMAND_MODULES = (
    "gradbot.commands.kb",
    "gradbot.commands.train",
    "gradbot.commands.evaluate",
    "gradbot.commands.run",
    "gradbot.commands.serve",
    "gradbot.commands.cases",
    "gradbot.commands.report",
    "gradbot.commands.review",
    "gradbot.commands.notify",
)


class StaffParser(argparse.ArgumentParser):
    """An argument parser whose ``-h`` help line is in Chinese (the subcommands' parsers are of this class too)."""

    def __init__(self, *args, add_help: bool = True, **kwargs) -> None:  # type: ignore[no-untyped-def]
        super().__init__(*args, add_help=False, **kwargs)
        if add_help:
            self.add_argument("-h", "--help", action="help", default=argparse.SUPPRESS, help="显示帮助并退出")


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with every available subcommand."""
    parser = StaffParser(prog="gradbot", description="就创中心毕业生助手")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Parse arguments and run the chosen subcommand; returns the process exit code."""
    from gradbot.logsetup import configure_logging

    configure_logging()
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    try:
        return int(args.func(args) or 0)
    except KeyboardInterrupt:
        return 130
    except Exception as exc:  # the last line of defence: a clear message, not a traceback
        logging.getLogger("gradbot").debug("command failed", exc_info=True)
        print(f"gradbot {args.command}：错误：{exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
