"""Delivers the outbox (:mod:`gradbot.outbox`) to Telegram: the polling loop and the
mapping of Telegram's errors to delivery outcomes. The at-most-once rule itself (claim,
send, finish; an interrupted claim is failed, never resent) is :func:`gradbot.outbox.deliver`.

Telegram errors:

* success -> ``sent``;
* ``Forbidden`` (the student blocked the bot, or deleted the account) -> the user's active
  bindings get ``blocked = true`` and the row ``skipped``;
* errors that prove Telegram did not take the message (``RetryAfter``, a refused or
  timed-out *connection*, 5xx ``NetworkError``) -> back to ``pending`` for a later attempt,
  ``failed`` after :data:`gradbot.outbox.MAX_ATTEMPTS`;
* errors where delivery is unknown (a read timeout after the request was sent) and
  ``BadRequest`` (chat not found …) -> ``failed`` with ``last_error`` for staff.

Kinds: a row's ``kind`` may have its own send function (``kind_senders``, e.g. the
handoff's staff answers copied with ``copy_message``; Telegram's errors are mapped the
same way), and ``on_outcome`` hears how each attempt ended (e.g. to confirm delivery in
the staff group). :meth:`OutboxSender.poke` starts a round at once instead of waiting.

On SIGINT/SIGTERM the sender finishes the row in hand (the send and its mark are shielded
from cancellation) before the bot shuts down.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any, Awaitable, Callable, Mapping, Optional

from telegram import Bot, InlineKeyboardMarkup
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError

from bot.bot_api import not_delivered
from bot.replies import split_text
from gradbot import outbox, preferences
from gradbot.db.engine import sessions
from gradbot.outbox import Outcome, OutgoingMessage, SendFailed

logger = logging.getLogger(__name__)

BATCH_SIZE = 20

KindSender = Callable[[OutgoingMessage], Awaitable[None]]
OutcomeListener = Callable[[OutgoingMessage, Outcome, Optional[SendFailed]], Awaitable[None]]


class OutboxSender:
    """Polls the outbox every ``interval_s`` and sends due rows one by one, in id order."""

    def __init__(
        self,
        bot: Bot,
        database_url: Optional[str] = None,
        interval_s: float = 2.0,
        on_blocked: Optional[Callable[[str], None]] = None,
        kind_senders: Optional[Mapping[str, KindSender]] = None,
        on_outcome: Optional[OutcomeListener] = None,
    ) -> None:
        self.bot = bot
        self.on_blocked = on_blocked
        self.kind_senders = dict(kind_senders or {})
        self.on_outcome = on_outcome
        self._wake = asyncio.Event()
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
            await asyncio.to_thread(self._in_transaction, outbox.fail_interrupted)
        except Exception:
            logger.warning("outbox: could not check for interrupted rows", exc_info=True)
        while not self._stopping.is_set():
            try:
                await self.deliver_due()
            except asyncio.CancelledError:
                raise
            except Exception:  # database down, etc.: log and try again later
                logger.warning("outbox: delivery round failed", exc_info=True)
            waits = [asyncio.ensure_future(self._stopping.wait()), asyncio.ensure_future(self._wake.wait())]
            try:
                await asyncio.wait(waits, timeout=self.interval_s, return_when=asyncio.FIRST_COMPLETED)
            finally:
                for waiting in waits:
                    waiting.cancel()
            self._wake.clear()

    def poke(self) -> None:
        """Deliver now: a producer has just queued something (call from the bot's event loop)."""
        self._wake.set()

    def _in_transaction(self, work: Callable[..., Any], *args: Any) -> Any:
        with sessions(self.database_url).begin() as session:
            return work(session, *args)

    # --- one round -----------------------------------------------------------------------

    async def deliver_due(self) -> int:
        """Send every pending row (in batches, oldest first); the number sent."""
        delivered = 0
        while not self._stopping.is_set():
            ids = await asyncio.to_thread(self._in_transaction, self._due_ids)
            if not ids:
                break
            for row_id in ids:
                if self._stopping.is_set() or not await self._ready_to_send():
                    return delivered
                self._in_flight = asyncio.ensure_future(
                    outbox.deliver(sessions(self.database_url), row_id, self._send, check=self.check)
                )
                try:
                    if await asyncio.shield(self._in_flight) is Outcome.SENT:
                        delivered += 1
                        self.sent += 1
                finally:
                    if self._in_flight is not None and self._in_flight.done():
                        self._in_flight = None
        return delivered

    check = staticmethod(preferences.outbox_skip_reason)  # the student may have turned such messages off

    async def _ready_to_send(self) -> bool:
        """Called before each row; a subclass may pace here, or return False to end the round."""
        return True

    def _due_ids(self, session: Any) -> list[int]:
        """The next rows this sender delivers (campaign reminders have their own, slower loop)."""
        return outbox.pending_ids(session, BATCH_SIZE, exclude_kinds=("campaign",))

    async def _send(self, message: OutgoingMessage) -> None:
        """Send one message and tell ``on_outcome`` how it ended."""
        try:
            await self._send_mapped(message)
        except SendFailed as failure:
            await self._report(message, failure.outcome, failure)
            raise
        await self._report(message, Outcome.SENT, None)

    async def _report(self, message: OutgoingMessage, outcome: Outcome, failure: Optional[SendFailed]) -> None:
        if self.on_outcome is None:
            return
        try:
            await self.on_outcome(message, outcome, failure)
        except Exception:  # a confirmation is best effort; the delivery itself is decided
            logger.warning("outbox: outcome listener failed for row %s", message.id, exc_info=True)

    async def _send_text(self, message: OutgoingMessage) -> None:
        chunks = split_text(message.text) or ["…"]
        markup = InlineKeyboardMarkup.de_json(message.reply_markup, self.bot) if message.reply_markup else None
        for index, chunk in enumerate(chunks):
            await self.bot.send_message(chat_id=int(message.telegram_user_id), text=chunk,
                                        reply_markup=markup if index == len(chunks) - 1 else None)

    async def _send_mapped(self, message: OutgoingMessage) -> None:
        """Send one message; Telegram's errors become :class:`gradbot.outbox.SendFailed`."""
        try:
            await self.kind_senders.get(message.kind, self._send_text)(message)
        except Forbidden as exc:
            logger.info("outbox: row %s skipped, the user blocked the bot", message.id)
            if self.on_blocked is not None:
                self.on_blocked(message.telegram_user_id)
            raise SendFailed(Outcome.SKIPPED, exc.message, recipient_blocked=True) from exc  # "Forbidden: bot was blocked …"
        except (RetryAfter, NetworkError) as exc:
            if not_delivered(exc):
                final = message.attempts >= outbox.MAX_ATTEMPTS
                logger.warning("outbox: row %s not sent (%s)%s", message.id, exc, "; giving up" if final else "; will retry")
                raise SendFailed(Outcome.RETRY, repr(exc)) from exc
            logger.warning("outbox: row %s delivery unknown (%s); marked failed", message.id, exc)
            raise SendFailed(Outcome.FAILED, f"delivery unknown: {exc!r}") from exc
        except (BadRequest, TelegramError, ValueError) as exc:
            logger.warning("outbox: row %s failed: %s", message.id, exc)
            raise SendFailed(Outcome.FAILED, repr(exc)) from exc
