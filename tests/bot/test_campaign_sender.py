"""The campaign loop's manners: paced below the rate, yields while students are answered,
stops a normal round when quiet hours begin (injected clock, no waiting for the night)."""

from __future__ import annotations

import time

from bot import campaign_sender
from bot.campaign_sender import CampaignSender
from gradbot.campaigns.schedule import QuietHours
from tests.support.campaigns import beijing


def sender(**options) -> CampaignSender:
    """A sender whose clock reads a working morning unless the test gives one (the real
    clock would put a run after 22:00 Beijing time into quiet hours)."""
    options.setdefault("clock", lambda: beijing("2026-06-01 10:00"))
    return CampaignSender(bot=None, database_url="sqlite://", **options)  # type: ignore[arg-type]


async def test_paced_at_the_configured_rate():
    paced = sender(rate_per_s=50)
    start = time.monotonic()
    for _ in range(11):
        assert await paced._ready_to_send()
    assert time.monotonic() - start >= 10 / 50 * 0.95


async def test_yields_while_chats_are_being_answered_but_not_forever(monkeypatch):
    monkeypatch.setattr(campaign_sender, "YIELD_MAX_S", 0.3)
    busy_until = time.monotonic() + 0.1
    polite = sender(rate_per_s=0, busy=lambda: time.monotonic() < busy_until)
    assert await polite._ready_to_send()
    assert 0.08 <= polite.yielded_s <= 0.3
    always_busy = sender(rate_per_s=0, busy=lambda: True)
    start = time.monotonic()
    assert await always_busy._ready_to_send()  # a busy hour slows a campaign, never stops it
    assert 0.28 <= time.monotonic() - start < 1.0


async def test_a_round_ends_when_quiet_hours_begin_unless_it_is_urgent_only():
    clock = [beijing("2026-06-01 21:59")]
    loop = sender(rate_per_s=0, quiet=QuietHours(), clock=lambda: clock[0])
    assert await loop._ready_to_send()
    clock[0] = beijing("2026-06-01 22:00")
    assert not await loop._ready_to_send()
    loop._urgent_only = True  # the batch was fetched in quiet hours: urgent rows only
    assert await loop._ready_to_send()
