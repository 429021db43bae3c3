"""The conversation log: every student message with its outcome and feedback, for staff reports.

The sender is stored only as a salted hash (the salt is random per deployment and lives
in the database, so the same student gives the same hash across restarts and hosts).
Text is scrubbed of student-ID-like numbers and binding codes before it is stored.
Rows older than ``CONVERSATION_RETENTION_DAYS`` are removed by :func:`purge_older_than`.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from gradbot.cases.binding import remove_codes
from gradbot.db.models import AppSecret, ConversationMessage, utcnow
from gradbot.logsetup import redact
from gradbot.settings import get_settings

SALT_NAME = "conversation_salt"
_salts: dict[str, str] = {}


def _salt(session: Session) -> str:
    url = str(session.get_bind().url)
    if url in _salts:
        return _salts[url]
    value = session.execute(select(AppSecret.value).where(AppSecret.name == SALT_NAME)).scalar()
    if value is None:
        candidate = secrets.token_hex(16)
        try:
            with session.begin_nested():  # another process may create it at the same moment
                session.add(AppSecret(name=SALT_NAME, value=candidate))
            value = candidate
        except IntegrityError:
            value = session.execute(select(AppSecret.value).where(AppSecret.name == SALT_NAME)).scalar_one()
    _salts[url] = value
    return value


def session_hash(session: Session, sender_id: str) -> str:
    """The salted hash that stands for a sender in the log."""
    return hashlib.sha256(f"{_salt(session)}:{sender_id}".encode("utf-8")).hexdigest()[:32]


def scrub(text: str) -> str:
    """Text without student-ID-like numbers or binding codes."""
    return redact(remove_codes(text, "<code>"))


def log_message(session: Session, channel: str, sender_id: str, text: str, intent: str | None = None,
                confidence: float | None = None, outcome: str | None = None, faq_id: str | None = None) -> int:
    """Store one student message; returns its id (for :func:`set_feedback`)."""
    row = ConversationMessage(
        created_at=utcnow(), channel=str(channel)[:32], session_hash=session_hash(session, str(sender_id)),
        text=scrub(text), intent=intent, confidence=None if confidence is None else float(confidence),
        outcome=outcome, faq_id=faq_id,
    )
    session.add(row)
    session.flush()
    return int(row.id)


def set_feedback(session: Session, message_id: int, rating: int | None) -> bool:
    """Record 👍 (1), 👎 (-1) or clear (None) on a logged message; False if there is no such message."""
    if rating not in (1, -1, None):
        raise ValueError("rating must be 1, -1 or None")
    result = session.execute(
        update(ConversationMessage).where(ConversationMessage.id == int(message_id))
        .values(feedback=rating, feedback_at=utcnow() if rating is not None else None)
        .execution_options(synchronize_session=False)
    )
    return (result.rowcount or 0) > 0


def purge_older_than(session: Session, days: int | None = None) -> int:
    """Delete messages older than ``days`` (default ``CONVERSATION_RETENTION_DAYS``); returns how many."""
    days = get_settings().conversation_retention_days if days is None else int(days)
    cutoff = utcnow() - timedelta(days=days)
    result = session.execute(delete(ConversationMessage).where(ConversationMessage.created_at < cutoff)
                             .execution_options(synchronize_session=False))
    return result.rowcount or 0


__all__ = ["log_message", "set_feedback", "purge_older_than", "session_hash", "scrub"]
