"""The bot's narrow door to the database: conversation log and feedback.

Everything here is called from async handlers and runs the (synchronous) SQLAlchemy
work in a worker thread. A database problem never breaks a reply: it is logged and the
caller gets ``None``/``False`` (the student then simply sees no 👍/👎 buttons).
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any, Optional

logger = logging.getLogger(__name__)

CHANNEL = "telegram"


class ConversationStore:
    """Logs student messages with their outcome and stores 👍/👎 feedback."""

    def __init__(self, database_url: Optional[str] = None, enabled: bool = True) -> None:
        self.database_url = database_url
        self.enabled = enabled
        self._reachable: set[str] = set()  # users already marked not-blocked in this process

    async def mark_reachable(self, sender: str) -> None:
        """A user who writes to the bot has not blocked it: clear ``telegram_bindings.blocked``.

        Done once per user per process (cheap); :meth:`forget_reachable` re-arms it.
        """
        if not self.enabled or sender in self._reachable:
            return
        try:
            await asyncio.to_thread(self._unblock_sync, sender)
            self._reachable.add(sender)
        except Exception:
            logger.warning("could not update the blocked flag", exc_info=True)

    def forget_reachable(self, sender: str) -> None:
        self._reachable.discard(sender)

    async def set_blocked(self, sender: str, blocked: bool) -> None:
        """Telegram told us the user blocked (or unblocked) the bot."""
        if not self.enabled:
            return
        try:
            await asyncio.to_thread(self._set_blocked_sync, sender, blocked)
        except Exception:
            logger.warning("could not update the blocked flag", exc_info=True)
            return
        if blocked:
            self._reachable.discard(sender)
        else:
            self._reachable.add(sender)

    def _set_blocked_sync(self, sender: str, blocked: bool) -> None:
        from gradbot.cases.binding import set_blocked
        from gradbot.db.engine import sessions

        with sessions(self.database_url).begin() as session:
            set_blocked(session, sender, blocked)

    def _unblock_sync(self, sender: str) -> None:
        self._set_blocked_sync(sender, False)

    async def log_message(
        self,
        sender: str,
        text: str,
        gradbot: dict[str, Any],
        outcome: Optional[str] = None,
    ) -> Optional[int]:
        """Log one student message; the row id (for feedback) or None when logging failed."""
        if not self.enabled:
            return None
        confidence = gradbot.get("confidence")
        fields = dict(
            channel=CHANNEL,
            sender_id=sender,
            text=text,
            intent=gradbot.get("intent") if isinstance(gradbot.get("intent"), str) else None,
            confidence=float(confidence) if isinstance(confidence, (int, float)) else None,
            outcome=outcome or gradbot.get("outcome"),
            faq_id=gradbot.get("faq_id") if isinstance(gradbot.get("faq_id"), str) else None,
        )
        try:
            return await asyncio.to_thread(self._log_sync, fields)
        except Exception:
            logger.warning("could not log a conversation message", exc_info=True)
            return None

    def _log_sync(self, fields: dict[str, Any]) -> int:
        from gradbot.db.engine import sessions
        from gradbot.reporting import conversation_log

        with sessions(self.database_url).begin() as session:
            return conversation_log.log_message(session, **fields)

    async def set_feedback(self, log_id: int, helpful: bool) -> bool:
        """Store 👍 (+1) or 👎 (-1) for a logged message; False when it could not be stored."""
        if not self.enabled:
            return False
        try:
            return bool(await asyncio.to_thread(self._feedback_sync, log_id, 1 if helpful else -1))
        except Exception:
            logger.warning("could not store feedback for message %s", log_id, exc_info=True)
            return False

    def _feedback_sync(self, log_id: int, rating: int) -> bool:
        from gradbot.db.engine import sessions
        from gradbot.reporting import conversation_log

        with sessions(self.database_url).begin() as session:
            return conversation_log.set_feedback(session, log_id, rating)
