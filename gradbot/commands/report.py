"""``gradbot report`` (HTML report of the conversation log, optional CSV) and ``gradbot log purge``.

Dates are Beijing dates, both ends included; the default is the last 7 days up to today,
``--from`` alone runs up to today. The report compares the period with the one of the same
length just before it, and leaves out the groups already decided in ``gradbot review``.
"""

from __future__ import annotations

import argparse
from datetime import date
from pathlib import Path

DEFAULT_DAYS = 7


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"“{text}”不是日期，应形如 2026-03-01") from None


def register(sub: argparse._SubParsersAction) -> None:
    report = sub.add_parser("report", help="生成学生提问情况的 HTML 报告（默认：最近 7 天）")
    report.add_argument("--from", dest="start", type=_date, metavar="DATE", help="开始日期，如 2026-03-01（北京时间）")
    report.add_argument("--to", dest="end", type=_date, metavar="DATE", help="结束日期，包含这一天（默认：今天）")
    report.add_argument("--out", type=Path, metavar="FILE.html", help="默认：build/report-<开始日期>_<结束日期>.html")
    report.add_argument("--csv", type=Path, metavar="FILE.csv", help="同时导出未答问题及其组号（CSV）")
    report.set_defaults(func=run_report)

    log = sub.add_parser("log", help="对话记录维护（purge 清理旧记录）")
    log_sub = log.add_subparsers(dest="log_command", metavar="LOG_COMMAND", required=True)
    purge = log_sub.add_parser("purge", help="删除超过保留期的对话记录")
    purge.add_argument("--days", type=int, help="保留的天数（默认：CONVERSATION_RETENTION_DAYS）")
    purge.set_defaults(func=run_purge)


def report_period(start: date | None, end: date | None, today: date | None = None):  # type: ignore[no-untyped-def]
    """The period the options ask for: ``start`` up to today, 7 days up to ``end``, or the last 7 days.

    ValueError (in Chinese) for a period that ends before it starts (``--from`` in the future).
    """
    from datetime import timedelta

    from gradbot.reporting.data import Period, beijing_today

    week = timedelta(days=DEFAULT_DAYS - 1)
    end = end or today or beijing_today()
    start = start or end - week
    if end < start:
        raise ValueError(f"开始日期 {start} 晚于结束日期 {end}")
    return Period(start, end)


def run_report(args: argparse.Namespace) -> int:
    """Write the report (and the CSV); log records stay off the console (held-back edits are printed instead)."""
    from gradbot.logsetup import staff_output

    with staff_output():
        return _report(args)


def _report(args: argparse.Namespace) -> int:
    from gradbot.knowledge.loader import load_directory
    from gradbot.reporting.analysis import build_report
    from gradbot.reporting.campaigns import load_campaign_counts
    from gradbot.reporting.data import load_messages
    from gradbot.reporting.export import write_unanswered_csv
    from gradbot.reporting.handoff import load_handoff_figures
    from gradbot.reporting.kb_status import held_back_now, held_back_text
    from gradbot.reporting.render import render_html
    from gradbot.reporting.review import load_decisions, review_groups
    from gradbot.settings import get_settings

    settings = get_settings()
    period = report_period(args.start, args.end)
    kb, _ = load_directory(settings.policies_dir)
    messages = load_messages(period)
    previous = period.previous()
    report = build_report(messages, period, kb, previous=load_messages(previous), previous_period=previous)
    pending, done = review_groups(report, load_decisions(settings.policies_dir, kb))
    report.decided_groups = len(done)
    report.groups = [g.group for g in pending]
    out = args.out or settings.project_root / "build" / f"report-{period.start}_{period.end}.html"
    out.parent.mkdir(parents=True, exist_ok=True)
    handoff = load_handoff_figures(period, policies_dir=settings.policies_dir)
    campaigns = load_campaign_counts(period.utc_bounds())
    out.write_text(render_html(report, csv_name=args.csv.name if args.csv else None, handoff=handoff,
                                       campaigns=campaigns), encoding="utf-8")
    for line in held_back_text(held_back_now()):  # first: knowledge-base edits the assistant does not serve
        print(line)
    print(f"{period.start} – {period.end}：{report.message_count} 条消息，"
          f"未答问题 {sum(g.size for g in report.groups)} 个，共 {len(report.groups)} 组"
          + (f"（另有 {len(done)} 组已在 gradbot review 中处理）" if done else ""))
    print(f"报告：{out}")
    if args.csv:
        rows = write_unanswered_csv(report, args.csv)
        print(f"CSV：{args.csv}（{rows} 个问题）")
    return 0


def run_purge(args: argparse.Namespace) -> int:
    from gradbot.db.engine import sessions, upgrade
    from gradbot.reporting.conversation_log import purge_older_than
    from gradbot.settings import get_settings

    days = get_settings().conversation_retention_days if args.days is None else args.days
    if days < 0:
        print("--days 不能小于 0")
        return 2
    upgrade()
    with sessions().begin() as session:
        removed = purge_older_than(session, days)
    print(f"已删除 {days} 天以前的消息 {removed} 条")
    return 0
