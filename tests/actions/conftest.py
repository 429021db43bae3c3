"""Fixtures shared by the action tests."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from gradbot.settings import PROJECT_ROOT, get_settings


@pytest.fixture
def policies(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of the project's policies/ that the actions read (reload checked on every call)."""
    directory = tmp_path / "policies"
    shutil.copytree(PROJECT_ROOT / "policies", directory)
    monkeypatch.setenv("GRADBOT_POLICIES_DIR", str(directory))
    monkeypatch.setenv("KB_RELOAD_SECONDS", "0")
    get_settings.cache_clear()
    yield directory
    get_settings.cache_clear()
