"""The tracker-store configuration the stack writes works with Rasa on each back end
(with the stack's changes to Rasa, :mod:`gradbot.rasa_server`, applied).

SQLite always; Redis (127.0.0.1:6379) and PostgreSQL (127.0.0.1:5432) when reachable,
skipped with the reason otherwise, and required under ``CI=true``.
"""

from __future__ import annotations

import dataclasses
import uuid
from pathlib import Path

import pytest

from gradbot.settings import Settings
from gradbot.stack import endpoints_yaml
from tests.support.services import POSTGRES_PORT, REDIS_PORT, require


@pytest.mark.parametrize("backend", ["sqlite", "redis", "postgresql"])
async def test_a_conversation_is_saved_and_read_back(backend: str, tmp_path: Path) -> None:
    from rasa.core.tracker_store import TrackerStore
    from rasa.core.utils import read_endpoints_from_path
    from rasa.shared.core.domain import Domain
    from rasa.shared.core.events import UserUttered
    from rasa.shared.core.trackers import DialogueStateTracker

    from gradbot.rasa_server import apply_patches

    apply_patches()
    url = {"sqlite": "", "redis": "redis://127.0.0.1:6379/3", "postgresql": "postgresql://postgres@127.0.0.1:5432/test"}[backend]
    if backend == "redis":
        require(REDIS_PORT, "Redis")
    if backend == "postgresql":
        require(POSTGRES_PORT, "PostgreSQL")
    settings = dataclasses.replace(Settings(), data_dir=tmp_path, tracker_store_url=url)
    path = tmp_path / "endpoints.yml"
    path.write_text(endpoints_yaml(settings, "http://127.0.0.1:1/webhook", "token"), encoding="utf-8")
    endpoints = read_endpoints_from_path(str(path))
    store = TrackerStore.create(endpoints.tracker_store, Domain.empty())
    sender = f"test-{uuid.uuid4().hex}"
    await store.save(DialogueStateTracker.from_events(sender, [UserUttered("三方协议在哪盖章")]))
    tracker = await store.retrieve(sender)
    assert tracker is not None and tracker.latest_message.text == "三方协议在哪盖章"
    tracker.update(UserUttered("网签"))  # a second turn: only the new event is added
    await store.save(tracker)
    again = await store.retrieve(sender)
    assert [e.text for e in again.events] == ["三方协议在哪盖章", "网签"]
    assert type(store).__name__ == {"sqlite": "SQLTrackerStore", "redis": "RedisTrackerStore", "postgresql": "SQLTrackerStore"}[backend]
