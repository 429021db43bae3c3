"""``gradbot kb check [DIR]``: validate the knowledge base, naming file, line and entry."""

from __future__ import annotations

import argparse
from pathlib import Path


def register(sub: argparse._SubParsersAction) -> None:
    kb = sub.add_parser("kb", help="knowledge-base tools")
    kb_sub = kb.add_subparsers(dest="kb_command", metavar="KB_COMMAND", required=True)
    check = kb_sub.add_parser("check", help="validate policies/*.yml (exit 1 on errors)")
    check.add_argument("directory", nargs="?", type=Path, help="default: the project's policies/")
    check.add_argument("--stale-days", type=int, default=180, help="warn about entries not checked for this many days")
    check.add_argument("--with-model", action="store_true", help="also run each question through the trained NLU model")
    check.set_defaults(func=run_check)


def run_check(args: argparse.Namespace) -> int:
    from gradbot.knowledge.checker import check_directory
    from gradbot.settings import get_settings

    directory = args.directory or get_settings().policies_dir
    report = check_directory(directory, stale_days=args.stale_days, with_model=args.with_model)
    for problem in report.problems:
        print(problem)
    print(f"{report.entry_count} entries in {report.file_count} files: {report.error_count} errors, {report.warning_count} warnings")
    return 1 if report.error_count else 0
