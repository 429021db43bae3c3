"""``gradbot review``: go through the report's groups of unanswered questions and decide.

Interactive (in a terminal, without ``--group``): one group at a time, staff press a
key — add the phrasings to the nearest entry (``a``) or another one (``e``), start a
draft (``d``), dismiss as not ours (``x``), skip (``s``), quit (``q``). For scripts and
tests: ``--list`` prints the open groups; ``--group N`` with ``--add-to ENTRY_ID``,
``--draft [--topic T]`` or ``--dismiss`` decides one. Groups are numbered as in
``gradbot report`` for the same dates.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Callable

from gradbot.commands.report import _date

ACTIONS_HELP = "[a] 加到最接近的条目  [e] 加到其他条目  [d] 新建草稿  [x] 不归我们管（以后不再列出）  [s] 跳过  [q] 退出"


def register(sub: argparse._SubParsersAction) -> None:
    review = sub.add_parser("review", help="逐组处理未答问题（加入条目、建草稿或标为不归我们管）")
    review.add_argument("--from", dest="start", type=_date, metavar="DATE", help="开始日期（北京时间）；只写它时到今天为止")
    review.add_argument("--to", dest="end", type=_date, metavar="DATE", help="结束日期，包含这一天（默认：今天）")
    review.add_argument("--list", action="store_true", help="列出待处理的组后退出")
    review.add_argument("--group", type=int, metavar="N", help="要处理的组（报告里的组号）")
    action = review.add_mutually_exclusive_group()
    action.add_argument("--add-to", metavar="ENTRY_ID", help="把这组问法加到这个条目的 questions 里")
    action.add_argument("--draft", action="store_true", help="用这组问法新建一条草稿")
    action.add_argument("--dismiss", action="store_true", help="标为不归我们管（记下来，以后不再列出）")
    review.add_argument("--topic", help="和 --draft 一起用：草稿打算放入的主题")
    review.add_argument("--policies", type=Path, metavar="DIR", help="默认：项目的 policies/")
    review.set_defaults(func=run_review)


def _describe(group, out) -> None:  # type: ignore[no-untyped-def]
    g = group.group
    print(f"\n第 {g.id} 组：{g.size} 次提问，{g.sessions} 个对话"
          f"（未能回答 {g.fallbacks}，👎 {g.thumbs_down}）", file=out)
    print("  问法（次数）：", file=out)
    for text, times in group.open:
        print(f"    - {text}（{times}）", file=out)
    for text, where in group.decided:
        print(f"    · {text}（已处理：{where}）", file=out)
    if g.answered_by:
        print("  被点 👎 的回答来自：" + "、".join(f"{i}（{n}）" for i, n in g.answered_by.most_common()), file=out)
    if g.nearest_entry is not None:
        print(f"  最接近的现有条目：{g.nearest_entry.id}  {g.nearest_entry.title}（相似度 {g.nearest_score:.2f}）", file=out)


def _decide(policies: Path, group, action: str, entry_id: str | None, topic: str | None, kb, out) -> bool:  # type: ignore[no-untyped-def]
    """Carry out one decision and say what happened; False when it failed."""
    from gradbot.knowledge.drafts import DraftsError
    from gradbot.knowledge.editing import EditError
    from gradbot.reporting.dismissed import DismissedError
    from gradbot.reporting.review import to_dismissed, to_draft, to_entry

    try:
        if action == "entry":
            if entry_id not in kb.entries:
                print(f"没有编号为 {entry_id} 的条目", file=out)
                return False
            done = to_entry(policies, group, entry_id)
            if done.added:
                print(f"已加入 {entry_id} 的 questions（{done.file}）：{'、'.join(done.added)}；几秒后生效", file=out)
            for text, owner in done.elsewhere:
                print(f"  未加入“{text}”：它已在条目 {owner} 里", file=out)
            if done.no_words:
                print(f"  未加入“{'、'.join(done.no_words)}”：只有标点或表情，不是问题", file=out)
            if not done.added and not done.elsewhere and not done.no_words:
                print("这些问法已经都在该条目里", file=out)
        elif action == "draft":
            draft_id = to_draft(policies, group, topic)
            print(f"已新建草稿 {draft_id}（policies/_drafts.yml），请补写回答；gradbot kb drafts 可查看", file=out)
        else:
            dismissed = to_dismissed(policies, group)
            print(f"已记为不归我们管（policies/_dismissed.yml），以后不再列出：{'、'.join(dismissed) or '（已记录过）'}", file=out)
    except (EditError, DraftsError, DismissedError) as exc:
        print(f"未完成：{exc}", file=out)
        return False
    return True


def run_review(args: argparse.Namespace, ask: Callable[[str], str] = input, out=None,  # type: ignore[no-untyped-def]
               interactive_terminal: bool | None = None) -> int:
    """Decide one group (``--group``), list the open ones, or ask about each in a terminal (no log lines in between)."""
    from gradbot.logsetup import staff_output

    with staff_output():
        return _review(args, ask, out, interactive_terminal)


def _review(args: argparse.Namespace, ask: Callable[[str], str], out, interactive_terminal: bool | None) -> int:  # type: ignore[no-untyped-def]
    from gradbot.commands.report import report_period
    from gradbot.knowledge.loader import load_directory
    from gradbot.reporting.analysis import build_report
    from gradbot.reporting.data import load_messages
    from gradbot.reporting.review import load_decisions, review_groups
    from gradbot.settings import get_settings

    out = out or sys.stdout
    if interactive_terminal is None:
        interactive_terminal = sys.stdin.isatty()
    policies = args.policies or get_settings().policies_dir
    period = report_period(args.start, args.end)
    kb, _ = load_directory(policies)
    report = build_report(load_messages(period), period, kb)
    from gradbot.reporting.dismissed import parse_dismissed

    for problem in parse_dismissed(policies)[1]:  # a broken file: its dismissals do not count until it is fixed
        print(f"注意：{problem}", file=out)
    pending, done = review_groups(report, load_decisions(policies, kb))
    print(f"{period.start} – {period.end}：{len(pending)} 组待处理，{len(done)} 组已处理", file=out)
    action = "entry" if args.add_to else "draft" if args.draft else "dismiss" if args.dismiss else None
    if args.group is not None:
        group = next((g for g in pending if g.id == args.group), None)
        if group is None:
            decided = any(g.id == args.group for g in done)
            print(f"第 {args.group} 组{'已处理过' if decided else '不存在'}", file=out)
            return 2
        if action is None:
            _describe(group, out)
            print("请加 --add-to 条目编号、--draft 或 --dismiss", file=out)
            return 2
        _describe(group, out)
        return 0 if _decide(policies, group, action, args.add_to, args.topic, kb, out) else 1
    if action is not None:
        print("--add-to、--draft、--dismiss 需要和 --group N 一起用", file=out)
        return 2
    if args.list or not interactive_terminal:
        for group in pending:
            _describe(group, out)
        if pending:
            print("\n处理一组：gradbot review --group 组号 --add-to 条目编号 | --draft | --dismiss", file=out)
        return 0
    return interactive(policies, pending, kb, ask, out)


def interactive(policies: Path, pending: list, kb, ask: Callable[[str], str], out) -> int:  # type: ignore[no-untyped-def]
    """Ask about each open group in turn; returns 0 (decisions already made are kept when staff quit)."""
    decided = 0
    for group in pending:
        _describe(group, out)
        while True:
            print(ACTIONS_HELP, file=out)
            try:
                choice = ask("选择：").strip().lower()
            except EOFError:
                choice = "q"
            if choice in ("q", "quit"):
                print(f"已处理 {decided} 组", file=out)
                return 0
            if choice in ("s", ""):
                break
            if choice == "a" and group.group.nearest_entry is None:
                print("没有最接近的条目，请用 e 输入条目编号", file=out)
                continue
            if choice in ("a", "e"):
                entry_id = group.group.nearest_entry.id if choice == "a" else ask("条目编号：").strip()
                ok = _decide(policies, group, "entry", entry_id, None, kb, out)
            elif choice == "d":
                ok = _decide(policies, group, "draft", None, None, kb, out)
            elif choice == "x":
                ok = _decide(policies, group, "dismiss", None, None, kb, out)
            else:
                print("请输入 a、e、d、x、s 或 q", file=out)
                continue
            if ok:
                decided += 1
                break
    print(f"全部看完；已处理 {decided} 组", file=out)
    return 0
