"""An update processor: one chat strictly in order, different chats concurrently.

python-telegram-bot's :class:`~telegram.ext.SimpleUpdateProcessor` runs updates
concurrently with no ordering, and its default (sequential) mode lets one slow or
flooding chat hold up every other. :class:`PerChatUpdateProcessor` keeps a FIFO lock per
chat: an update waits for the previous update of the same chat to finish, *before* it
takes one of the ``max_concurrent_updates`` global slots, so a student who sends 200
messages occupies one slot, not all of them. Together with the FIFO rate limiter this
gives each active chat a fair share of Telegram's flood limits.

Each chat may have at most ``max_pending_per_chat`` updates waiting; beyond that updates
are dropped (logged, and the chat is told once per burst) so a script flooding the bot
cannot grow memory without bound.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from typing import Any, Awaitable, Callable, Optional

from telegram import Update
from telegram.ext import BaseUpdateProcessor

logger = logging.getLogger(__name__)


@dataclass
class _ChatQueue:
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    pending: int = 0
    dropped_notice_sent: bool = False


def chat_key(update: object) -> Optional[int]:
    """The chat an update belongs to (None for updates without a chat)."""
    if isinstance(update, Update) and update.effective_chat is not None:
        return update.effective_chat.id
    return None


class PerChatUpdateProcessor(BaseUpdateProcessor):
    """Serialises updates per chat, runs chats concurrently (up to ``max_concurrent_updates``).

    The base class's semaphore (its ``max_concurrent_updates``) only bounds how many updates
    may be admitted at all (``max_admitted``); the real concurrency limit is applied in
    :meth:`do_process_update`, after the chat's turn has come.
    """

    def __init__(
        self,
        max_concurrent_updates: int = 256,
        max_pending_per_chat: int = 100,
        max_admitted: int = 100_000,
        on_overflow: Optional[Callable[[Update], Awaitable[Any]]] = None,
    ) -> None:
        super().__init__(max_admitted)
        self.concurrency_limit = max_concurrent_updates
        self._running = asyncio.BoundedSemaphore(max_concurrent_updates)
        self.max_pending_per_chat = max_pending_per_chat
        self.on_overflow = on_overflow
        self._chats: dict[int, _ChatQueue] = {}
        self.dropped = 0

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        key = chat_key(update)
        if key is None:
            async with self._running:
                await coroutine
            return
        queue = self._chats.get(key)
        if queue is None:
            queue = self._chats[key] = _ChatQueue()
        if queue.pending >= self.max_pending_per_chat:
            self.dropped += 1
            _close(coroutine)
            logger.warning("chat queue full (%d pending): update %s dropped", queue.pending, getattr(update, "update_id", "?"))
            if not queue.dropped_notice_sent and self.on_overflow is not None and isinstance(update, Update):
                queue.dropped_notice_sent = True
                try:
                    await self.on_overflow(update)
                except Exception:  # a notice is best effort
                    logger.debug("overflow notice failed", exc_info=True)
            return
        queue.pending += 1
        try:
            async with queue.lock:  # asyncio.Lock wakes its waiters first-in first-out
                async with self._running:
                    await coroutine
        finally:
            queue.pending -= 1
            if queue.pending == 0:
                queue.dropped_notice_sent = False
                if self._chats.get(key) is queue:
                    del self._chats[key]

    async def initialize(self) -> None:
        return None

    async def shutdown(self) -> None:
        return None

    @property
    def active_chats(self) -> int:
        """Chats with updates being processed or waiting."""
        return len(self._chats)


def _close(coroutine: Awaitable[Any]) -> None:
    close = getattr(coroutine, "close", None)
    if close is not None:
        close()  # avoid "coroutine was never awaited"
