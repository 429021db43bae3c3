"""Delivers case-status notifications from the ``outbox`` table to bound students.

Exactly-once reasoning
----------------------
A row moves ``pending -> sending -> sent`` (or ``skipped``/``failed``), and each move is
one committed, *conditional* UPDATE (``... WHERE id = :id AND status = :expected``):

1. **Claim.** ``pending -> sending`` (``attempts + 1``, ``claimed_at = now``) is committed
   *before* Telegram is called. Only the process whose UPDATE changed the row sends it, so
   two bot processes (or a restarted one) never send the same row twice.
2. **Send**, then **mark** ``sending -> sent`` (``sent_at``). A row is never put back to
   ``pending`` after a send that may have reached Telegram, so no restart resends it.
3. Outcomes of the send:

   * success -> ``sent``;
   * ``Forbidden`` (the student blocked the bot, or deleted the account) -> the user's
     active bindings get ``blocked = true`` and the row ``skipped``;
   * the recipient's bindings to that student are all unbound or blocked (changed since
     the row was queued) -> ``skipped`` without sending;
   * errors that prove Telegram did not take the message (``RetryAfter``, a refused or
     timed-out *connection*, 5xx ``NetworkError``) -> back to ``pending`` for a later
     attempt, ``failed`` after :data:`MAX_ATTEMPTS`;
   * errors where delivery is unknown (a read timeout after the request was sent) and
     ``BadRequest`` (chat not found …) -> ``failed`` with ``last_error`` for staff.

4. **Stopping.** On SIGINT/SIGTERM the sender finishes the row in hand (the send and its
   mark are shielded from cancellation) before the bot shuts down.
5. **Crash between claim and mark** (power cut, ``kill -9``): the row stays ``sending``.
   Whether Telegram delivered it cannot be known, so after :data:`STALE_CLAIM_AFTER` it is
   marked ``failed`` ("delivery unknown") for staff to check, never resent. Between a
   duplicate and a possibly lost message we choose the visible, at-most-once failure.

So every row is sent at most once, and exactly once unless the process dies inside the
few milliseconds of a single HTTP request, which leaves a ``failed`` row staff can see.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta
from typing import Any, Callable, Optional

import httpx
from sqlalchemy import select, update
from telegram import Bot
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError, TimedOut

from bot.replies import split_text

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 5
STALE_CLAIM_AFTER = timedelta(minutes=5)
BATCH_SIZE = 20


class OutboxSender:
    """Polls the outbox every ``interval_s`` and sends due rows one by one, in id order."""

    def __init__(
        self,
        bot: Bot,
        database_url: Optional[str] = None,
        interval_s: float = 2.0,
        on_blocked: Optional[Callable[[str], None]] = None,
    ) -> None:
        self.bot = bot
        self.on_blocked = on_blocked
        self.database_url = database_url
        self.interval_s = interval_s
        self._task: Optional[asyncio.Task[None]] = None
        self._stopping = asyncio.Event()
        self._in_flight: Optional[asyncio.Future[Any]] = None
        self.sent = 0

    # --- lifecycle -----------------------------------------------------------------------

    def start(self) -> None:
        """Start the background loop (call from a running event loop, e.g. ``post_init``)."""
        if self._task is None:
            self._stopping.clear()
            self._task = asyncio.create_task(self._run(), name="outbox-sender")

    async def stop(self, timeout_s: float = 10.0) -> None:
        """Finish the row in hand, then stop the loop."""
        task, self._task = self._task, None
        if task is None:
            return
        self._stopping.set()
        if self._in_flight is not None:
            try:
                await asyncio.wait_for(asyncio.shield(self._in_flight), timeout_s)
            except Exception:
                logger.warning("outbox: the row in hand did not finish before shutdown", exc_info=True)
        task.cancel()
        try:
            await task
        except asyncio.CancelledError:
            pass
        except Exception:
            logger.exception("outbox sender ended with an error")

    async def _run(self) -> None:
        try:
            await asyncio.to_thread(self._fail_stale_claims)
        except Exception:
            logger.warning("outbox: could not check for stale claims", exc_info=True)
        while not self._stopping.is_set():
            try:
                await self.deliver_due()
            except asyncio.CancelledError:
                raise
            except Exception:  # database down, etc.: log and try again later
                logger.warning("outbox: delivery round failed", exc_info=True)
            try:
                await asyncio.wait_for(self._stopping.wait(), self.interval_s)
            except asyncio.TimeoutError:
                pass

    # --- one round -----------------------------------------------------------------------

    async def deliver_due(self) -> int:
        """Send every pending row (in batches, oldest first); the number sent."""
        delivered = 0
        while not self._stopping.is_set():
            ids = await asyncio.to_thread(self._pending_ids, BATCH_SIZE)
            if not ids:
                break
            for row_id in ids:
                if self._stopping.is_set():
                    break
                self._in_flight = asyncio.ensure_future(self._deliver_one(row_id))
                try:
                    delivered += int(await asyncio.shield(self._in_flight))
                finally:
                    if self._in_flight is not None and self._in_flight.done():
                        self._in_flight = None
        return delivered

    async def _deliver_one(self, row_id: int) -> bool:
        row = await asyncio.to_thread(self._claim, row_id)
        if row is None:
            return False  # another sender took it, or it is no longer pending
        if not await asyncio.to_thread(self._binding_active, row["telegram_user_id"], row["student_id"]):
            await asyncio.to_thread(self._finish, row_id, "skipped", "no active binding (unbound or blocked)")
            return False
        try:
            for chunk in split_text(row["text"]) or ["…"]:
                await self.bot.send_message(chat_id=int(row["telegram_user_id"]), text=chunk)
        except Forbidden as exc:
            logger.info("outbox: row %s skipped, the user blocked the bot", row_id)
            await asyncio.to_thread(self._mark_blocked, row["telegram_user_id"])
            if self.on_blocked is not None:
                self.on_blocked(str(row["telegram_user_id"]))
            await asyncio.to_thread(self._finish, row_id, "skipped", exc.message)  # "Forbidden: bot was blocked …"
            return False
        except (RetryAfter, NetworkError) as exc:
            if isinstance(exc, RetryAfter) or _not_delivered(exc):
                final = row["attempts"] >= MAX_ATTEMPTS
                logger.warning("outbox: row %s not sent (%s)%s", row_id, exc, "; giving up" if final else "; will retry")
                await asyncio.to_thread(self._finish, row_id, "failed" if final else "pending", repr(exc))
            else:
                logger.warning("outbox: row %s delivery unknown (%s); marked failed", row_id, exc)
                await asyncio.to_thread(self._finish, row_id, "failed", f"delivery unknown: {exc!r}")
            return False
        except (BadRequest, TelegramError, ValueError) as exc:
            logger.warning("outbox: row %s failed: %s", row_id, exc)
            await asyncio.to_thread(self._finish, row_id, "failed", repr(exc))
            return False
        await asyncio.to_thread(self._finish, row_id, "sent", None)
        self.sent += 1
        return True

    # --- database (run in a worker thread; the row moves are gradbot.cases.outbox's) -------

    def _pending_ids(self, limit: int) -> list[int]:
        from gradbot.cases.db import session_scope
        from gradbot.cases.models import OutboxMessage

        with session_scope(self.database_url) as session:
            query = (
                select(OutboxMessage.id)
                .where(OutboxMessage.status == "pending")
                .order_by(OutboxMessage.id)
                .limit(limit)
            )
            return [int(i) for i in session.execute(query).scalars()]

    def _claim(self, row_id: int) -> Optional[dict[str, Any]]:
        """``pending -> sending`` for this one row, committed; None if someone else has it."""
        from gradbot.cases.db import session_scope
        from gradbot.cases.models import OutboxMessage, utcnow

        with session_scope(self.database_url) as session:
            result = session.execute(
                update(OutboxMessage)
                .where(OutboxMessage.id == row_id, OutboxMessage.status == "pending")
                .values(status="sending", claimed_at=utcnow(), attempts=OutboxMessage.attempts + 1)
                .execution_options(synchronize_session=False)
            )
            if result.rowcount != 1:
                return None
            row = session.execute(
                select(
                    OutboxMessage.telegram_user_id,
                    OutboxMessage.student_id,
                    OutboxMessage.text,
                    OutboxMessage.attempts,
                ).where(OutboxMessage.id == row_id)
            ).one()
            return dict(row._mapping)

    def _finish(self, row_id: int, status: str, error: Optional[str]) -> None:
        from gradbot.cases import outbox
        from gradbot.cases.db import session_scope

        with session_scope(self.database_url) as session:
            if status == "sent":
                outbox.mark_sent(session, row_id)
            elif status == "skipped":
                outbox.mark_skipped(session, row_id, error or "")
            elif status == "pending":  # retry later, "failed" after MAX_ATTEMPTS
                outbox.mark_failed(session, row_id, error or "", max_attempts=MAX_ATTEMPTS)
            else:  # failed now, never resent
                outbox.mark_failed(session, row_id, error or "", max_attempts=0)

    def _binding_active(self, telegram_user_id: str, student_id: str) -> bool:
        """False when the user's bindings to this student are all unbound or blocked.

        A row whose recipient has no binding row at all (queued by hand) is sent.
        """
        from gradbot.cases.db import session_scope
        from gradbot.cases.models import TelegramBinding

        with session_scope(self.database_url) as session:
            rows = session.execute(
                select(TelegramBinding.unbound_at, TelegramBinding.blocked).where(
                    TelegramBinding.telegram_user_id == str(telegram_user_id),
                    TelegramBinding.student_id == student_id,
                )
            ).all()
            return not rows or any(r.unbound_at is None and not r.blocked for r in rows)

    def _mark_blocked(self, telegram_user_id: str) -> None:
        from gradbot.cases import outbox
        from gradbot.cases.db import session_scope

        with session_scope(self.database_url) as session:
            outbox.set_blocked(session, str(telegram_user_id), True)

    def _fail_stale_claims(self) -> None:
        """Rows a dead sender left in ``sending``: delivery unknown, so ``failed``, not resent.

        (``gradbot.cases.outbox.release_stale`` would resend them: at-least-once; we keep
        at-most-once, see the module docstring.)
        """
        from gradbot.cases.db import session_scope
        from gradbot.cases.models import OutboxMessage, utcnow

        with session_scope(self.database_url) as session:
            result = session.execute(
                update(OutboxMessage)
                .where(OutboxMessage.status == "sending", OutboxMessage.claimed_at < utcnow() - STALE_CLAIM_AFTER)
                .values(status="failed", last_error="delivery unknown: the sender stopped while sending")
                .execution_options(synchronize_session=False)
            )
            if result.rowcount:
                logger.warning("outbox: %d interrupted row(s) marked failed (delivery unknown)", result.rowcount)


def _not_delivered(exc: TelegramError) -> bool:
    """True when the error proves the request never reached Telegram (safe to retry)."""
    cause = exc.__cause__
    if isinstance(cause, (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)):
        return True
    if isinstance(exc, TimedOut):
        return False  # a read/write timeout: Telegram may have the message
    text = str(exc).lower()
    return "connect" in text or "bad gateway" in text or "502" in text or "503" in text
