"""Settings for tests: a copy of :class:`gradbot.settings.Settings` with some fields changed."""

from __future__ import annotations

import dataclasses

from gradbot.settings import Settings


def with_changes(settings: Settings, **changes) -> Settings:
    """``settings`` with ``changes`` applied (the original is frozen and left as it is)."""
    return dataclasses.replace(settings, **changes)
