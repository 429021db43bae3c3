"""Quiet hours (Beijing time) and the first moment a campaign may be sent."""

from __future__ import annotations

import datetime as dt

import pytest

from gradbot.campaigns.schedule import QuietHours, first_send_time
from tests.support.campaigns import beijing

QUIET = QuietHours()


@pytest.mark.parametrize("local, quiet", [
    ("2026-06-01 21:59", False), ("2026-06-01 22:00", True), ("2026-06-02 03:00", True),
    ("2026-06-02 07:59", True), ("2026-06-02 08:00", False), ("2026-06-02 12:00", False),
])
def test_quiet_hours_wrap_midnight_in_beijing_time(local, quiet):
    assert QUIET.contains(beijing(local)) is quiet


def test_next_allowed_is_the_morning_after():
    assert QUIET.next_allowed(beijing("2026-06-01 23:30")) == beijing("2026-06-02 08:00")
    assert QUIET.next_allowed(beijing("2026-06-02 06:00")) == beijing("2026-06-02 08:00")
    assert QUIET.next_allowed(beijing("2026-06-02 09:00")) == beijing("2026-06-02 09:00")


def test_first_send_time_moves_out_of_quiet_hours_unless_urgent():
    now = beijing("2026-05-01 12:00")
    assert first_send_time(dt.datetime(2026, 6, 1, 23, 0), False, now, QUIET) == beijing("2026-06-02 08:00")
    assert first_send_time(dt.datetime(2026, 6, 1, 23, 0), True, now, QUIET) == beijing("2026-06-01 23:00")
    assert first_send_time(None, False, now, QUIET) == now  # no send_at: at once
    assert first_send_time(dt.datetime(2026, 4, 1, 9, 0), False, now, QUIET) == now  # passed: at once


def test_parse_and_off():
    assert QuietHours.parse("23:00-07:30") == QuietHours(dt.time(23, 0), dt.time(7, 30))
    assert not QuietHours.parse("off").contains(beijing("2026-06-01 03:00"))
    with pytest.raises(ValueError, match="22:00-08:00"):
        QuietHours.parse("22-8")
