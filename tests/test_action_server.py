"""The action server's entry point: the secret it requires, and the knowledge base it loads before it answers."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from gradbot.action_server import create_app, load_knowledge_base


def test_the_knowledge_base_is_built_before_the_first_question(tmp_path: Path, monkeypatch) -> None:
    from gradbot.knowledge import store
    from gradbot.settings import PROJECT_ROOT, get_settings

    shutil.copytree(PROJECT_ROOT / "policies", tmp_path / "policies")
    monkeypatch.setenv("GRADBOT_POLICIES_DIR", str(tmp_path / "policies"))
    monkeypatch.setenv("GRADBOT_DATA_DIR", str(tmp_path / "data"))
    get_settings.cache_clear()
    monkeypatch.setattr(store, "_default_store", None)
    try:
        load_knowledge_base()
        built = store._default_store
        assert built is not None and built.snapshot().kb.entries
        assert built.snapshot().matcher._classifier is not None  # fitted, not left for the first student
    finally:
        get_settings.cache_clear()


def test_an_empty_token_is_refused() -> None:
    with pytest.raises(ValueError):
        create_app("")
