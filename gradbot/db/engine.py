"""Engines, sessions and schema upgrades of the database.

The URL is ``settings.effective_database_url`` (SQLite under the data directory by
default, any SQLAlchemy URL from ``DATABASE_URL``). Each engine has one
:func:`sessions` factory; a unit of work is ``with sessions(url).begin() as session:``
(committed on success, rolled back on any error). Functions elsewhere take that
``session`` and never open their own.

:func:`upgrade` runs Alembic ``upgrade head`` programmatically; the CLI, the actions and
the bot call it on start (idempotent, and cheap once a process has seen the database at head).
"""

from __future__ import annotations

import logging
import threading
from pathlib import Path

from sqlalchemy import create_engine, event
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.orm import Session, sessionmaker

from gradbot.settings import get_settings

log = logging.getLogger(__name__)
logging.getLogger("alembic").setLevel(logging.WARNING)  # "Context impl …" on every check; we log upgrades ourselves

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
_PG_UPGRADE_LOCK_KEY = 72_019_003  # pg_advisory_lock key: one migrating process at a time

_engines: dict[str, Engine] = {}
_factories: dict[str, sessionmaker] = {}
_at_head: set[str] = set()
_lock = threading.Lock()


def database_url(url: str | None = None) -> str:
    """The URL to use: ``url`` if given, else the configured one."""
    return url or get_settings().effective_database_url


def _prepare_sqlite_dir(url: str) -> None:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite" and parsed.database and parsed.database != ":memory:":
        Path(parsed.database).expanduser().parent.mkdir(parents=True, exist_ok=True)


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()


def get_engine(url: str | None = None) -> Engine:
    """A cached 2.0-style engine for ``url`` (default: the configured database)."""
    url = database_url(url)
    with _lock:
        engine = _engines.get(url)
        if engine is None:
            _prepare_sqlite_dir(url)
            is_sqlite = make_url(url).get_backend_name() == "sqlite"
            kwargs = {"future": True}
            if is_sqlite:
                kwargs["connect_args"] = {"timeout": 10, "check_same_thread": False}
            else:
                kwargs["pool_pre_ping"] = True
                if make_url(url).get_backend_name() == "postgresql" and make_url(url).get_driver_name() == "psycopg2":
                    kwargs["executemany_mode"] = "values_plus_batch"  # batched UPDATEs for the import
            engine = create_engine(url, **kwargs)
            if is_sqlite:
                event.listen(engine, "connect", _sqlite_pragmas)
            _engines[url] = engine
        return engine


def dispose_engines() -> None:
    """Close every cached engine (tests, and processes that fork)."""
    with _lock:
        for engine in _engines.values():
            engine.dispose()
        _engines.clear()
        _factories.clear()
        _at_head.clear()


def sessions(url: str | None = None) -> sessionmaker:
    """The one session factory of ``url``'s engine; use ``with sessions(url).begin() as session:``.

    Objects stay readable after the commit (``expire_on_commit=False``).
    """
    url = database_url(url)
    engine = get_engine(url)
    with _lock:
        factory = _factories.get(url)
        if factory is None or factory.kw.get("bind") is not engine:
            factory = sessionmaker(bind=engine, class_=Session, future=True, expire_on_commit=False)
            _factories[url] = factory
        return factory


def _alembic_config(connection=None):
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.attributes["connection"] = connection
    return config


def head_revision() -> str:
    """The newest migration's revision id."""
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(_alembic_config()).get_current_head()


def current_revision(url: str | None = None) -> str | None:
    """The revision the database is at (None when it has never been migrated)."""
    from alembic.runtime.migration import MigrationContext

    with get_engine(url).connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def upgrade(url: str | None = None, revision: str = "head") -> None:
    """Bring the schema to ``revision`` (default the newest); never drops data.

    Safe to call from several processes: on PostgreSQL an advisory lock serialises them.
    """
    from alembic import command

    url = database_url(url)
    if revision == "head" and url in _at_head:
        return
    engine = get_engine(url)
    if revision == "head" and current_revision(url) == head_revision():
        _at_head.add(url)
        return
    with engine.connect() as connection:
        sqlite = engine.dialect.name == "sqlite"
        if sqlite:  # a table rebuilt by a migration must not cascade to its children; only settable outside a transaction
            connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
            connection.commit()
        try:
            with connection.begin():
                if engine.dialect.name == "postgresql":
                    connection.exec_driver_sql(f"SELECT pg_advisory_xact_lock({_PG_UPGRADE_LOCK_KEY})")
                command.upgrade(_alembic_config(connection), revision)
                if sqlite:
                    broken = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
                    if broken:
                        raise RuntimeError(f"the migration left {len(broken)} rows with broken foreign keys: {broken[:5]}")
        finally:
            if sqlite:
                connection.exec_driver_sql("PRAGMA foreign_keys=ON")
                connection.commit()
    log.info("database schema upgraded to %s", revision)
    if revision == "head":
        _at_head.add(url)
