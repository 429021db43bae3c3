"""Binding a Telegram user to a student with a one-time code that staff issue.

Codes are 8 characters from an alphabet without look-alikes (no I, L, O, 0, 1), with at
least two digits and two letters, shown as ``XXXX-XXXX`` and accepted with or without
the hyphen, in any case. Only their SHA-256 is stored. A user who sends
:data:`MAX_WRONG` wrong codes within :data:`LOCKOUT_WINDOW` is refused until the
oldest of them is an hour old. Codes never appear in logs.
"""

from __future__ import annotations

import hashlib
import logging
import math
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Iterable

from sqlalchemy import and_, select, update
from sqlalchemy.orm import Session

from gradbot.db.models import BindAttempt, BindCode, Student, TelegramBinding, utcnow
from gradbot.logsetup import mask_student_id
from gradbot.settings import get_settings

log = logging.getLogger(__name__)

_CHUNK = 500
ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 8
MAX_WRONG = 5
LOCKOUT_WINDOW = timedelta(hours=1)
_DIGITS = set("23456789")
_CODE_IN_TEXT = re.compile(
    rf"(?<![A-Za-z0-9])([{ALPHABET}{ALPHABET.lower()}]{{4}})[-\s‐–—]?([{ALPHABET}{ALPHABET.lower()}]{{4}})(?![A-Za-z0-9])"
)


class UnknownStudent(LookupError):
    """No student with this ID in the database."""


@dataclass(frozen=True)
class BindResult:
    """The outcome of :func:`bind`: ``ok``, ``wrong``, ``expired``, ``used`` or ``locked_out``."""

    status: str
    student_id: str | None = None
    student_name: str | None = None
    minutes_left: int = 0  # for locked_out
    attempts_left: int = 0  # for wrong

    @property
    def ok(self) -> bool:
        return self.status == "ok"


def _valid_shape(code: str) -> bool:
    digits = sum(c in _DIGITS for c in code)
    return (len(code) == CODE_LENGTH and all(c in ALPHABET for c in code)
            and digits >= 2 and CODE_LENGTH - digits >= 2)


def new_code() -> str:
    """A random code (without hyphen) meeting the digit/letter rule."""
    while True:
        code = "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))
        if _valid_shape(code):
            return code


def normalize_code(text: str) -> str:
    """Upper-case, without hyphens or spaces."""
    return re.sub(r"[\s\-‐–—]", "", str(text or "")).upper()


def format_code(code: str) -> str:
    """``K7PQM2XA`` -> ``K7PQ-M2XA``."""
    code = normalize_code(code)
    return f"{code[:4]}-{code[4:]}"


def hash_code(code: str) -> str:
    """The stored form of a code."""
    return hashlib.sha256(normalize_code(code).encode("ascii", "ignore")).hexdigest()


def extract_code(text: str | None) -> str | None:
    """The binding code in a message (normalised), or None.

    Finds ``K7PQ-M2XA``, ``k7pqm2xa``, ``/start K7PQM2XA`` or the code inside a sentence;
    ordinary words of eight letters are not codes (two digits are required).
    """
    for match in _CODE_IN_TEXT.finditer(str(text or "")):
        code = (match.group(1) + match.group(2)).upper()
        if _valid_shape(code):
            return code
    return None


def remove_codes(text: str | None, replacement: str = "") -> str:
    """The text with every binding code replaced (for logs, and for guessing the language)."""
    def swap(match: re.Match) -> str:
        return replacement if _valid_shape((match.group(1) + match.group(2)).upper()) else match.group(0)

    return _CODE_IN_TEXT.sub(swap, str(text or ""))


def deep_link(code: str) -> str:
    """The Telegram link that binds when opened (``https://t.me/<bot>?start=<code>``)."""
    from telegram.helpers import create_deep_linked_url

    return create_deep_linked_url(get_settings().telegram_bot_username, normalize_code(code))


def issue_code(session: Session, student_id: str, ttl: timedelta | None = None) -> tuple[str, str]:
    """Create a one-time code for a student; returns (``XXXX-XXXX``, deep link)."""
    student_id = str(student_id).strip()
    if session.get(Student, student_id) is None:
        raise UnknownStudent(f"no student {mask_student_id(student_id)} in the database (import their cases first)")
    ttl = ttl or timedelta(hours=get_settings().bind_code_ttl_hours)
    now = utcnow()
    while True:
        code = new_code()
        digest = hash_code(code)
        if session.execute(select(BindCode.id).where(BindCode.code_hash == digest)).first() is None:
            break
    session.add(BindCode(code_hash=digest, student_id=student_id, created_at=now, expires_at=now + ttl))
    session.flush()
    log.info("binding code issued for student %s", mask_student_id(student_id))
    return format_code(code), deep_link(code)


def _recent_failures(session: Session, telegram_user_id: str, now: datetime) -> list[datetime]:
    """Wrong attempts in the last hour since the last success, newest first (at most MAX_WRONG)."""
    since = session.execute(
        select(BindAttempt.at).where(BindAttempt.telegram_user_id == telegram_user_id, BindAttempt.success.is_(True))
        .order_by(BindAttempt.at.desc()).limit(1)
    ).scalar()
    start = now - LOCKOUT_WINDOW
    if since is not None and since > start:
        start = since
    return list(session.execute(
        select(BindAttempt.at).where(
            BindAttempt.telegram_user_id == telegram_user_id, BindAttempt.success.is_(False), BindAttempt.at > start,
        ).order_by(BindAttempt.at.desc()).limit(MAX_WRONG)
    ).scalars())


def lockout_minutes_left(session: Session, telegram_user_id: str, now: datetime | None = None) -> int:
    """Minutes until the user may try again (0 when not locked out)."""
    now = now or utcnow()
    failures = _recent_failures(session, str(telegram_user_id), now)
    if len(failures) < MAX_WRONG:
        return 0
    unlock_at = failures[MAX_WRONG - 1] + LOCKOUT_WINDOW
    return max(1, math.ceil((unlock_at - now).total_seconds() / 60))


def bind(session: Session, telegram_user_id: str, code: str) -> BindResult:
    """Bind the user to the code's student if the code is valid, unused and unexpired."""
    user = str(telegram_user_id)
    now = utcnow()
    minutes = lockout_minutes_left(session, user, now)
    if minutes:
        log.info("binding refused: user locked out for %d more minutes", minutes)
        return BindResult("locked_out", minutes_left=minutes)
    normalized = normalize_code(code)
    row = None
    if _valid_shape(normalized):
        row = session.execute(select(BindCode).where(BindCode.code_hash == hash_code(normalized))).scalar_one_or_none()
    if row is None:
        session.add(BindAttempt(telegram_user_id=user, at=now, success=False))
        session.flush()
        failures = len(_recent_failures(session, user, now))
        log.info("binding failed: wrong code (%d in the last hour)", failures)
        if failures >= MAX_WRONG:
            return BindResult("locked_out", minutes_left=lockout_minutes_left(session, user, now))
        return BindResult("wrong", attempts_left=MAX_WRONG - failures)
    if row.used_at is not None:
        return BindResult("used")
    if row.expires_at <= now:
        return BindResult("expired")
    claimed = session.execute(  # only one request can use a code, even concurrently
        update(BindCode).where(and_(BindCode.id == row.id, BindCode.used_at.is_(None))).values(used_at=now)
        .execution_options(synchronize_session=False)
    )
    if claimed.rowcount != 1:
        return BindResult("used")
    unbind(session, user, now=now)
    session.add(TelegramBinding(telegram_user_id=user, student_id=row.student_id, bound_at=now, blocked=False))
    session.add(BindAttempt(telegram_user_id=user, at=now, success=True))
    session.flush()
    student = session.get(Student, row.student_id)
    log.info("user bound to student %s", mask_student_id(row.student_id))
    return BindResult("ok", student_id=row.student_id, student_name=student.name if student else None)


def unbind(session: Session, telegram_user_id: str, now: datetime | None = None) -> bool:
    """End the user's active binding; True if there was one."""
    result = session.execute(
        update(TelegramBinding)
        .where(TelegramBinding.telegram_user_id == str(telegram_user_id), TelegramBinding.unbound_at.is_(None))
        .values(unbound_at=now or utcnow())
        .execution_options(synchronize_session=False)
    )
    return (result.rowcount or 0) > 0


def student_for(session: Session, telegram_user_id: str) -> Student | None:
    """The student the user is bound to, or None."""
    return session.execute(
        select(Student).join(TelegramBinding, TelegramBinding.student_id == Student.student_id).where(
            TelegramBinding.telegram_user_id == str(telegram_user_id), TelegramBinding.unbound_at.is_(None)
        ).order_by(TelegramBinding.bound_at.desc()).limit(1)
    ).scalar_one_or_none()


def active_bindings(session: Session, student_ids: Iterable[str]) -> dict[str, list[str]]:
    """student_id -> Telegram user ids of its active, not-blocked bindings (batched)."""
    ids = sorted(set(student_ids))
    found: dict[str, list[str]] = {}
    for start in range(0, len(ids), _CHUNK):
        rows = session.execute(
            select(TelegramBinding.student_id, TelegramBinding.telegram_user_id).where(
                TelegramBinding.student_id.in_(ids[start:start + _CHUNK]),
                TelegramBinding.unbound_at.is_(None),
                TelegramBinding.blocked.is_(False),
            )
        )
        for student_id, user_id in rows:
            found.setdefault(student_id, []).append(user_id)
    return found


def set_blocked(session: Session, telegram_user_id: str, blocked: bool = True) -> int:
    """Mark (or clear) the user's active bindings as having blocked the bot."""
    result = session.execute(
        update(TelegramBinding)
        .where(TelegramBinding.telegram_user_id == str(telegram_user_id), TelegramBinding.unbound_at.is_(None))
        .values(blocked=blocked)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount or 0
