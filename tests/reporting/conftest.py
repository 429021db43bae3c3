"""Fixtures for report tests: log rows at chosen times through the real conversation log."""

from __future__ import annotations

from datetime import datetime
from typing import Callable

import pytest

from gradbot.reporting import conversation_log
from tests.support.database import in_session


@pytest.fixture
def log_at(monkeypatch) -> Callable[..., int]:
    """``log_at(url, utc_time, text, **fields)``: log a message as if it arrived at ``utc_time`` (naive UTC)."""
    clock: list[datetime] = []
    monkeypatch.setattr(conversation_log, "utcnow", lambda: clock[-1])

    def log(url: str, when: datetime, text: str, sender: str = "1001", feedback: int | None = None, **fields) -> int:
        clock.append(when)
        message_id = in_session(url, conversation_log.log_message, "telegram", sender, text, **fields)
        if feedback is not None:
            assert in_session(url, conversation_log.set_feedback, message_id, feedback)
        return message_id

    return log
