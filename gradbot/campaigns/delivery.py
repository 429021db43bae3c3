"""Campaign rows at delivery time: which are due, and whether each may still go out.

A queued reminder is skipped (never sent, never counted as reached) when, by the time it
is due, the student turned reminders off, blocked the bot, or no longer matches the
audience (e.g. their agreement was submitted in the meantime). Button presses are
recorded here too.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from gradbot import outbox, preferences
from gradbot.campaigns.audience import matches
from gradbot.campaigns.definition import Audience
from gradbot.db.models import Campaign, CampaignRecipient, OutboxMessage, TelegramBinding, utcnow
from gradbot.outbox import OutgoingMessage

BLOCKED = "blocked: the student blocked the bot"
NO_LONGER_MATCHES = "no longer in the audience"


def due_ids(session: Session, now_utc: dt.datetime, quiet: bool, limit: int = 20) -> list[int]:
    """Pending campaign rows due at ``now_utc``, oldest first; in quiet hours only urgent campaigns'."""
    if not quiet:
        return outbox.pending_ids(session, limit, kinds=("campaign",), now=now_utc)
    query = (
        select(OutboxMessage.id)
        .join(CampaignRecipient, CampaignRecipient.outbox_id == OutboxMessage.id)
        .join(Campaign, Campaign.id == CampaignRecipient.campaign_id)
        .where(OutboxMessage.status == "pending", OutboxMessage.kind == "campaign", Campaign.urgent.is_(True),
               (OutboxMessage.not_before.is_(None)) | (OutboxMessage.not_before <= now_utc))
        .order_by(OutboxMessage.id).limit(limit)
    )
    return [int(i) for i in session.execute(query).scalars()]


def skip_reason(session: Session, message: OutgoingMessage) -> str | None:
    """For :func:`gradbot.outbox.deliver`'s ``check``: why this reminder must not go out now, or None."""
    muted = preferences.outbox_skip_reason(session, message)
    if muted or message.kind != "campaign" or message.student_id is None:
        return muted
    blocked = session.execute(select(TelegramBinding.id).where(
        TelegramBinding.telegram_user_id == message.telegram_user_id, TelegramBinding.student_id == message.student_id,
        TelegramBinding.unbound_at.is_(None), TelegramBinding.blocked.is_(True))).first()
    if blocked is not None:
        return BLOCKED
    campaign_id = (message.payload or {}).get("campaign_id")
    definition = session.execute(select(Campaign.definition).where(Campaign.id == campaign_id)).scalar_one_or_none()
    if definition is None:
        return "the campaign no longer exists"
    audience = Audience(**{k: tuple(v) if isinstance(v, list) else v for k, v in definition["audience"].items()})
    if not matches(session, audience, [message.student_id]):
        return NO_LONGER_MATCHES
    return None


def record_press(session: Session, campaign_id: int, telegram_user_id: str) -> str | None:
    """The student in this chat pressed the campaign's button: remember the first press;
    returns the campaign's knowledge-base entry id (None for an unknown campaign)."""
    definition = session.execute(select(Campaign.definition).where(Campaign.id == campaign_id)).scalar_one_or_none()
    if definition is None:
        return None
    session.execute(
        update(CampaignRecipient)
        .where(CampaignRecipient.campaign_id == campaign_id, CampaignRecipient.telegram_user_id == str(telegram_user_id),
               CampaignRecipient.pressed_at.is_(None))
        .values(pressed_at=utcnow()).execution_options(synchronize_session=False)
    )
    return definition.get("button")
