"""``gradbot kb check [DIR]``: validate the knowledge base, naming file, line and entry; ``gradbot kb drafts``: list drafts."""

from __future__ import annotations

import argparse
from pathlib import Path


def register(sub: argparse._SubParsersAction) -> None:
    kb = sub.add_parser("kb", help="知识库工具（check 检查、drafts 草稿）")
    kb_sub = kb.add_subparsers(dest="kb_command", metavar="KB_COMMAND", required=True)
    check = kb_sub.add_parser("check", help="检查 policies/*.yml（有错误时退出码为 1）")
    check.add_argument("directory", nargs="?", type=Path, help="默认：项目的 policies/")
    check.add_argument("--stale-days", type=int, default=180, help="条目超过这么多天未核对时提醒")
    check.add_argument("--with-model", action="store_true", help="同时用训练好的 NLU 模型检查每个问法")
    check.set_defaults(func=run_check)
    drafts = kb_sub.add_parser("drafts", help="列出待审核的草稿条目（policies/_drafts.yml）")
    drafts.add_argument("directory", nargs="?", type=Path, help="默认：项目的 policies/")
    drafts.set_defaults(func=run_drafts)


def run_check(args: argparse.Namespace) -> int:
    from gradbot.knowledge.checker import check_directory
    from gradbot.settings import get_settings

    directory = args.directory or get_settings().policies_dir
    report = check_directory(directory, stale_days=args.stale_days, with_model=args.with_model)
    for problem in report.problems:
        print(problem)
    print(f"共 {report.file_count} 个文件、{report.entry_count} 个条目：{report.error_count} 个错误，{report.warning_count} 个警告")
    return 1 if report.error_count else 0


def run_drafts(args: argparse.Namespace) -> int:
    """Print each draft: id, topic, where it came from, its questions and the start of its answer."""
    from gradbot.knowledge.drafts import drafts_path, parse_drafts_file
    from gradbot.settings import get_settings

    directory = args.directory or get_settings().policies_dir
    parsed = parse_drafts_file(directory)
    for draft in parsed.drafts:
        answer = " ".join(draft.answer.split())
        print(f"{draft.id}  主题：{draft.topic or '（未定）'}  来源：{draft.origin}  {draft.created}"
              f"  ({drafts_path(directory)}:{draft.line})")
        for question in draft.questions:
            print(f"    问：{question}")
        print(f"    答：{answer[:80] + '…' if len(answer) > 80 else answer or '（尚未填写）'}")
    for problem in parsed.problems:
        print(problem)
    print(f"{len(parsed.drafts)} 条草稿待审核"
          + ("；移入主题文件的方法见 policies/README.md" if parsed.drafts else ""))
    return 1 if not parsed.ok else 0
