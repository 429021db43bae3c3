"""Database helpers for tests: one unit of work in its own transaction, the way the CLI
and the bot do it (migrating the database first)."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable, TypeVar

from gradbot.cases.importer import ImportReport, import_file
from gradbot.db.engine import sessions, upgrade

T = TypeVar("T")


def in_session(url: str | None, work: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """``work(session, *args, **kwargs)`` in one committed transaction on ``url`` (None: the configured database)."""
    upgrade(url)
    with sessions(url).begin() as session:
        return work(session, *args, **kwargs)


def import_sheet(path: str | Path, url: str | None = None, **options: Any) -> ImportReport:
    """Import one spreadsheet as ``gradbot cases import`` does; ``options`` as :func:`import_file`'s."""
    return in_session(url, import_file, path, **options)


__all__ = ["in_session", "import_sheet"]
