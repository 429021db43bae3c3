"""Staff reminder campaigns: ``gradbot notify preview|send FILE``, ``notify report [NAME]``
and ``notify new --from ENTRY_ID`` (see :mod:`gradbot.campaigns`)."""

from __future__ import annotations

import argparse
import datetime as dt
import functools
import sys
from collections import Counter
from pathlib import Path
from typing import Callable

EXAMPLES = 5


def register(sub: argparse._SubParsersAction) -> None:
    notify = sub.add_parser("notify", help="给已绑定学生的提醒活动（preview 预览、send 发送、report 统计、new 起草）")
    notify_sub = notify.add_subparsers(dest="notify_command", metavar="NOTIFY_COMMAND", required=True)
    preview = notify_sub.add_parser("preview", help="检查提醒文件，列出谁会收到什么（不做任何改动）")
    preview.add_argument("file", type=Path, help="提醒文件（policies/campaigns/*.yml）")
    preview.set_defaults(func=_staff(run_preview))
    send = notify_sub.add_parser("send", help="提醒排队，由运行中的助手发送（每位学生一次）")
    send.add_argument("file", type=Path, help="提醒文件（policies/campaigns/*.yml）")
    send.set_defaults(func=_staff(run_send))
    report = notify_sub.add_parser("report", help="每个提醒：匹配、已送达、屏蔽、关闭提醒、失败、点了按钮的人数")
    report.add_argument("name", nargs="?", help="只看一个提醒（默认：全部）")
    report.set_defaults(func=_staff(run_report))
    new = notify_sub.add_parser("new", help="由知识库条目生成提醒草稿文件")
    new.add_argument("--from", dest="entry_id", required=True, metavar="ENTRY_ID", help="知识库条目 id，如 dispatch.agreement_stamp")
    new.add_argument("--out", type=Path, help="默认：GRADBOT_CAMPAIGNS_DIR/<日期>-<条目>.yml")
    new.add_argument("--force", action="store_true", help="覆盖已有文件")
    new.set_defaults(func=_staff(run_new))


def _staff(command: Callable[[argparse.Namespace], int]) -> Callable[[argparse.Namespace], int]:
    """``command`` with log records kept off the console: staff read only its own (Chinese) lines."""

    @functools.wraps(command)
    def run(args: argparse.Namespace) -> int:
        from gradbot.logsetup import staff_output

        with staff_output():
            return command(args)

    return run


def _knowledge():  # type: ignore[no-untyped-def]
    from gradbot.cases.catalog import load_catalog
    from gradbot.knowledge.store import default_store

    return load_catalog(), default_store().snapshot().kb


def _check(path: Path):  # type: ignore[no-untyped-def]
    """The parsed campaign (None on errors) after printing every problem, as ``kb check`` does."""
    from gradbot.campaigns.definition import parse_campaign

    if not path.is_file():
        print(f"{path}：文件不存在", file=sys.stderr)
        return None, None, None
    catalog, kb = _knowledge()
    campaign, problems = parse_campaign(path, catalog, kb)
    for problem in problems:
        print(problem, file=sys.stderr if problem.severity == "error" else sys.stdout)
    errors = sum(p.severity == "error" for p in problems)
    if errors:
        print(f"{path}：{errors} 个错误，未做任何操作。请按上面的行号修改后再试。", file=sys.stderr)
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
    from gradbot.campaigns.queueing import delivered
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
            select(CampaignRecipient.student_id).where(CampaignRecipient.campaign_id == row.id,
                                                       CampaignRecipient.outbox_id.is_not(None))).scalars())
        muted = audience.muted(found, delivered(session, row.id) if row is not None else ())
    wanted = [m for m in found if not m.muted]
    first = first_send_time(campaign.send_at, campaign.urgent, now, quiet)
    print(f"提醒 {campaign.name}：{campaign.audience.describe()}")
    asked = f"{campaign.send_at:%Y-%m-%d %H:%M}（北京时间）" if campaign.send_at else "发送后立即"
    print(f"send_at 发送时间：{asked}；最早送出：{_beijing(first)}（北京时间）")
    if campaign.urgent:
        print(f"紧急：免打扰时段（{quiet.describe()}）也发送")
    else:
        print(f"免打扰时段 {quiet.describe()}（北京时间）不推送，顺延到早上")
    for college in unknown:
        print(f"警告：数据库里没有学院为“{college}”的学生（写错了？）")
    if row is not None and row.fingerprint != campaign.fingerprint():
        print(f"警告：名为“{campaign.name}”的提醒已按不同内容排过队，send 会拒绝：修改后的提醒请换一个 name")
    languages = Counter(m.language for m in wanted)
    print(f"符合条件的已绑定学生：{len(found)}；已关闭提醒（不发送）：{len(muted)}；"
          f"将发送：{len(wanted)}（中文 {languages['zh']}，English {languages['en']}）")
    if done:
        print(f"此前 send 已排队：{sum(m.student_id in done for m in wanted)}（不会重复排队）；"
              f"本次新增：{sum(m.student_id not in done for m in wanted)}")
    for match in wanted[:EXAMPLES]:
        detail = f"{match.case_status}" if match.case_status else ""
        print(f"  {mask_student_id(match.student_id)}  {LEVEL_NAMES.get(match.level or '', '-')}  {match.college or '-'}  {detail}  ({match.language})")
    if len(wanted) > EXAMPLES:
        print(f"  …… 另有 {len(wanted) - EXAMPLES} 人")
    for language, title in (("zh", "中文"), ("en", "English")):
        if language == "en" and not campaign.text_en:
            print("\n--- English：没有 text_en，英文用户收到上面的中文 ---")
            continue
        sample = next((m for m in wanted if m.language == language), None) or _sample(campaign, language)
        markup = message.reply_markup(campaign, 0, kb, language == "en")
        button = f"\n[按钮：{markup['inline_keyboard'][0][0]['text']}]" if markup else ""
        print(f"\n--- {title}（{languages[language]} 名学生）---\n{message.render(campaign, sample, catalog)}{button}")
    print("\n仅为预览：没有排队任何消息（发送请运行 gradbot notify send）")
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
        print(f"错误：{exc}", file=sys.stderr)
        return 1
    except IntegrityError:
        print("错误：同一提醒的另一个 notify send 正在同时运行，本次没有排队任何消息。"
              "请再运行一次（已排队的学生不会重复排队）。", file=sys.stderr)
        return 1
    print(f"提醒 {campaign.name}：本次新排队 {result.queued}；此前已排队 {result.already_queued}；"
          f"已关闭提醒（不排队）{result.muted}")
    print(f"运行中的助手从 {_beijing(result.send_from)}（北京时间）开始发送；"
          f"查看结果：gradbot notify report {campaign.name}")
    return 0


def run_report(args: argparse.Namespace) -> int:
    from gradbot.reporting.campaigns import load_campaign_counts, render_text

    counts = load_campaign_counts(name=args.name)
    if args.name and not counts:
        print(f"没有名为“{args.name}”的提醒", file=sys.stderr)
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
        print(f"没有 id 为 {args.entry_id} 的知识库条目（见 policies/*.yml）", file=sys.stderr)
        return 1
    today = utc_to_beijing(utcnow()).date()
    out = args.out or get_settings().campaigns_dir / f"{draft_name(entry, today)}.yml"
    if out.exists() and not args.force:
        print(f"{out} 已存在：覆盖请加 --force，或用 --out 指定另一个文件", file=sys.stderr)
        return 1
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(draft_text(entry, catalog, today), encoding="utf-8")
    print(f"草稿已写入：{out}\n修改后运行：gradbot notify preview {out}")
    return 0
