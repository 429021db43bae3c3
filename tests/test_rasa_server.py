"""The Rasa entry point's changes to Rasa: action responses, SQLite tracker store, the API token."""

from __future__ import annotations

from pathlib import Path

import pytest

from gradbot import rasa_server


@pytest.fixture(scope="module", autouse=True)
def patched() -> None:
    rasa_server.apply_patches()


def test_a_valid_action_response_passes_with_one_validator() -> None:
    from rasa.core.actions.action import RemoteAction

    action = RemoteAction("action_x", None)
    response = {"events": [{"event": "slot", "name": "faq_id", "value": "a.b", "timestamp": None}],
                "responses": [{"text": "hi", "buttons": []}]}
    assert action._validate_action_result(response) is True
    assert action._validate_action_result({"events": [], "responses": []}) is True
    assert rasa_server._action_result_validator.cache_info().misses == 1  # built once, then reused


@pytest.mark.parametrize("bad", [
    {"events": [{"timestamp": 1}]},                      # an event without its type
    {"events": [{"event": "no_such_event"}]},            # an unknown event
    {"responses": "not a list"},
])
def test_an_invalid_action_response_is_refused_as_rasa_does(bad: dict) -> None:
    from jsonschema import ValidationError
    from jsonschema import validate as rasa_original_check
    from rasa.core.actions.action import RemoteAction

    with pytest.raises(ValidationError) as ours:
        RemoteAction("action_x", None)._validate_action_result(bad)
    with pytest.raises(ValidationError) as original:
        rasa_original_check(bad, RemoteAction.action_response_format_spec())
    assert ours.value.message.startswith(original.value.message)
    assert "Failed to validate Action server response" in ours.value.message


def test_the_sqlite_tracker_store_keeps_connections_and_uses_wal(tmp_path: Path) -> None:
    from rasa.core.tracker_store import SQLTrackerStore
    from sqlalchemy import text
    from sqlalchemy.pool import QueuePool

    store = SQLTrackerStore(dialect="sqlite", db=str(tmp_path / "tracker.db"))
    assert isinstance(store.engine.pool, QueuePool)
    with store.engine.connect() as connection:
        assert connection.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert connection.execute(text("PRAGMA synchronous")).scalar() == 1  # NORMAL


def test_run_gets_the_api_token_unless_given() -> None:
    assert rasa_server.rasa_argv(["run", "--enable-api"], "-t") == ["run", "--enable-api", "--auth-token=-t"]
    assert rasa_server.rasa_argv(["run", "--auth-token", "x"], "t") == ["run", "--auth-token", "x"]
    assert rasa_server.rasa_argv(["train"], "t") == ["train"]


def test_the_stored_events_count_is_rasas(tmp_path: Path) -> None:
    import asyncio

    from rasa.core.tracker_store import SQLTrackerStore
    from rasa.shared.core.domain import Domain
    from rasa.shared.core.events import ActionExecuted, SessionStarted, UserUttered
    from rasa.shared.core.trackers import DialogueStateTracker

    store = SQLTrackerStore(Domain.empty(), dialect="sqlite", db=str(tmp_path / "tracker.db"))

    def check(tracker: DialogueStateTracker) -> None:
        with store.session_scope() as session:
            rasa_count = store._event_query(session, "s1", fetch_events_from_all_sessions=False).count()
            new = list(store._additional_events(session, tracker))
        assert new == list(tracker.events)[rasa_count:]

    tracker = DialogueStateTracker("s1", [])
    check(tracker)  # nothing stored yet
    for event in [ActionExecuted("action_session_start", timestamp=1), SessionStarted(timestamp=2),
                  ActionExecuted("action_listen", timestamp=3), UserUttered("hi", timestamp=4)]:
        tracker.update(event)
        check(tracker)
        asyncio.run(store.save(tracker))
    tracker = asyncio.run(store.retrieve("s1"))  # a later turn, a new session, as Rasa's processor runs it
    for event in [ActionExecuted("action_session_start", timestamp=5), SessionStarted(timestamp=6),
                  UserUttered("again", timestamp=7)]:
        tracker.update(event)
        check(tracker)
        asyncio.run(store.save(tracker))
    assert len(asyncio.run(store.retrieve_full_tracker("s1")).events) > len(tracker.events)  # both sessions stored


def test_two_servers_issuing_tickets_at_once_never_share_one() -> None:
    """Two Rasa servers (two lock stores on one Redis), 16 threads each, one conversation:
    every ticket is distinct, and the lock is gone when all are served."""
    import threading
    import uuid

    from rasa.core.lock_store import RedisLockStore

    from tests.support.services import REDIS_PORT, require

    require(REDIS_PORT, "Redis")
    servers = [RedisLockStore(port=REDIS_PORT, db=1, key_prefix="gradbottest") for _ in range(2)]
    conversation = f"race-{uuid.uuid4().hex}"
    tickets: list[int] = []
    start = threading.Barrier(32)

    def issue(store: RedisLockStore) -> None:
        start.wait()
        tickets.append(store.issue_ticket(conversation, 30))

    threads = [threading.Thread(target=issue, args=(servers[i % 2],)) for i in range(32)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(tickets) == 32 and len(set(tickets)) == 32, sorted(tickets)
    for number in tickets:
        servers[number % 2].cleanup(conversation, number)
    assert servers[0].get_lock(conversation) is None


async def test_a_message_behind_a_dead_servers_turn_gets_the_lock_when_that_turn_expires() -> None:
    """Server B issued a ticket and died; server A's message waits for it. Rasa's own loop waited
    for ever once both tickets had expired; patched, A's waiting ticket stays alive."""
    import asyncio
    import time
    import uuid

    from rasa.core.lock_store import RedisLockStore

    from tests.support.services import REDIS_PORT, require

    require(REDIS_PORT, "Redis")
    server_a, server_b = (RedisLockStore(port=REDIS_PORT, db=1, key_prefix="gradbottest") for _ in range(2))
    conversation = f"dead-{uuid.uuid4().hex}"
    server_b.issue_ticket(conversation, 2)  # B's turn, never finished
    started = time.monotonic()

    async def turn_on_a() -> float:
        async with server_a.lock(conversation, lock_lifetime=2, wait_time_in_seconds=0.2):
            return time.monotonic() - started

    waited = await asyncio.wait_for(turn_on_a(), 15)  # unpatched: a TimeoutError here
    assert 1.5 <= waited < 5
    assert server_a.get_lock(conversation) is None  # cleaned up after the turn
