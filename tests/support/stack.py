"""The real servers for a test module: :func:`running_stack`."""

from __future__ import annotations

import contextlib
import dataclasses
from typing import Any, Iterator

import pytest

from gradbot.settings import get_settings
from gradbot.stack import RasaStack
from gradbot.training import latest_model


@contextlib.contextmanager
def running_stack(tmp_path_factory: pytest.TempPathFactory, name: str, stack_options: dict[str, Any] | None = None,
                  **settings_changes: Any) -> Iterator[RasaStack]:
    """A started :class:`RasaStack` on a fresh data directory (``GRADBOT_DATA_DIR`` for the
    servers and the test, the default SQLite database), with ``settings_changes`` applied;
    skips the test without a trained model. Stopped, and the environment restored, on exit."""
    settings = get_settings()
    if latest_model(settings.models_dir) is None:
        pytest.skip("no trained model (run `make model`)")
    data_dir = tmp_path_factory.mktemp(name)
    monkey = pytest.MonkeyPatch()
    monkey.setenv("GRADBOT_DATA_DIR", str(data_dir))
    monkey.delenv("DATABASE_URL", raising=False)
    get_settings.cache_clear()
    try:
        with RasaStack(dataclasses.replace(settings, data_dir=data_dir, **settings_changes), **(stack_options or {})) as stack:
            yield stack
    finally:
        monkey.undo()
        get_settings.cache_clear()
