"""``gradbot notify send``: a campaign into the outbox, at most once per (campaign, student).

The campaign row is found by name (created the first time). Students who match now and
have no recipient row yet get one, plus one outbox row (kind ``campaign``, ``not_before``
= ``send_at`` moved out of the quiet hours), in one transaction. A matching student with
reminders off gets a recipient row without an outbox row: the report counts them as muted
(:func:`gradbot.campaigns.audience.muted`, the definition ``preview`` uses too), and a later
send queues them if they turned reminders on again. The unique constraint on
``campaign_recipients (campaign_id, student_id)`` makes a repeated or concurrent send
unable to queue a student twice; the outbox's claim makes the bot unable to send a row twice.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from gradbot import outbox
from gradbot.campaigns import audience as audience_module
from gradbot.campaigns import message
from gradbot.campaigns.definition import Campaign
from gradbot.campaigns.schedule import QuietHours, beijing_to_utc, first_send_time, utc_to_beijing
from gradbot.cases.catalog import Catalog
from gradbot.db.models import Campaign as CampaignRow
from gradbot.db.models import CampaignRecipient, OutboxMessage
from gradbot.knowledge.schema import KnowledgeBase


class CampaignChanged(ValueError):
    """A campaign of this name was queued before with other content or audience."""


@dataclass(frozen=True)
class QueueResult:
    """What one ``send`` did."""

    campaign_id: int
    matched: int  # bound, matching, not muted
    queued: int  # new this time
    already_queued: int  # queued by an earlier send
    muted: int  # matching, reminders off, not sent: not queued (recorded for the report)
    send_from: dt.datetime  # UTC: the first moment these rows may go out


def campaign_row(session: Session, campaign: Campaign, now_utc: dt.datetime) -> CampaignRow:
    """The stored campaign of this name (created now if new); :class:`CampaignChanged` when
    it was queued with a different text, audience, time or button."""
    row = session.execute(select(CampaignRow).where(CampaignRow.name == campaign.name)).scalar_one_or_none()
    if row is None:
        row = CampaignRow(name=campaign.name, fingerprint=campaign.fingerprint(), definition=campaign.definition(),
                          send_at=beijing_to_utc(campaign.send_at) if campaign.send_at else now_utc,
                          urgent=campaign.urgent, source_file=campaign.file[-300:], created_at=now_utc,
                          last_queued_at=now_utc)
        session.add(row)
        session.flush()
    elif row.fingerprint != campaign.fingerprint():
        raise CampaignChanged(
            f"名为“{campaign.name}”的提醒已于 {utc_to_beijing(row.created_at):%Y-%m-%d %H:%M}（北京时间）按不同内容排队，"
            "已排队的学生仍会收到旧内容。修改后请换一个 name 再发送。")
    return row


def queue_campaign(session: Session, campaign: Campaign, catalog: Catalog, kb: KnowledgeBase,
                   now_utc: dt.datetime, quiet: QuietHours) -> QueueResult:
    """Queue ``campaign`` for every matching bound student not yet queued (see the module doc)."""
    row = campaign_row(session, campaign, now_utc)
    row.last_queued_at = now_utc
    found = audience_module.matches(session, campaign.audience)
    wanted = [m for m in found if not m.muted]
    recipients = {r.student_id: r for r in session.execute(
        select(CampaignRecipient).where(CampaignRecipient.campaign_id == row.id)).scalars()}
    done = {student for student, r in recipients.items() if r.outbox_id is not None}
    send_from = first_send_time(campaign.send_at, campaign.urgent, now_utc, quiet)
    queued = 0
    for match in found:
        earlier = recipients.get(match.student_id)
        if match.student_id in done or (match.muted and earlier is not None):
            continue
        if match.muted:  # recorded without an outbox row: the report counts them as muted
            session.add(CampaignRecipient(campaign_id=row.id, student_id=match.student_id,
                                          telegram_user_id=match.telegram_user_id, language=match.language,
                                          outbox_id=None, queued_at=now_utc))
            continue
        outbox_id = outbox.enqueue(
            session, match.telegram_user_id, message.render(campaign, match, catalog), kind="campaign",
            student_id=match.student_id,
            reply_markup=message.reply_markup(campaign, int(row.id), kb, match.language == "en"),
            payload={"campaign_id": int(row.id), "language": match.language}, not_before=send_from,
        )
        if earlier is None:
            session.add(CampaignRecipient(campaign_id=row.id, student_id=match.student_id,
                                          telegram_user_id=match.telegram_user_id, language=match.language,
                                          outbox_id=outbox_id, queued_at=now_utc))
        elif not _claim(session, earlier.id, outbox_id, match, now_utc):
            # muted at an earlier send, unmuted since, and a concurrent send queued them first
            session.execute(delete(OutboxMessage).where(OutboxMessage.id == outbox_id))
            continue
        queued += 1
    session.flush()  # a concurrent send of the same campaign fails here on the unique constraint
    return QueueResult(campaign_id=int(row.id), matched=len(wanted), queued=queued,
                       already_queued=sum(m.student_id in done for m in wanted),
                       muted=len(audience_module.muted(found, delivered(session, int(row.id)))), send_from=send_from)


def _claim(session: Session, recipient_id: int, outbox_id: int, match: audience_module.Match, now_utc: dt.datetime) -> bool:
    """Give a recipient recorded as muted its outbox row, unless another send did so meanwhile."""
    result = session.execute(
        update(CampaignRecipient).where(CampaignRecipient.id == recipient_id, CampaignRecipient.outbox_id.is_(None))
        .values(outbox_id=outbox_id, telegram_user_id=match.telegram_user_id, language=match.language, queued_at=now_utc)
        .execution_options(synchronize_session=False))
    return result.rowcount == 1


def delivered(session: Session, campaign_id: int) -> set[str]:
    """The student ids this campaign reached (its outbox row was sent)."""
    return set(session.execute(
        select(CampaignRecipient.student_id).join(OutboxMessage, OutboxMessage.id == CampaignRecipient.outbox_id)
        .where(CampaignRecipient.campaign_id == campaign_id, OutboxMessage.status == "sent")).scalars())
