"""Read logged student messages for a range of Beijing dates.

The log stores naive UTC timestamps; staff think in Beijing dates and hours, so a
:class:`Period` is a pair of inclusive Beijing dates and every :class:`LoggedMessage`
carries its Beijing time.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone

from sqlalchemy import select
from sqlalchemy.orm import Session

from gradbot.db.engine import sessions, upgrade
from gradbot.db.models import BEIJING, ConversationMessage


@dataclass(frozen=True)
class Period:
    """Inclusive range of Beijing calendar dates."""

    start: date
    end: date

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise ValueError(f"the end date {self.end} is before the start date {self.start}")

    @classmethod
    def last_days(cls, days: int = 7, today: date | None = None) -> "Period":
        """The ``days`` Beijing dates ending with ``today`` (default: today in Beijing)."""
        if days < 1:
            raise ValueError("days must be at least 1")
        today = today or beijing_today()
        return cls(today - timedelta(days=days - 1), today)

    @property
    def days(self) -> list[date]:
        """Every date of the range, in order."""
        return [self.start + timedelta(days=i) for i in range((self.end - self.start).days + 1)]

    def utc_bounds(self) -> tuple[datetime, datetime]:
        """Naive UTC ``[from, to)`` covering the range (how the log stores time)."""
        start = datetime.combine(self.start, time.min, tzinfo=BEIJING)
        end = datetime.combine(self.end + timedelta(days=1), time.min, tzinfo=BEIJING)
        return (start.astimezone(timezone.utc).replace(tzinfo=None),
                end.astimezone(timezone.utc).replace(tzinfo=None))


@dataclass(frozen=True)
class LoggedMessage:
    """One logged student message; ``created_at`` is naive Beijing time."""

    id: int
    created_at: datetime
    channel: str
    session_hash: str
    text: str
    intent: str | None = None
    confidence: float | None = None
    outcome: str | None = None
    faq_id: str | None = None
    feedback: int | None = None


def beijing_today() -> date:
    """Today's date in Beijing."""
    return datetime.now(BEIJING).date()


def to_beijing(utc_naive: datetime) -> datetime:
    """A naive UTC timestamp as naive Beijing time."""
    return utc_naive.replace(tzinfo=timezone.utc).astimezone(BEIJING).replace(tzinfo=None)


def _query(session: Session, period: Period) -> list[LoggedMessage]:
    start, end = period.utc_bounds()
    rows = session.execute(
        select(ConversationMessage)
        .where(ConversationMessage.created_at >= start, ConversationMessage.created_at < end)
        .order_by(ConversationMessage.created_at, ConversationMessage.id)
    ).scalars()
    return [
        LoggedMessage(id=r.id, created_at=to_beijing(r.created_at), channel=r.channel, session_hash=r.session_hash,
                      text=r.text or "", intent=r.intent, confidence=r.confidence, outcome=r.outcome,
                      faq_id=r.faq_id, feedback=r.feedback)
        for r in rows
    ]


def load_messages(period: Period, *, session: Session | None = None, url: str | None = None) -> list[LoggedMessage]:
    """The messages logged in ``period``, oldest first (migrates the database first when opening it)."""
    if session is not None:
        return _query(session, period)
    upgrade(url)
    with sessions(url).begin() as s:
        return _query(s, period)
