"""Staff reminder campaigns: ``gradbot notify preview|send FILE``, ``notify report [NAME]``
and ``notify new --from ENTRY_ID`` (see :mod:`gradbot.campaigns`)."""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from collections import Counter
from pathlib import Path

EXAMPLES = 5


def register(sub: argparse._SubParsersAction) -> None:
    notify = sub.add_parser("notify", help="reminder campaigns to bound students (preview, send, report, new)")
    notify_sub = notify.add_subparsers(dest="notify_command", metavar="NOTIFY_COMMAND", required=True)
    preview = notify_sub.add_parser("preview", help="check a campaign file and show who would get what (changes nothing)")
    preview.add_argument("file", type=Path)
    preview.set_defaults(func=run_preview)
    send = notify_sub.add_parser("send", help="queue a campaign; the running assistant delivers it (each student once)")
    send.add_argument("file", type=Path)
    send.set_defaults(func=run_send)
    report = notify_sub.add_parser("report", help="per campaign: matched, sent, blocked, muted, failed, pressed the button")
    report.add_argument("name", nargs="?", help="one campaign (default: all)")
    report.set_defaults(func=run_report)
    new = notify_sub.add_parser("new", help="write a draft campaign file from a knowledge-base entry")
    new.add_argument("--from", dest="entry_id", required=True, metavar="ENTRY_ID")
    new.add_argument("--out", type=Path, help="default: GRADBOT_CAMPAIGNS_DIR/<date>-<entry>.yml")
    new.add_argument("--force", action="store_true", help="overwrite an existing file")
    new.set_defaults(func=run_new)


def _knowledge():  # type: ignore[no-untyped-def]
    from gradbot.cases.catalog import load_catalog
    from gradbot.knowledge.store import default_store

    return load_catalog(), default_store().snapshot().kb


def _check(path: Path):  # type: ignore[no-untyped-def]
    """The parsed campaign (None on errors) after printing every problem, as ``kb check`` does."""
    from gradbot.campaigns.definition import parse_campaign

    if not path.is_file():
        print(f"{path}: no such file", file=sys.stderr)
        return None, None, None
    catalog, kb = _knowledge()
    campaign, problems = parse_campaign(path, catalog, kb)
    for problem in problems:
        print(problem, file=sys.stderr if problem.severity == "error" else sys.stdout)
    errors = sum(p.severity == "error" for p in problems)
    if errors:
        print(f"{path}: {errors} error(s); nothing was done. 请按上面的行号修改后再试。", file=sys.stderr)
        return None, None, None
    return campaign, catalog, kb


def _quiet():  # type: ignore[no-untyped-def]
    from gradbot.campaigns.schedule import QuietHours
    from gradbot.settings import get_settings

    return QuietHours.parse(get_settings().campaign_quiet_hours)


def _beijing(moment: dt.datetime) -> str:
    return (moment + dt.timedelta(hours=8)).strftime("%Y-%m-%d %H:%M")


def run_preview(args: argparse.Namespace) -> int:
    from sqlalchemy import select

    from gradbot.campaigns import audience, message
    from gradbot.campaigns.schedule import first_send_time
    from gradbot.cases.catalog import LEVEL_NAMES
    from gradbot.db.engine import sessions, upgrade
    from gradbot.db.models import Campaign as CampaignRow
    from gradbot.db.models import CampaignRecipient, utcnow
    from gradbot.logsetup import mask_student_id

    campaign, catalog, kb = _check(args.file)
    if campaign is None:
        return 1
    quiet, now = _quiet(), utcnow()
    upgrade()
    with sessions().begin() as session:
        found = audience.matches(session, campaign.audience)
        unknown = audience.unknown_colleges(session, campaign.audience.colleges)
        row = session.execute(select(CampaignRow).where(CampaignRow.name == campaign.name)).scalar_one_or_none()
        done = set() if row is None else set(session.execute(
            select(CampaignRecipient.student_id).where(CampaignRecipient.campaign_id == row.id)).scalars())
    wanted = [m for m in found if not m.muted]
    first = first_send_time(campaign.send_at, campaign.urgent, now, quiet)
    print(f"campaign {campaign.name}: {campaign.audience.describe()}")
    asked = f"{campaign.send_at:%Y-%m-%d %H:%M}" if campaign.send_at else "as soon as it is sent (发送后立即)"
    print(f"send_at: {asked} (Beijing); first delivery {_beijing(first)} Beijing time")
    if campaign.urgent:
        print(f"urgent: sent even in the quiet hours {quiet.describe()} (紧急：免打扰时段也发送)")
    else:
        print(f"quiet hours {quiet.describe()} Beijing time: nothing is sent then, it waits for the morning "
              f"(免打扰时段不推送，顺延到早上)")
    for college in unknown:
        print(f"warning: no student in the database belongs to college '{college}' (typo?)")
    if row is not None and row.fingerprint != campaign.fingerprint():
        print(f"warning: a campaign named '{campaign.name}' was already queued with different content; "
              "`send` will refuse it: give the changed campaign a new name")
    languages = Counter(m.language for m in wanted)
    print(f"bound students matching: {len(found)}; muted (reminders off, never sent): {len(found) - len(wanted)}; "
          f"to reach: {len(wanted)} (中文 {languages['zh']}, English {languages['en']})")
    if done:
        print(f"already queued by an earlier send: {sum(m.student_id in done for m in wanted)} "
              f"(they are not queued again); new now: {sum(m.student_id not in done for m in wanted)}")
    for match in wanted[:EXAMPLES]:
        detail = f"{match.case_status}" if match.case_status else ""
        print(f"  {mask_student_id(match.student_id)}  {LEVEL_NAMES.get(match.level or '', '-')}  {match.college or '-'}  {detail}  ({match.language})")
    if len(wanted) > EXAMPLES:
        print(f"  … and {len(wanted) - EXAMPLES} more")
    for language, title in (("zh", "中文"), ("en", "English")):
        if language == "en" and not campaign.text_en:
            print("\n--- English: no text_en, English users get the Chinese text above ---")
            continue
        sample = next((m for m in wanted if m.language == language), None) or _sample(campaign, language)
        markup = message.reply_markup(campaign, 0, kb, language == "en")
        button = f"\n[button: {markup['inline_keyboard'][0][0]['text']}]" if markup else ""
        print(f"\n--- {title} ({languages[language]} students) ---\n{message.render(campaign, sample, catalog)}{button}")
    print("\npreview only: nothing was queued (发送请运行 gradbot notify send)")
    return 0


def _sample(campaign, language: str):  # type: ignore[no-untyped-def]
    """A made-up student matching ``campaign`` to show the message when nobody of this language matches."""
    from gradbot.campaigns.audience import Match

    audience = campaign.audience
    return Match(student_id="0000000000", telegram_user_id="0", level=(audience.levels or (None,))[0],
                 college=(audience.colleges or (None,))[0], case_status=(audience.statuses or (None,))[0],
                 language=language, muted=False)


def run_send(args: argparse.Namespace) -> int:
    from sqlalchemy.exc import IntegrityError

    from gradbot.campaigns.queueing import CampaignChanged, queue_campaign
    from gradbot.db.engine import sessions, upgrade
    from gradbot.db.models import utcnow

    campaign, catalog, kb = _check(args.file)
    if campaign is None:
        return 1
    upgrade()
    try:
        with sessions().begin() as session:
            result = queue_campaign(session, campaign, catalog, kb, utcnow(), _quiet())
    except CampaignChanged as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except IntegrityError:
        print("error: another `notify send` of this campaign ran at the same time; nothing was queued by this one. "
              "Run it again (students already queued are not queued twice).", file=sys.stderr)
        return 1
    print(f"campaign {campaign.name}: queued {result.queued} new; already queued earlier {result.already_queued}; "
          f"muted (not queued) {result.muted}")
    print(f"the running assistant delivers from {_beijing(result.send_from)} Beijing time; "
          f"see `gradbot notify report {campaign.name}`")
    return 0


def run_report(args: argparse.Namespace) -> int:
    from gradbot.reporting.campaigns import load_campaign_counts, render_text

    counts = load_campaign_counts(name=args.name)
    if args.name and not counts:
        print(f"no campaign named '{args.name}'", file=sys.stderr)
        return 1
    print(render_text(counts))
    return 0


def run_new(args: argparse.Namespace) -> int:
    from gradbot.campaigns.draft import draft_name, draft_text
    from gradbot.campaigns.schedule import utc_to_beijing
    from gradbot.db.models import utcnow
    from gradbot.settings import get_settings

    catalog, kb = _knowledge()
    entry = kb.entries.get(args.entry_id)
    if entry is None:
        print(f"unknown entry id '{args.entry_id}' (see policies/*.yml)", file=sys.stderr)
        return 1
    today = utc_to_beijing(utcnow()).date()
    out = args.out or get_settings().campaigns_dir / f"{draft_name(entry, today)}.yml"
    if out.exists() and not args.force:
        print(f"{out} exists; use --force to overwrite or --out for another file", file=sys.stderr)
        return 1
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(draft_text(entry, catalog, today), encoding="utf-8")
    print(f"draft written: {out}\nedit it, then: gradbot notify preview {out}")
    return 0
