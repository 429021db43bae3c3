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
     httpx.Response(200, json=["text"])],
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
        return httpx.Response(200, json=[])

    client = client_with(handler)
    assert await client.send("7", "x") == []
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
