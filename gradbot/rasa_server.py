"""The Rasa server as the stack runs it: Rasa's own command line, with the project's changes.

    python -m gradbot.rasa_server run --enable-api --model … --endpoints …

Before handing over to ``rasa`` it applies :func:`apply_patches` and, for ``run``, adds
``--auth-token`` from :func:`gradbot.service_tokens.rasa_api_token` (the environment or the kept
file), so the token never shows on a command line (``/proc/<pid>/cmdline`` is world-readable).

Every change to Rasa's behaviour lives here, small, each with the reason:

- :func:`_validate_action_result`: Rasa checks each action server response with
  ``jsonschema.validate``, which first checks the *schema* against the meta-schema and builds
  a new validator, on every action call; a profile at 25 msg/s put half of the Rasa server's
  samples there. The same check with a validator built once.
- :func:`_sqlite_pragmas`: the default tracker store is SQLite, which by default syncs the
  rollback journal to disk on every commit (two per new conversation, in the event loop). WAL
  with ``synchronous=NORMAL`` keeps every committed turn across a process crash (only an OS
  crash can lose the last turns) and commits without waiting for the disk.
- :func:`_engine_kwargs`: SQLAlchemy 1.4 gives a SQLite file no connection pool, so the tracker
  store opened and closed a connection (and set the pragmas) for each of its three to five
  queries per turn. A small pool keeps them open. The Rasa server touches the store from its
  one event-loop thread, so the connections need no thread check.
- :func:`_additional_events`: on every save the SQL tracker store counts the events stored
  since the conversation's last session start with an ORM ``Query.count()``, which wraps the
  whole row query (every column) in a subquery and was 14 % of the Rasa server's samples. The
  same count as one ``count(*)`` statement built once.
- :func:`_atomic_lock_update` and :func:`_cleanup`: Rasa's ``RedisLockStore`` (several Rasa
  servers taking turns on one conversation) changes a conversation's ticket lock by reading it,
  changing it in Python and writing it back. Two servers that receive a message of the same
  student at the same moment both read "no lock", both issue ticket 1 and both process their
  message at once: the turns interleave in the tracker store. Each read-change-write runs here
  under a short Redis mutex (``SET NX`` with expiry, redis-py's ``Lock``) per conversation.
- :func:`_acquire_lock`: a message waiting for its conversation's lock holds a ticket that
  expires ``TICKET_LOCK_LIFETIME`` after it was *issued*. When the turn ahead of it belonged to a
  server that was killed, that dead ticket expires about when the waiting one does; once both
  are gone Rasa's loop sees "ticket 0 is served" and waits for ever (the student's messages time
  out one after the other; found by ``tests/test_scale_out.py``). Here a waiting ticket is kept
  alive while its server polls for it, so only the tickets of dead servers expire, and a ticket
  that is gone anyway ends the wait with Rasa's ``LockError`` instead of a hang.
"""

from __future__ import annotations

import contextlib
import functools
import sys
from typing import Any

_PATCHED = False


@functools.lru_cache(maxsize=1)
def _action_result_validator() -> Any:
    """The validator for action server responses, built (and its schema checked) once."""
    from jsonschema.validators import validator_for
    from rasa.core.actions.action import RemoteAction

    schema = RemoteAction.action_response_format_spec()
    cls = validator_for(schema)
    cls.check_schema(schema)
    return cls(schema)


def _validate_action_result(self: Any, result: dict[str, Any]) -> bool:
    """``RemoteAction._validate_action_result`` with a validator built once; same errors."""
    from jsonschema.exceptions import best_match
    from rasa.shared.constants import DOCS_BASE_URL

    error = best_match(_action_result_validator().iter_errors(result))
    if error is None:
        return True
    error.message += (  # Rasa's own wording
        f". Failed to validate Action server response from API, "
        f"make sure your response from the Action endpoint is valid. "
        f"For more information about the format visit "
        f"{DOCS_BASE_URL}/custom-actions"
    )
    raise error


def _sqlite_pragmas(dbapi_connection: Any, connection_record: Any) -> None:
    import sqlite3

    if isinstance(dbapi_connection, sqlite3.Connection):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()


def _engine_kwargs(url: Any) -> dict[str, Any]:
    """Rasa's ``create_engine_kwargs``, plus a connection pool for a SQLite file."""
    from sqlalchemy.engine.url import make_url
    from sqlalchemy.pool import QueuePool

    kwargs = dict(_RASA_ENGINE_KWARGS(url))
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:"):
        kwargs.update(poolclass=QueuePool, pool_size=2, max_overflow=2,
                      connect_args={**kwargs.get("connect_args", {}), "check_same_thread": False})
    return kwargs


_RASA_ENGINE_KWARGS: Any = None


@functools.lru_cache(maxsize=4)
def _stored_events_count(table: Any) -> Any:
    """``count(*)`` of a sender's events since its latest ``session_started`` (all when none)."""
    import sqlalchemy as sa
    from rasa.shared.core.events import SessionStarted

    sender = sa.bindparam("sender_id")
    session_start = (sa.select(sa.func.max(table.c.timestamp))
                     .where(table.c.sender_id == sender, table.c.type_name == SessionStarted.type_name)
                     .scalar_subquery())
    return (sa.select(sa.func.count()).select_from(table)
            .where(table.c.sender_id == sender, sa.or_(table.c.timestamp >= session_start, session_start.is_(None))))


def _additional_events(self: Any, session: Any, tracker: Any) -> Any:
    """``SQLTrackerStore._additional_events``: the tracker's events not stored yet (same rule as Rasa)."""
    import itertools

    stored = session.execute(_stored_events_count(self.SQLEvent.__table__), {"sender_id": tracker.sender_id}).scalar()
    return itertools.islice(tracker.events, stored, len(tracker.events))


_MUTEX_TIMEOUT_S = 5.0  # a server killed while holding the mutex blocks its conversation at most this long


def _mutex(store: Any, conversation_id: str) -> Any:
    """A Redis mutex over one conversation's ticket lock (held for a few round trips)."""
    return store.red.lock(f"{store.key_prefix}{conversation_id}:mutex", timeout=_MUTEX_TIMEOUT_S,
                          sleep=0.002, blocking_timeout=_MUTEX_TIMEOUT_S)


def _atomic_lock_update(method: Any) -> Any:
    """``RedisLockStore.<method>(conversation_id, …)`` under the conversation's mutex."""
    @functools.wraps(method)
    def locked(self: Any, conversation_id: str, *args: Any, **kwargs: Any) -> Any:
        with _mutex(self, conversation_id):
            return method(self, conversation_id, *args, **kwargs)
    return locked


def _cleanup(self: Any, conversation_id: str, ticket_number: int) -> None:
    """``LockStore.cleanup`` (finish the ticket, delete the lock when nobody waits) in one mutex."""
    with _mutex(self, conversation_id):
        lock = self.get_lock(conversation_id)
        if lock is None:
            return
        lock.remove_ticket_for(ticket_number)
        if lock.is_someone_waiting():
            self.save_lock(lock)
        else:
            self.delete_lock(conversation_id)


def _guard(store: Any, conversation_id: str) -> Any:
    """The Redis mutex for a Redis lock store; nothing for the in-process one (one event loop)."""
    return _mutex(store, conversation_id) if hasattr(store, "red") else contextlib.nullcontext()


def _keep_waiting_ticket(store: Any, conversation_id: str, number: int, lifetime: float) -> bool:
    """Push a waiting ticket's expiry to ``lifetime`` from now and drop expired tickets (those of
    dead servers); False when the lock or the ticket is gone."""
    import time

    with _guard(store, conversation_id):
        lock = store.get_lock(conversation_id)
        ticket = next((t for t in lock.tickets if t.number == number), None) if lock is not None else None
        if ticket is None:
            return False
        ticket.expires = max(ticket.expires, time.time() + lifetime)
        lock.remove_expired_tickets()
        store.save_lock(lock)
        return True


async def _acquire_lock(self: Any, conversation_id: str, ticket: int, wait_time_in_seconds: float) -> Any:
    """``LockStore._acquire_lock`` that keeps its own ticket alive while it waits (see above)."""
    import asyncio

    from rasa.core import lock_store

    while True:
        lock = self.get_lock(conversation_id)
        if lock is None:
            break
        if not lock.is_locked(ticket):
            return lock
        await asyncio.sleep(wait_time_in_seconds)
        if not _keep_waiting_ticket(self, conversation_id, ticket, max(lock_store.LOCK_LIFETIME, 2 * wait_time_in_seconds)):
            break
    raise lock_store.LockError(f"Could not acquire lock for conversation_id '{conversation_id}'.")


def apply_patches() -> None:
    """Apply the changes above to Rasa in this process (idempotent)."""
    global _PATCHED, _RASA_ENGINE_KWARGS
    if _PATCHED:
        return
    from rasa.core import tracker_store
    from rasa.core.actions.action import RemoteAction
    from rasa.core.lock_store import LockStore, RedisLockStore
    from sqlalchemy import event
    from sqlalchemy.engine import Engine

    RemoteAction._validate_action_result = _validate_action_result  # type: ignore[method-assign]
    tracker_store.SQLTrackerStore._additional_events = _additional_events  # type: ignore[method-assign]
    event.listen(Engine, "connect", _sqlite_pragmas)
    for name in ("issue_ticket", "update_lock", "finish_serving"):
        setattr(RedisLockStore, name, _atomic_lock_update(getattr(RedisLockStore, name)))
    RedisLockStore.cleanup = _cleanup  # type: ignore[method-assign]
    LockStore._acquire_lock = _acquire_lock  # type: ignore[method-assign]
    _RASA_ENGINE_KWARGS = tracker_store.create_engine_kwargs
    tracker_store.create_engine_kwargs = _engine_kwargs
    _PATCHED = True


def rasa_argv(args: list[str], token: str) -> list[str]:
    """Rasa's arguments, with ``--auth-token`` added to ``run`` unless one is given."""
    if args[:1] == ["run"] and "--auth-token" not in args and not any(a.startswith("--auth-token=") for a in args):
        return [*args, f"--auth-token={token}"]  # one word: a token may start with "-"
    return list(args)


def main(argv: list[str] | None = None) -> None:
    from gradbot.service_tokens import rasa_api_token
    from gradbot.settings import get_settings

    args = list(sys.argv[1:] if argv is None else argv)
    apply_patches()
    token = rasa_api_token(get_settings(), create=True) if args[:1] == ["run"] else ""
    sys.argv = ["rasa", *rasa_argv(args, token)]
    from rasa.__main__ import main as rasa_main

    rasa_main()


if __name__ == "__main__":
    main()
