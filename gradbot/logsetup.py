"""Logging set-up with privacy filters: student IDs, names and binding codes never reach logs.

:func:`mask_student_id` is the one way to show a student ID in a log line. The
:class:`RedactingFilter` also scrubs anything that looks like a student ID (8+ digits)
or a bot token from every record, as a safety net for third-party log lines.
"""

from __future__ import annotations

import contextlib
import logging
import re
from typing import Iterator

from gradbot.settings import get_settings

_STUDENT_ID = re.compile(r"(?<![\d])(\d{2})\d{4,}(\d{2})(?![\d])")
_BOT_TOKEN = re.compile(r"\d{6,}:[A-Za-z0-9_-]{30,}")


def mask_student_id(student_id: str | None) -> str:
    """``2191234567`` -> ``21******67``; short or empty values become ``***``."""
    if not student_id:
        return "***"
    s = str(student_id)
    if len(s) <= 4:
        return "***"
    return s[:2] + "*" * (len(s) - 4) + s[-2:]


def mask_name(name: str | None) -> str:
    """``张三丰`` -> ``张**``."""
    if not name:
        return "*"
    return name[0] + "*" * max(1, len(name) - 1)


def redact(text: str) -> str:
    """Scrub student-ID-like digit runs and bot tokens from free text."""
    text = _BOT_TOKEN.sub("<token>", text)
    return _STUDENT_ID.sub(lambda m: m.group(1) + "*" * (len(m.group(0)) - 4) + m.group(2), text)


class RedactingFilter(logging.Filter):
    """A logging filter that applies :func:`redact` to each formatted message."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # malformed record: leave it to the handler
            return True
        cleaned = redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        return True


def configure_logging(level: str | None = None) -> None:
    """Root logging to stderr at ``LOG_LEVEL`` with redaction on every handler."""
    root = logging.getLogger()
    if not any(isinstance(f, RedactingFilter) for h in root.handlers for f in h.filters):
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
        handler.addFilter(RedactingFilter())
        root.addHandler(handler)
    root.setLevel((level or get_settings().log_level).upper())
    for noisy in ("httpx", "httpcore", "apscheduler"):
        logging.getLogger(noisy).setLevel(logging.WARNING)


@contextlib.contextmanager
def staff_output() -> Iterator[None]:
    """Keep log records off the console while a staff command prints what staff read (its own Chinese messages)."""
    root = logging.getLogger()
    previous = root.level
    root.setLevel(logging.CRITICAL)
    try:
        yield
    finally:
        root.setLevel(previous)
