"""Students' preferences: reminders (staff campaigns) on/off, status notifications on/off,
and the language of pushed messages.

Kept per student (table ``student_preferences``), not per binding: the choice belongs to
the person and survives a re-bind from a new Telegram account. No row means the defaults:
everything on, Chinese unless the student's Telegram client is set to another language.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Iterable

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from gradbot.db.models import StudentPreference, utcnow

if TYPE_CHECKING:  # gradbot.outbox imports the cases package; only the type is needed here
    from gradbot.outbox import OutgoingMessage

SETTINGS = ("reminders", "status_notifications")
_CHUNK = 500


@dataclass(frozen=True)
class Preferences:
    """One student's preferences (defaults when they never chose)."""

    reminders: bool = True
    status_notifications: bool = True
    language: str | None = None  # chosen in /settings
    telegram_language: str | None = None  # from the Telegram client

    @property
    def effective_language(self) -> str:
        """``zh`` or ``en``: the chosen one, else the Telegram client's, else Chinese."""
        return self.language or self.telegram_language or "zh"


def telegram_language(language_code: str | None) -> str | None:
    """Telegram's ``language_code`` as ``zh``/``en`` (other languages read English); None when absent.

    The one rule for reading ``language_code``: every part of the bot asks here."""
    code = (language_code or "").strip().lower()
    if not code:
        return None
    return "zh" if code.startswith("zh") else "en"


def reads_english(language_code: str | None) -> bool:
    """Whether a Telegram client set to ``language_code`` gets English (the rule of :func:`telegram_language`)."""
    return telegram_language(language_code) == "en"


def _from_row(row: StudentPreference | None) -> Preferences:
    if row is None:
        return Preferences()
    return Preferences(bool(row.reminders), bool(row.status_notifications), row.language, row.telegram_language)


def get(session: Session, student_id: str) -> Preferences:
    """The student's preferences (the defaults when there is no row)."""
    return _from_row(session.get(StudentPreference, student_id))


def many(session: Session, student_ids: Iterable[str]) -> dict[str, Preferences]:
    """Preferences of many students; students without a row are left out (they have the defaults)."""
    ids = list(dict.fromkeys(student_ids))
    found: dict[str, Preferences] = {}
    for start in range(0, len(ids), _CHUNK):
        rows = session.execute(select(StudentPreference).where(StudentPreference.student_id.in_(ids[start:start + _CHUNK])))
        found.update({row.student_id: _from_row(row) for row in rows.scalars()})
    return found


def update(session: Session, student_id: str, **changes: object) -> Preferences:
    """Change some of ``reminders``, ``status_notifications``, ``language``, ``telegram_language``."""
    allowed = set(SETTINGS) | {"language", "telegram_language"}
    unknown = set(changes) - allowed
    if unknown:
        raise ValueError(f"unknown preference(s): {', '.join(sorted(unknown))}")
    row = session.get(StudentPreference, student_id)
    if row is None:
        try:
            with session.begin_nested():  # another process may create the row at the same moment
                row = StudentPreference(student_id=student_id, reminders=True, status_notifications=True)
                session.add(row)
        except IntegrityError:
            row = session.execute(select(StudentPreference).where(StudentPreference.student_id == student_id)
                                  .execution_options(populate_existing=True)).scalar_one()
    for name, value in changes.items():
        setattr(row, name, value)
    row.updated_at = utcnow()
    session.flush()
    return _from_row(row)


def wants(session: Session, student_id: str, setting: str) -> bool:
    """True when the student wants messages of ``setting`` (``reminders`` or ``status_notifications``)."""
    if setting not in SETTINGS:
        raise ValueError(f"unknown setting {setting!r}")
    return bool(getattr(get(session, student_id), setting))


_SETTING_OF_KIND = {"case_status": "status_notifications", "campaign": "reminders"}


def outbox_skip_reason(session: Session, message: "OutgoingMessage") -> str | None:
    """For :func:`gradbot.outbox.deliver`'s ``check``: why a student's row must not go out now
    (they turned such messages off since it was queued), or None."""
    setting = _SETTING_OF_KIND.get(message.kind)
    if setting is None or message.student_id is None or wants(session, message.student_id, setting):
        return None
    return f"muted: the student turned {setting.replace('_', ' ')} off"
