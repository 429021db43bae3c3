"""A small knowledge base written to a temporary ``policies/`` directory, and the shipped one."""

from __future__ import annotations

from pathlib import Path
from typing import Callable

import pytest

from kb_samples import CONTACTS, DISPATCH, RECRUIT


@pytest.fixture(autouse=True)
def calendar_complete_today(monkeypatch) -> None:
    """Check on a day whose holiday calendar is known (from October, next year's missing one is warned)."""
    import datetime as dt

    monkeypatch.setattr("gradbot.office_hours.checks.beijing_today", lambda: dt.date(2026, 6, 1))


@pytest.fixture(scope="session")
def shipped_kb():
    """The knowledge base in the project's own ``policies/`` (loaded once per test run)."""
    from gradbot.knowledge.loader import load_directory
    from gradbot.settings import PROJECT_ROOT

    kb, _ = load_directory(PROJECT_ROOT / "policies")
    return kb


@pytest.fixture
def policies(tmp_path) -> Path:
    """A valid policies directory: two topics and the contacts file."""
    directory = tmp_path / "policies"
    directory.mkdir()
    (directory / "_contacts.yml").write_text(CONTACTS, encoding="utf-8")
    (directory / "dispatch.yml").write_text(DISPATCH, encoding="utf-8")
    (directory / "recruit.yml").write_text(RECRUIT, encoding="utf-8")
    return directory


@pytest.fixture
def write(policies) -> Callable[[str, str], Path]:
    """``write(name, text)``: replace a file and make sure its modification time changes."""
    import os

    def _write(name: str, text: str) -> Path:
        path = policies / name
        before = path.stat().st_mtime_ns if path.exists() else 0
        path.write_text(text, encoding="utf-8")
        after = path.stat().st_mtime_ns
        if after <= before:  # coarse file-system clocks: move it forward explicitly
            os.utime(path, ns=(before + 1_000_000, before + 1_000_000))
        return path

    return _write
