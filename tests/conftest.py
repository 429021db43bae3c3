"""Shared pytest fixtures.

Databases: ``db_url`` runs a test once on a fresh SQLite file and once on the PostgreSQL
at 127.0.0.1:5432 (database ``test``), each PostgreSQL test in its own new schema that is
dropped afterwards (other test runs may share the server). Without a reachable
PostgreSQL those runs are skipped with the reason shown, except under ``CI=true`` where
they fail. ``cases_db`` also points the settings (``DATABASE_URL``) at that database and
migrates it, for code that uses the configured database (the actions, the CLI).
"""

from __future__ import annotations

import os
import uuid
from functools import lru_cache
from typing import Iterator

import pytest

PG_CANDIDATE_URLS = (
    "postgresql+psycopg2://postgres@127.0.0.1:5432/test",
    "postgresql+psycopg2://root@127.0.0.1:5432/test",
)


@lru_cache(maxsize=1)
def postgres_admin_url() -> tuple[str | None, str]:
    """(a working PostgreSQL URL or None, why not)."""
    from sqlalchemy import create_engine, text

    reasons = []
    for url in PG_CANDIDATE_URLS:
        engine = create_engine(url, future=True, connect_args={"connect_timeout": 3})
        try:
            with engine.connect() as connection:
                connection.execute(text("SELECT 1"))
            return url, ""
        except Exception as exc:  # any failure means "not usable here"
            reasons.append(f"{url.split('//')[1]}: {str(exc).strip().splitlines()[0]}")
        finally:
            engine.dispose()
    return None, "; ".join(reasons)


def pytest_report_header(config) -> str:
    url, reason = postgres_admin_url()
    if url:
        return f"postgresql: {url.split('//')[1]} (database tests run on SQLite and PostgreSQL)"
    return f"postgresql: UNAVAILABLE, PostgreSQL database tests will be skipped ({reason})"


def _require_postgres() -> str:
    url, reason = postgres_admin_url()
    if url is None:
        message = f"PostgreSQL at 127.0.0.1:5432 is not reachable: {reason}"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"CI=true and {message}")
        pytest.skip(message)
    return url


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db_url(request, tmp_path) -> Iterator[str]:
    """A URL of an empty database: a SQLite file, or a fresh PostgreSQL schema."""
    from gradbot.db.engine import dispose_engines

    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'gradbot-test.db'}"
        dispose_engines()
        return
    from sqlalchemy import create_engine

    admin_url = _require_postgres()
    schema = f"test_{uuid.uuid4().hex[:16]}"
    admin = create_engine(admin_url, future=True, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
        yield f"{admin_url}?options=-csearch_path%3D{schema}"
    finally:
        dispose_engines()
        with admin.connect() as connection:
            connection.exec_driver_sql(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
        admin.dispose()


@pytest.fixture
def cases_db(db_url, monkeypatch) -> Iterator[str]:
    """``db_url`` migrated to head and set as the configured ``DATABASE_URL``."""
    from gradbot.db.engine import upgrade
    from gradbot.settings import get_settings

    monkeypatch.setenv("DATABASE_URL", db_url)
    get_settings.cache_clear()
    upgrade(db_url)
    yield db_url
    get_settings.cache_clear()
