"""The Rasa REST client: replies, and one clear error for every way Rasa can fail."""

from __future__ import annotations

import asyncio
import json
import time

import httpx
import pytest

from bot.rasa_client import RasaClient, RasaUnavailable


def client_with(handler, timeout_s: float = 1.0) -> RasaClient:
    return RasaClient("http://rasa.test:5005/", timeout_s, transport=httpx.MockTransport(handler), connect_retry_delay_s=0.05)


async def test_posts_sender_and_message_and_returns_the_list():
    seen = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append((request.url.path, json.loads(request.content)))
        return httpx.Response(200, json=[{"recipient_id": "7", "text": "你好"}])

    client = client_with(handler)
    assert await client.send("7", "你好") == [{"recipient_id": "7", "text": "你好"}]
    assert seen == [("/webhooks/rest/webhook", {"sender": "7", "message": "你好"})]
    await client.aclose()


@pytest.mark.parametrize(
    "response",
    [httpx.Response(500, text="boom"), httpx.Response(200, text="not json"), httpx.Response(200, json={"a": 1}),
     httpx.Response(200, json=["text"]),
     httpx.Response(200, json=[])],  # what Rasa answers when its action server is down
)
async def test_bad_answers_raise_rasa_unavailable(response):
    client = client_with(lambda request: response)
    with pytest.raises(RasaUnavailable):
        await client.send("7", "x")
    await client.aclose()


async def test_connection_refused_is_retried_once_then_raises():
    calls = []

    def handler(request):
        calls.append(1)
        raise httpx.ConnectError("refused", request=request)

    client = client_with(handler)
    with pytest.raises(RasaUnavailable, match="cannot connect"):
        await client.send("7", "x")
    assert len(calls) == 2
    await client.aclose()


async def test_a_restarting_rasa_is_caught_by_the_retry():
    calls = []

    def handler(request):
        calls.append(1)
        if len(calls) == 1:
            raise httpx.ConnectError("refused", request=request)
        return httpx.Response(200, json=[{"text": "ok"}])

    client = client_with(handler)
    assert await client.send("7", "x") == [{"text": "ok"}]
    await client.aclose()


async def test_slow_rasa_times_out_within_the_timeout():
    async def handler(request):
        await asyncio.sleep(5)
        return httpx.Response(200, json=[])

    client = client_with(handler, timeout_s=0.3)
    started = time.monotonic()
    with pytest.raises(RasaUnavailable, match="did not answer"):
        await client.send("7", "x")
    assert time.monotonic() - started < 1.0
    await client.aclose()


# --- several Rasa servers --------------------------------------------------------------------

SERVERS = ["http://rasa-a.test:5005", "http://rasa-b.test:5006", "http://rasa-c.test:5007"]


def spread_client(handler, timeout_s: float = 1.0, down_for_s: float = 3.0) -> RasaClient:
    return RasaClient(SERVERS, timeout_s, transport=httpx.MockTransport(handler), connect_retry_delay_s=0.05,
                      down_for_s=down_for_s)


def server_of(request: httpx.Request) -> str:
    return f"http://{request.url.host}:{request.url.port}"


async def test_each_student_stays_on_one_server_and_students_spread_over_all():
    seen: dict[str, set[str]] = {}

    def handler(request):
        seen.setdefault(json.loads(request.content)["sender"], set()).add(server_of(request))
        return httpx.Response(200, json=[{"text": "ok"}])

    client = spread_client(handler)
    for round_ in range(3):
        for student in range(300):
            await client.send(str(student), f"turn {round_}")
    assert all(len(servers) == 1 for servers in seen.values())
    load = {url: sum(1 for s in seen.values() if url in s) for url in SERVERS}
    assert all(70 <= count <= 130 for count in load.values()), load  # about 100 each
    await client.aclose()


async def test_a_down_server_passes_its_students_to_their_next_server_at_once_and_gets_them_back():
    down = {SERVERS[0]}
    calls: list[str] = []

    def handler(request):
        calls.append(server_of(request))
        if server_of(request) in down:
            raise httpx.ConnectError("refused", request=request)
        return httpx.Response(200, json=[{"text": server_of(request)}])

    client = spread_client(handler, down_for_s=0.2)
    students = [s for s in map(str, range(50)) if client.servers_for(s, 0.0)[0] == SERVERS[0]]
    second_choice = {s: client.servers_for(s, 0.0)[1] for s in students}
    assert students
    for student in students:
        reply = await client.send(student, "x")
        assert reply == [{"text": second_choice[student]}]  # the same fallback every time
    assert calls.count(SERVERS[0]) == 1  # refused once, then passed over while marked down
    assert client.moved == len(students)
    down.clear()
    await asyncio.sleep(0.25)
    assert await client.send(students[0], "x") == [{"text": SERVERS[0]}]  # back on its own server
    await client.aclose()


@pytest.mark.parametrize("error, match, attempts", [
    # Rasa may have processed it: sending it again could run the turn twice
    (httpx.RemoteProtocolError("Server disconnected without sending a response."), "failed", 1),
    # Rasa never saw it: every server, twice (after a pause)
    (httpx.ConnectError("refused"), "cannot connect", 2 * len(SERVERS)),
])
async def test_only_a_message_no_server_saw_moves_on(error, match, attempts):
    calls: list[str] = []

    def handler(request):
        calls.append(server_of(request))
        error.request = request
        raise error

    client = spread_client(handler)
    with pytest.raises(RasaUnavailable, match=match):
        await client.send("7", "x")
    assert len(calls) == attempts and set(calls) <= set(SERVERS)
    if attempts == 1:  # a broken connection: the student's next message goes to the next server
        assert client.servers_for("7", asyncio.get_running_loop().time())[0] != calls[0]
    await client.aclose()
