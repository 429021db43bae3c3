"""Two real Rasa servers sharing conversations: the SQL tracker store on PostgreSQL and Rasa's
Redis lock store (with :mod:`gradbot.rasa_server`'s changes), one action server, started once
for the module by :class:`gradbot.stack.RasaStack` as ``gradbot serve`` does with
``RASA_SERVERS=2``.

Needs the trained model, PostgreSQL (127.0.0.1:5432, database ``test``) and Redis
(127.0.0.1:6379): skipped when missing, except that under ``CI=true`` a missing PostgreSQL or
Redis fails. The servers start side by side (about a minute on a busy 2-core machine).
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import uuid
from typing import Any, Iterator

import httpx
import pytest

from bot.rasa_client import RasaClient, RasaUnavailable, rendezvous_order
from gradbot.stack import RasaStack
from tests.support.services import (
    POSTGRES_PORT,
    REDIS_PORT,
    SHARED_LOCK_STORE_URL,
    SHARED_TRACKER_STORE_URL,
    require,
)
from tests.support.stack import running_stack

pytestmark = pytest.mark.e2e

AMBIGUOUS = "档案"  # a one-word question the assistant answers with clarification buttons


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RasaStack]:
    require(POSTGRES_PORT, "PostgreSQL")
    require(REDIS_PORT, "Redis")
    with running_stack(tmp_path_factory, "scale-out", {"rasa_servers": 2}, tracker_store_url=SHARED_TRACKER_STORE_URL,
                       lock_store_url=SHARED_LOCK_STORE_URL, rasa_lock_lifetime_s=6) as running:
        yield running


def sender() -> str:
    return f"scale-{uuid.uuid4().hex[:12]}"


async def say(client: httpx.AsyncClient, url: str, who: str, text: str) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """One turn on the server at ``url``: (the shown messages, the gradbot payload)."""
    response = await client.post(f"{url}/webhooks/rest/webhook", json={"sender": who, "message": text}, timeout=90)
    response.raise_for_status()
    messages = response.json()
    payloads = [m["custom"]["gradbot"] for m in messages if isinstance(m.get("custom"), dict)]
    assert len(payloads) == 1, messages
    return [m for m in messages if not m.get("custom")], payloads[0]


async def tracker_events(stack: RasaStack, url: str, who: str) -> list[dict[str, Any]]:
    async with httpx.AsyncClient(trust_env=False) as client:
        response = await client.get(f"{url}/conversations/{who}/tracker", params={"token": stack.api_token}, timeout=30)
    response.raise_for_status()
    return response.json()["events"]


def user_texts(events: list[dict[str, Any]]) -> list[str]:
    return [e["text"] for e in events if e["event"] == "user"]


def turns(events: list[dict[str, Any]]) -> list[list[dict[str, Any]]]:
    """The events after each user message, up to the next one."""
    result: list[list[dict[str, Any]]] = []
    for event in events:
        if event["event"] == "user":
            result.append([])
        elif result:
            result[-1].append(event)
    return result


def whole_turn(events: list[dict[str, Any]]) -> bool:
    """A turn that ran alone: the bot answered, and it ended listening before the next message."""
    return any(e["event"] == "bot" for e in events) and bool(events) and \
        (events[-1]["event"], events[-1].get("name")) == ("action", "action_listen")


async def test_turns_alternating_between_the_servers_keep_the_conversation(stack: RasaStack) -> None:
    first, second = stack.rasa_urls
    who = sender()
    async with httpx.AsyncClient(trust_env=False) as client:
        shown, payload = await say(client, first, who, AMBIGUOUS)
        assert payload["outcome"] == "clarify" and len(payload["options"]) >= 2
        buttons = [b for m in shown for b in m.get("buttons", [])]
        chosen = payload["options"][1]
        choice = next(b["payload"] for b in buttons if chosen in b["payload"])
        _, answer = await say(client, second, who, choice)  # the button pressed, answered by the other server
        assert answer["outcome"] == "faq" and answer["faq_id"] == chosen
        _, again = await say(client, first, who, "谢谢")
    events = await tracker_events(stack, second, who)
    assert user_texts(events) == [AMBIGUOUS, choice, "谢谢"]
    assert [e["name"] for e in events if e["event"] == "action"].count("action_session_start") == 1  # one conversation
    assert all(whole_turn(turn) for turn in turns(events))
    assert await tracker_events(stack, first, who) == events


async def test_two_messages_of_one_student_at_once_on_both_servers_run_one_after_the_other(stack: RasaStack) -> None:
    first, second = stack.rasa_urls
    students = [sender() for _ in range(6)]
    async with httpx.AsyncClient(trust_env=False) as client:
        await asyncio.gather(*(say(client, first, who, "你好") for who in students))  # sessions exist
        replies = await asyncio.gather(*(say(client, url, who, text) for who in students
                                         for url, text in ((first, AMBIGUOUS), (second, "三方"))))
    assert all(payload["outcome"] in ("clarify", "faq") for _, payload in replies)
    for who in students:
        events = await tracker_events(stack, first, who)
        assert sorted(user_texts(events)[1:]) == sorted([AMBIGUOUS, "三方"])
        assert all(whole_turn(turn) for turn in turns(events)), json.dumps(events, ensure_ascii=False)[:2000]


async def test_killing_one_server_mid_load_loses_no_conversation(stack: RasaStack) -> None:
    """24 students, 4 turns each through the bot's client; the second server is killed
    (SIGKILL) after the first turns. A turn in hand on it gets "busy" (never run twice); every
    answered turn is in the conversation, and each student's next message is answered."""
    first, second = stack.rasa_urls
    client = RasaClient(stack.rasa_urls, timeout_s=20, connect_retry_delay_s=0.2)
    students = [sender() for _ in range(24)]
    on_second = [who for who in students if rendezvous_order(who, stack.rasa_urls)[0] == second]
    assert on_second and len(on_second) < len(students)
    answered: dict[str, list[str]] = {who: [] for who in students}
    busy: list[str] = []
    first_turns_done = asyncio.Event()
    done = 0

    async def student(who: str) -> None:
        nonlocal done
        for turn in range(4):
            text = f"三方协议在哪里盖章 {turn}"
            try:
                await client.send(who, text)
                answered[who].append(text)
            except RasaUnavailable:
                busy.append(who)
            if turn == 0:
                done += 1
                if done == len(students):
                    first_turns_done.set()

    async def kill_second() -> None:
        await first_turns_done.wait()
        process = stack.process("rasa-server-2")
        assert process is not None
        os.killpg(process.pid, signal.SIGKILL)

    try:
        await asyncio.gather(kill_second(), *(student(who) for who in students))
        assert len(busy) <= len(on_second)  # at most the turn in hand of each student on the killed server
        for who in students:
            reply = await client.send(who, "谢谢")  # the next message: answered by the surviving server
            assert reply
            texts = user_texts(await tracker_events(stack, first, who))
            assert [t for t in texts if t in answered[who]] == answered[who]  # every answered turn kept, in order
            assert texts[-1] == "谢谢"
        assert client.moved >= len(on_second)
    finally:
        await client.aclose()
