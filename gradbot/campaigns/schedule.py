"""When a campaign message may go out: its ``send_at`` and the quiet hours.

Quiet hours are 22:00–08:00 Beijing time by default (``CAMPAIGN_QUIET_HOURS``): a
non-urgent reminder due then waits for the morning. The clock is always passed in (naive
UTC, the project's convention for system times), so tests never wait.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

BEIJING_OFFSET = dt.timedelta(hours=8)


@dataclass(frozen=True)
class QuietHours:
    """A daily window in Beijing time when nothing non-urgent is pushed (``start`` > ``end`` wraps midnight)."""

    start: dt.time = dt.time(22, 0)
    end: dt.time = dt.time(8, 0)

    @classmethod
    def parse(cls, text: str) -> "QuietHours":
        """``22:00-08:00`` -> QuietHours; ``off`` (or empty) -> a window of no length."""
        text = (text or "").strip().lower()
        if text in ("", "off", "none"):
            return cls(dt.time(0, 0), dt.time(0, 0))
        try:
            start, end = (dt.time.fromisoformat(part.strip()) for part in text.split("-"))
        except ValueError:
            raise ValueError(f"quiet hours must look like 22:00-08:00 or 'off', got {text!r}") from None
        return cls(start, end)

    def contains(self, now_utc: dt.datetime) -> bool:
        """True when ``now_utc`` (naive UTC) falls in the quiet hours."""
        local = (now_utc + BEIJING_OFFSET).time()
        if self.start == self.end:
            return False
        if self.start < self.end:
            return self.start <= local < self.end
        return local >= self.start or local < self.end

    def next_allowed(self, now_utc: dt.datetime) -> dt.datetime:
        """``now_utc`` itself outside quiet hours, else the (UTC) moment they end."""
        if not self.contains(now_utc):
            return now_utc
        local = now_utc + BEIJING_OFFSET
        end = dt.datetime.combine(local.date(), self.end)
        if end <= local:
            end += dt.timedelta(days=1)
        return end - BEIJING_OFFSET

    def describe(self) -> str:
        return "off" if self.start == self.end else f"{self.start:%H:%M}–{self.end:%H:%M}"


def beijing_to_utc(moment: dt.datetime) -> dt.datetime:
    """Naive Beijing time -> naive UTC."""
    return moment - BEIJING_OFFSET


def utc_to_beijing(moment: dt.datetime) -> dt.datetime:
    """Naive UTC -> naive Beijing time."""
    return moment + BEIJING_OFFSET


def first_send_time(send_at_beijing: dt.datetime | None, urgent: bool, now_utc: dt.datetime,
                    quiet: QuietHours) -> dt.datetime:
    """The earliest (UTC) time a campaign message may be sent: ``send_at`` (or now), moved
    out of the quiet hours unless ``urgent``."""
    due = max(beijing_to_utc(send_at_beijing), now_utc) if send_at_beijing else now_utc
    return due if urgent else quiet.next_allowed(due)
