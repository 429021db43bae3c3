"""``gradbot report`` (HTML report of the conversation log, optional CSV) and ``gradbot log purge``.

Dates are Beijing dates, both ends included; the default is the last 7 days up to today.
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
        raise argparse.ArgumentTypeError(f"not a date like 2026-03-01: {text!r}") from None


def register(sub: argparse._SubParsersAction) -> None:
    report = sub.add_parser("report", help="write an HTML report of what students asked (default: the last 7 days)")
    report.add_argument("--from", dest="start", type=_date, metavar="DATE", help="first day, e.g. 2026-03-01 (Beijing)")
    report.add_argument("--to", dest="end", type=_date, metavar="DATE", help="last day, included (default: 6 days after --from, else today)")
    report.add_argument("--out", type=Path, metavar="FILE.html", help="default: build/report-<from>_<to>.html")
    report.add_argument("--csv", type=Path, metavar="FILE.csv", help="also export the unanswered questions with their group")
    report.set_defaults(func=run_report)

    log = sub.add_parser("log", help="conversation log maintenance")
    log_sub = log.add_subparsers(dest="log_command", metavar="LOG_COMMAND", required=True)
    purge = log_sub.add_parser("purge", help="delete logged messages older than the retention period")
    purge.add_argument("--days", type=int, help="keep this many days (default: CONVERSATION_RETENTION_DAYS)")
    purge.set_defaults(func=run_purge)


def report_period(start: date | None, end: date | None, today: date | None = None):  # type: ignore[no-untyped-def]
    """The period the options ask for: 7 days from ``start``, 7 days up to ``end``, or the last 7 days."""
    from datetime import timedelta

    from gradbot.reporting.data import Period, beijing_today

    week = timedelta(days=DEFAULT_DAYS - 1)
    if end is None:
        end = start + week if start else (today or beijing_today())
    return Period(start or end - week, end)


def run_report(args: argparse.Namespace) -> int:
    from gradbot.knowledge.loader import load_directory
    from gradbot.reporting.analysis import build_report
    from gradbot.reporting.data import load_messages
    from gradbot.reporting.export import write_unanswered_csv
    from gradbot.reporting.kb_status import held_back_now, held_back_text
    from gradbot.reporting.render import render_html
    from gradbot.settings import get_settings

    settings = get_settings()
    period = report_period(args.start, args.end)
    kb, _ = load_directory(settings.policies_dir)
    messages = load_messages(period)
    report = build_report(messages, period, kb)
    out = args.out or settings.project_root / "build" / f"report-{period.start}_{period.end}.html"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(render_html(report, csv_name=args.csv.name if args.csv else None), encoding="utf-8")
    print(f"{period.start} – {period.end}: {report.message_count} messages, "
          f"{sum(g.size for g in report.groups)} unanswered in {len(report.groups)} groups")
    print(f"report: {out}")
    for line in held_back_text(held_back_now()):  # knowledge-base edits the assistant does not serve
        print(line)
    if args.csv:
        rows = write_unanswered_csv(report, args.csv)
        print(f"csv: {args.csv} ({rows} questions)")
    return 0


def run_purge(args: argparse.Namespace) -> int:
    from gradbot.db.engine import sessions, upgrade
    from gradbot.reporting.conversation_log import purge_older_than
    from gradbot.settings import get_settings

    days = get_settings().conversation_retention_days if args.days is None else args.days
    if days < 0:
        print("--days must be 0 or more")
        return 2
    upgrade()
    with sessions().begin() as session:
        removed = purge_older_than(session, days)
    print(f"deleted {removed} messages older than {days} days")
    return 0
