"""Campaign counts for staff: ``gradbot notify report`` and the weekly report's section.

Per campaign: matched (bound students matching when it was sent, muted ones included),
waiting (not yet sent), sent, blocked the bot, muted, skipped for another reason (unbound,
no longer in the audience), failed (including "delivery unknown" after a crash) and
pressed the button; every matched student is in exactly one of the columns from waiting to
failed. "Muted" is :func:`gradbot.campaigns.audience.muted`, as in ``notify preview`` and
``send``: reminders off and not sent (off when it was sent, off before delivery, or off now
while it waits).
"""

from __future__ import annotations

import datetime as dt
import html
import unicodedata
from collections import Counter
from dataclasses import dataclass
from typing import Sequence

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from gradbot.db.models import Campaign, CampaignRecipient, OutboxMessage, StudentPreference

COLUMNS = (  # (attribute, Chinese heading, English heading)
    ("matched", "匹配", "matched"),
    ("waiting", "待发送", "waiting"),
    ("sent", "已送达", "sent"),
    ("blocked", "已屏蔽机器人", "blocked"),
    ("muted", "已关闭提醒", "muted"),
    ("skipped", "其他跳过", "skipped"),
    ("failed", "失败", "failed"),
    ("pressed", "点了按钮", "pressed"),
)


@dataclass(frozen=True)
class CampaignCounts:
    """What happened to one campaign."""

    name: str
    send_at: dt.datetime  # UTC
    urgent: bool
    matched: int = 0
    waiting: int = 0
    sent: int = 0
    blocked: int = 0
    muted: int = 0
    skipped: int = 0
    failed: int = 0
    pressed: int = 0


def _bucket(status: str | None, error: str | None, reminders: bool = True) -> str:
    """The column of one recipient: ``status``/``error`` of its outbox row (None: not queued, as its
    reminders were off when the campaign was sent) and whether the student has reminders on now."""
    if status is None:
        return "muted"
    if status in ("pending", "sending"):
        return "waiting" if reminders or status == "sending" else "muted"  # a muted row is skipped at delivery
    if status == "sent":
        return "sent"
    if status == "failed":
        return "failed"
    error = error or ""
    if error.startswith(("blocked", "Forbidden")):
        return "blocked"
    if error.startswith("muted"):
        return "muted"
    return "skipped"


def campaign_counts(session: Session, name: str | None = None,
                    between: tuple[dt.datetime, dt.datetime] | None = None) -> list[CampaignCounts]:
    """Counts per campaign, newest first: one campaign by ``name``, or those sent or queued in
    ``between`` (naive UTC ``[from, to)``), or all."""
    query = select(Campaign)
    if name is not None:
        query = query.where(Campaign.name == name)
    if between is not None:
        start, end = between
        query = query.where(or_(Campaign.send_at.between(start, end), Campaign.last_queued_at.between(start, end)))
    campaigns = session.execute(query.order_by(Campaign.send_at.desc(), Campaign.id.desc())).scalars().all()
    result = []
    for campaign in campaigns:
        rows = session.execute(
            select(OutboxMessage.status, OutboxMessage.last_error, CampaignRecipient.pressed_at, StudentPreference.reminders)
            .select_from(CampaignRecipient)
            .outerjoin(OutboxMessage, OutboxMessage.id == CampaignRecipient.outbox_id)
            .outerjoin(StudentPreference, StudentPreference.student_id == CampaignRecipient.student_id)
            .where(CampaignRecipient.campaign_id == campaign.id)
        ).all()
        counts = Counter(_bucket(r.status, r.last_error, r.reminders is not False) for r in rows)
        result.append(CampaignCounts(name=campaign.name, send_at=campaign.send_at, urgent=bool(campaign.urgent),
                                     matched=len(rows), pressed=sum(r.pressed_at is not None for r in rows), **counts))
    return result


def render_text(counts: Sequence[CampaignCounts]) -> str:
    """A plain table for the terminal (send time in Beijing time)."""
    if not counts:
        return "没有提醒活动"
    heading = ["名称", "发送时间（北京）"] + [zh for _, zh, _ in COLUMNS]
    lines = [heading]
    for c in counts:
        when = (c.send_at + dt.timedelta(hours=8)).strftime("%Y-%m-%d %H:%M") + (" 紧急" if c.urgent else "")
        lines.append([c.name, when] + [str(getattr(c, attr)) for attr, _, _ in COLUMNS])
    widths = [max(_width(row[i]) for row in lines) for i in range(len(heading))]
    return "\n".join("  ".join(cell + " " * (widths[i] - _width(cell)) for i, cell in enumerate(row)).rstrip()
                     for row in lines)


def _width(text: str) -> int:
    """Columns ``text`` takes in a terminal: Chinese characters take two."""
    return sum(2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1 for ch in text)


def render_html(counts: Sequence[CampaignCounts]) -> str:
    """The weekly report's section (a heading and a table, or a note when there were none)."""
    title = "<h2>提醒活动（gradbot notify）</h2>"
    if not counts:
        return title + '<p class="empty">该时间段内没有发送或排队的提醒活动。</p>'
    head = "<tr><th>名称</th><th>发送时间（北京）</th>" + "".join(f"<th>{zh}</th>" for _, zh, _ in COLUMNS) + "</tr>"
    rows = "".join(
        f"<tr><td><code>{html.escape(c.name)}</code>{' ⚡' if c.urgent else ''}</td>"
        f"<td>{(c.send_at + dt.timedelta(hours=8)):%Y-%m-%d %H:%M}</td>"
        + "".join(f'<td class="num">{getattr(c, attr)}</td>' for attr, _, _ in COLUMNS) + "</tr>"
        for c in counts)
    note = ('<p class="muted">“匹配”是发送时符合条件的已绑定学生（含关闭提醒的），各列（待发送到失败）之和等于匹配；'
            "“已关闭提醒”与 gradbot notify preview 的算法相同：关闭了提醒、没有收到的学生。"
            "“已送达”只算 Telegram 确认收到的消息；关闭提醒、屏蔽机器人或不再符合条件的学生不计入。"
            "⚡ 为紧急提醒（免打扰时段也发送）。</p>")
    return title + note + f"<table>{head}{rows}</table>"


def load_campaign_counts(between: tuple[dt.datetime, dt.datetime] | None = None, name: str | None = None,
                         url: str | None = None) -> list[CampaignCounts]:
    """:func:`campaign_counts` in its own transaction on the configured database (migrated first)."""
    from gradbot.db.engine import sessions, upgrade

    upgrade(url)
    with sessions(url).begin() as session:
        return campaign_counts(session, name=name, between=between)
