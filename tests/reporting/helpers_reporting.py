"""Building blocks for report tests: the project's knowledge base and hand-made log messages."""

from __future__ import annotations

from datetime import date, datetime
from functools import lru_cache

from gradbot.knowledge.loader import load_directory
from gradbot.knowledge.schema import KnowledgeBase
from gradbot.reporting.data import LoggedMessage, Period
from gradbot.settings import PROJECT_ROOT

PERIOD = Period(date(2026, 11, 20), date(2026, 11, 26))


@lru_cache(maxsize=1)
def project_kb() -> KnowledgeBase:
    """The knowledge base in ``policies/`` (entries are picked from it, never hard-coded)."""
    kb, _ = load_directory(PROJECT_ROOT / "policies")
    assert len(kb.entries) >= 2, "the project knowledge base should have entries"
    return kb


def message(n: int, text: str, when: datetime, outcome: str | None, faq_id: str | None = None,
            feedback: int | None = None, session: str = "s1") -> LoggedMessage:
    """A logged message as :func:`gradbot.reporting.data.load_messages` returns it (Beijing time)."""
    return LoggedMessage(id=n, created_at=when, channel="telegram", session_hash=session, text=text,
                         outcome=outcome, faq_id=faq_id, feedback=feedback)
