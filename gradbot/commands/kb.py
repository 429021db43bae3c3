"""``gradbot kb check [DIR]``: validate the knowledge base, naming file, line and entry; ``gradbot kb drafts``: list drafts."""

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
    drafts = kb_sub.add_parser("drafts", help="list the draft entries waiting for review (policies/_drafts.yml)")
    drafts.add_argument("directory", nargs="?", type=Path, help="default: the project's policies/")
    drafts.set_defaults(func=run_drafts)


def run_check(args: argparse.Namespace) -> int:
    from gradbot.knowledge.checker import check_directory
    from gradbot.settings import get_settings

    directory = args.directory or get_settings().policies_dir
    report = check_directory(directory, stale_days=args.stale_days, with_model=args.with_model)
    for problem in report.problems:
        print(problem)
    print(f"{report.entry_count} entries in {report.file_count} files: {report.error_count} errors, {report.warning_count} warnings")
    return 1 if report.error_count else 0


def run_drafts(args: argparse.Namespace) -> int:
    """Print each draft: id, topic, where it came from, its questions and the start of its answer."""
    from gradbot.knowledge.drafts import drafts_path, parse_drafts_file
    from gradbot.settings import get_settings

    directory = args.directory or get_settings().policies_dir
    parsed = parse_drafts_file(directory)
    for draft in parsed.drafts:
        answer = " ".join(draft.answer.split())
        print(f"{draft.id}  主题 topic: {draft.topic or '（未定 undecided）'}  来源 origin: {draft.origin}  {draft.created}"
              f"  ({drafts_path(directory)}:{draft.line})")
        for question in draft.questions:
            print(f"    问 Q: {question}")
        print(f"    答 A: {answer[:80] + '…' if len(answer) > 80 else answer or '（尚未填写 not written yet）'}")
    for problem in parsed.problems:
        print(problem)
    print(f"{len(parsed.drafts)} 条草稿待审核 / drafts waiting for review"
          + ("；移入主题文件的方法见 policies/README.md / see policies/README.md to move one into a topic file" if parsed.drafts else ""))
    return 1 if not parsed.ok else 0
