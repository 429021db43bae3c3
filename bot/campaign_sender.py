"""Delivers staff reminder campaigns (outbox rows of kind ``campaign``) in their own loop,
at a lower priority than everything else the bot sends.

Design: answers to students and status notifications go through the main
:class:`~bot.outbox_sender.OutboxSender` and the handlers; campaign rows are left to this
second sender, which

* sends at most ``rate_per_s`` messages a second (default 20, ``CAMPAIGN_RATE_PER_SECOND``),
  below Telegram's ~30/s for one bot, so the bot's shared rate limiter always has room for
  answers;
* yields to interactive traffic: while the update processor has chats being answered it
  waits (up to :data:`YIELD_MAX_S` per message, so a busy hour slows a campaign down but
  never stops it);
* sends nothing but ``urgent`` campaigns in the quiet hours (re-checked before every
  message, with an injectable clock), and nothing before a row's ``not_before``;
* skips, at delivery time, a student who turned reminders off, blocked the bot or no
  longer matches (:func:`gradbot.campaigns.delivery.skip_reason`).

The at-most-once rule is the outbox's (:func:`gradbot.outbox.deliver`); the
one-row-per-(campaign, student) rule is the database's unique constraint.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import time
from typing import Any, Callable, Optional

from telegram import Bot

from bot.outbox_sender import BATCH_SIZE, OutboxSender
from gradbot.campaigns import delivery
from gradbot.campaigns.schedule import QuietHours
from gradbot.db.models import utcnow

YIELD_MAX_S = 1.0
_YIELD_STEP_S = 0.02


DEFAULT_QUIET_HOURS = QuietHours()  # 22:00-08:00 Beijing time

class CampaignSender(OutboxSender):
    """The rate-limited, low-priority loop for campaign rows (see the module doc)."""

    check = staticmethod(delivery.skip_reason)

    def __init__(
        self,
        bot: Bot,
        database_url: Optional[str] = None,
        interval_s: float = 5.0,
        on_blocked: Optional[Callable[[str], None]] = None,
        *,
        rate_per_s: float = 20.0,
        quiet: QuietHours = DEFAULT_QUIET_HOURS,
        clock: Callable[[], dt.datetime] = utcnow,
        busy: Callable[[], bool] = lambda: False,
    ) -> None:
        super().__init__(bot, database_url, interval_s, on_blocked)
        self.min_gap_s = 1.0 / rate_per_s if rate_per_s > 0 else 0.0
        self.quiet = quiet
        self.clock = clock
        self.busy = busy
        self._next_send = 0.0
        self._urgent_only = False  # the current batch was fetched in quiet hours (urgent rows only)
        self.yielded_s = 0.0  # time spent waiting for interactive traffic (for tests and logs)

    def _due_ids(self, session: Any) -> list[int]:
        now = self.clock()
        self._urgent_only = self.quiet.contains(now)
        return delivery.due_ids(session, now, self._urgent_only, BATCH_SIZE)

    async def _ready_to_send(self) -> bool:
        if not self._urgent_only and self.quiet.contains(self.clock()):
            return False  # quiet hours began: end the round; the next one asks for urgent rows only
        waited = 0.0
        while self.busy() and waited < YIELD_MAX_S and not self._stopping.is_set():
            await asyncio.sleep(_YIELD_STEP_S)
            waited += _YIELD_STEP_S
        self.yielded_s += waited
        pause = self._next_send - time.monotonic()
        if pause > 0:
            await asyncio.sleep(pause)
        self._next_send = time.monotonic() + self.min_gap_s
        return True
