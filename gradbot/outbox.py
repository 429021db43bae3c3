"""The outbox: messages to Telegram chats, written in the same transaction as whatever
caused them, and delivered at most once by the bot's sender.

Every outbox query lives here, and so does the one delivery rule, :func:`deliver`:

1. **Claim.** ``pending -> sending`` (``attempts + 1``, ``claimed_at``) in one committed,
   conditional UPDATE *before* the message is sent. Only the process whose UPDATE changed
   the row sends it, so two senders (or a restarted one) never send the same row.
2. **Check the recipient.** A row with a ``student_id`` goes out only while its chat is
   still bound to that student and has not blocked the bot; otherwise ``skipped``.
3. **Send**, then **finish** in one more committed UPDATE: ``sent``; ``skipped`` (e.g. the
   user blocked the bot); ``pending`` again when the error proves nothing reached Telegram
   (``failed`` once ``max_attempts`` is used up); ``failed`` when delivery is unknown.
4. **Interrupted.** A row a dead sender left in ``sending`` may or may not have reached
   Telegram; :func:`fail_interrupted` marks it ``failed`` ("delivery unknown") for staff to
   see. It is never sent again: between a duplicate and a visible failure we choose the
   failure.

How a send failed is the sender's business (``bot/outbox_sender.py`` maps Telegram's
errors): its send function raises :class:`SendFailed` with an :class:`Outcome`.

Producers call :func:`enqueue` (or :func:`enqueue_many`); ``kind`` says what produced the
message (one of :data:`gradbot.db.models.OUTBOX_KINDS`), ``reply_markup`` is Telegram reply
markup JSON sent with the last part of the text, ``payload`` free JSON for the producer.
"""

from __future__ import annotations

import asyncio
import enum
import logging
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Awaitable, Callable, Mapping, Sequence

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session, sessionmaker

from gradbot.cases.binding import set_blocked
from gradbot.db.models import OutboxMessage, TelegramBinding, utcnow

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 5
STALE_CLAIM_AFTER = timedelta(minutes=5)
_ERROR_LENGTH = 1000


class Outcome(str, enum.Enum):
    """How one delivery attempt ended."""

    SENT = "sent"
    SKIPPED = "skipped"  # not delivered on purpose (recipient unbound, blocked the bot)
    RETRY = "retry"  # provably not delivered: back to pending, failed after max_attempts
    FAILED = "failed"  # not delivered, or delivery unknown: never sent again


class SendFailed(Exception):
    """Raised by a send function: the attempt ended with ``outcome`` (not ``SENT``) because of ``reason``.

    ``recipient_blocked`` marks the chat's bindings as having blocked the bot.
    """

    def __init__(self, outcome: Outcome, reason: str, recipient_blocked: bool = False) -> None:
        super().__init__(reason)
        if outcome is Outcome.SENT:
            raise ValueError("SendFailed cannot carry Outcome.SENT")
        self.outcome = outcome
        self.reason = reason
        self.recipient_blocked = recipient_blocked


@dataclass(frozen=True)
class OutgoingMessage:
    """A claimed outbox row, as the send function sees it."""

    id: int
    kind: str
    telegram_user_id: str
    student_id: str | None
    text: str
    reply_markup: dict[str, Any] | None
    payload: dict[str, Any] | None
    attempts: int


# ---------------------------------------------------------------- producing

def enqueue(session: Session, telegram_user_id: str, text: str, *, kind: str = "case_status",
            student_id: str | None = None, case_id: int | None = None,
            reply_markup: Mapping[str, Any] | None = None, payload: Mapping[str, Any] | None = None) -> int:
    """Queue one message for a chat; returns its id (sent after the caller's transaction commits)."""
    row = OutboxMessage(
        kind=kind, telegram_user_id=str(telegram_user_id), student_id=student_id, case_id=case_id, text=text,
        reply_markup=dict(reply_markup) if reply_markup is not None else None,
        payload=dict(payload) if payload is not None else None, created_at=utcnow(), status="pending", attempts=0,
    )
    session.add(row)
    session.flush()
    return int(row.id)


def enqueue_many(session: Session, rows: Sequence[Mapping[str, Any]]) -> int:
    """Queue many messages in one batched INSERT; each row has :func:`enqueue`'s keyword names."""
    if not rows:
        return 0
    now = utcnow()
    session.execute(insert(OutboxMessage.__table__), [
        {"kind": "case_status", "student_id": None, "case_id": None, "reply_markup": None, "payload": None,
         **row, "telegram_user_id": str(row["telegram_user_id"]), "created_at": now, "status": "pending",
         "attempts": 0}
        for row in rows
    ])
    return len(rows)


# ---------------------------------------------------------------- the delivery rule, step by step

def pending_ids(session: Session, limit: int = 20) -> list[int]:
    """Ids of up to ``limit`` pending rows, oldest first."""
    query = select(OutboxMessage.id).where(OutboxMessage.status == "pending").order_by(OutboxMessage.id).limit(limit)
    return [int(i) for i in session.execute(query).scalars()]


def claim(session: Session, message_id: int) -> OutgoingMessage | None:
    """``pending -> sending`` for this row (the caller commits before sending); None if it is not pending."""
    result = session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == message_id, OutboxMessage.status == "pending")
        .values(status="sending", claimed_at=utcnow(), attempts=OutboxMessage.attempts + 1)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        return None
    row = session.execute(
        select(OutboxMessage.id, OutboxMessage.kind, OutboxMessage.telegram_user_id, OutboxMessage.student_id,
               OutboxMessage.text, OutboxMessage.reply_markup, OutboxMessage.payload, OutboxMessage.attempts)
        .where(OutboxMessage.id == message_id)
    ).one()
    return OutgoingMessage(**row._mapping)


def recipient_bound(session: Session, message: OutgoingMessage) -> bool:
    """False when the message is tied to a student and the chat's bindings to them are all unbound or blocked.

    A message without ``student_id``, or whose chat has no binding row at all (queued by
    hand), may be sent.
    """
    if message.student_id is None:
        return True
    rows = session.execute(
        select(TelegramBinding.unbound_at, TelegramBinding.blocked).where(
            TelegramBinding.telegram_user_id == message.telegram_user_id,
            TelegramBinding.student_id == message.student_id,
        )
    ).all()
    return not rows or any(r.unbound_at is None and not r.blocked for r in rows)


def finish(session: Session, message_id: int, outcome: Outcome, error: str | None = None,
           max_attempts: int = MAX_ATTEMPTS) -> str:
    """Record how the attempt on a claimed row ended; returns the row's new status."""
    values: dict[str, Any] = {"last_error": str(error)[:_ERROR_LENGTH] if error else None}
    if outcome is Outcome.SENT:
        values.update(status="sent", sent_at=utcnow(), last_error=None)
    elif outcome is Outcome.SKIPPED:
        values["status"] = "skipped"
    elif outcome is Outcome.RETRY:
        attempts = session.execute(select(OutboxMessage.attempts).where(OutboxMessage.id == message_id)).scalar_one()
        values["status"] = "failed" if attempts >= max_attempts else "pending"
    else:
        values["status"] = "failed"
    session.execute(
        update(OutboxMessage).where(OutboxMessage.id == message_id, OutboxMessage.status == "sending").values(**values)
        .execution_options(synchronize_session=False)
    )
    return values["status"]


def fail_interrupted(session: Session, older_than: timedelta = STALE_CLAIM_AFTER) -> int:
    """Rows left in ``sending`` longer than ``older_than`` become ``failed`` (delivery unknown), never resent."""
    result = session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.status == "sending", OutboxMessage.claimed_at < utcnow() - older_than)
        .values(status="failed", last_error="delivery unknown: the sender stopped while sending")
        .execution_options(synchronize_session=False)
    )
    if result.rowcount:
        log.warning("outbox: %d interrupted row(s) marked failed (delivery unknown)", result.rowcount)
    return result.rowcount or 0


async def deliver(sessions: sessionmaker, message_id: int, send: Callable[[OutgoingMessage], Awaitable[None]],
                  max_attempts: int = MAX_ATTEMPTS) -> Outcome | None:
    """Claim, check, send and finish one row (each database step its own committed transaction,
    run in a worker thread); the outcome, or None when the row was not ours to send.

    ``send`` raises :class:`SendFailed` for a known failure; any other exception counts as
    ``FAILED`` (delivery unknown). If this coroutine is cancelled while ``send`` runs, the row
    stays ``sending`` and :func:`fail_interrupted` later marks it failed.
    """
    def in_transaction(work: Callable[..., Any], *args: Any) -> Awaitable[Any]:
        def run() -> Any:
            with sessions.begin() as session:
                return work(session, *args)
        return asyncio.to_thread(run)

    message = await in_transaction(claim, message_id)
    if message is None:
        return None
    if not await in_transaction(recipient_bound, message):
        await in_transaction(finish, message_id, Outcome.SKIPPED, "no active binding (unbound or blocked)")
        return Outcome.SKIPPED
    try:
        await send(message)
    except SendFailed as failure:
        if failure.recipient_blocked:
            await in_transaction(set_blocked, message.telegram_user_id, True)
        await in_transaction(finish, message_id, failure.outcome, failure.reason, max_attempts)
        return failure.outcome
    except Exception as exc:  # noqa: BLE001 - an unknown failure: delivery unknown, never resent
        log.warning("outbox: row %s failed: %r", message_id, exc)
        await in_transaction(finish, message_id, Outcome.FAILED, repr(exc))
        return Outcome.FAILED
    await in_transaction(finish, message_id, Outcome.SENT)
    return Outcome.SENT
