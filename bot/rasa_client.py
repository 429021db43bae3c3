"""Async client for Rasa's REST channel (``POST {RASA_URL}/webhooks/rest/webhook``), over one or
several Rasa servers.

One :class:`RasaClient` per bot process keeps a pooled :class:`httpx.AsyncClient`. Every
failure (connection refused, timeout, HTTP error status, a body that is not a list of
messages, an empty list) becomes :class:`RasaUnavailable`, so callers have one thing to catch.
Every turn of this assistant answers something (its actions send at least the ``gradbot``
payload), so an empty reply means the turn failed: Rasa answers ``[]`` when the action server
is down (``benchmarks/bench_faults.py`` found students told to rephrase their question then). The
transport is injectable (``httpx.MockTransport`` in tests).

Several servers (``RASA_URLS``): each student goes to the server ranked first for them by
rendezvous hashing (highest ``sha256(url | sender)``), so a student stays on one server while it
is up and only the students of a server that is added or removed move. A server that refuses
the connection (down, restarting) is passed over for :data:`DOWN_FOR_S` seconds and the
student's next-ranked server takes the message at once (a server whose connection broke
mid-turn is passed over too, from the student's next message on): the servers share conversations
(tracker store and lock store), so nothing of the conversation is lost. Only a refused or
timed-out *connection* moves a message: then Rasa never saw it. A message Rasa may have seen (a
read timeout, a connection dropped mid-turn) is never sent again, so no turn runs twice; the
student is told to try again.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
from typing import Any, Sequence

import httpx

logger = logging.getLogger(__name__)

REST_WEBHOOK_PATH = "/webhooks/rest/webhook"
DOWN_FOR_S = 3.0  # a server that refused a connection is passed over this long


class RasaUnavailable(Exception):
    """Rasa (or the action server behind it) did not give a usable reply in time."""


def rendezvous_order(sender: str, urls: Sequence[str]) -> list[str]:
    """``urls`` from the sender's preferred server to the least preferred (stable per sender)."""
    def weight(url: str) -> bytes:
        return hashlib.sha256(f"{url}|{sender}".encode()).digest()

    return sorted(urls, key=weight, reverse=True)


class RasaClient:
    """Posts ``{"sender", "message", "metadata"}`` to Rasa and returns the list of reply messages."""

    def __init__(
        self,
        base_url: str | Sequence[str],
        timeout_s: float,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        max_connections: int = 100,
        connect_retry_delay_s: float = 0.25,
        down_for_s: float = DOWN_FOR_S,
    ) -> None:
        urls = [base_url] if isinstance(base_url, str) else list(base_url)
        if not urls:
            raise ValueError("RasaClient needs at least one Rasa URL")
        self.base_urls = [u.rstrip("/") for u in urls]
        self.timeout_s = timeout_s
        self._connect_retry_delay_s = connect_retry_delay_s
        self._down_for_s = down_for_s
        self._down_until: dict[str, float] = {}
        self.moved = 0  # messages sent to a student's second choice (or later) because a server was down
        self._client = httpx.AsyncClient(
            transport=transport,
            timeout=httpx.Timeout(timeout_s, connect=min(timeout_s, 3.0)),
            limits=httpx.Limits(max_connections=max_connections, max_keepalive_connections=20),
            trust_env=False,  # never route loopback Rasa traffic through a proxy
        )

    @property
    def base_url(self) -> str:
        """The first Rasa server (the only one in a one-server set-up)."""
        return self.base_urls[0]

    @property
    def webhook_url(self) -> str:
        return self.base_url + REST_WEBHOOK_PATH

    def servers_for(self, sender: str, now: float) -> list[str]:
        """The servers to try for ``sender``, in order: ranked by rendezvous hashing, those
        marked down last."""
        ranked = rendezvous_order(sender, self.base_urls)
        return [u for u in ranked if self._down_until.get(u, 0.0) <= now] + \
               [u for u in ranked if self._down_until.get(u, 0.0) > now]

    async def send(self, sender: str, message: str, metadata: dict[str, Any] | None = None) -> list[dict[str, Any]]:
        """Send one user message; the reply messages in order. Raises :class:`RasaUnavailable`.

        ``metadata`` reaches the actions with the message (e.g. ``{"chat_type": "group"}``).
        A refused connection moves the message to the student's next server; when every server
        refused, one more round follows a short pause (Rasa restarting). A timeout is not
        retried, so the student hears back within ``timeout_s``.
        """
        payload: dict[str, Any] = {"sender": sender, "message": message}
        if metadata:
            payload["metadata"] = metadata
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.timeout_s
        ranked = rendezvous_order(sender, self.base_urls)
        candidates = self.servers_for(sender, loop.time())
        attempts = candidates + candidates  # the second round after a pause
        for index, url in enumerate(attempts):
            if index == len(candidates):
                if deadline - loop.time() < self._connect_retry_delay_s + 0.5:
                    break
                await asyncio.sleep(self._connect_retry_delay_s)
            try:
                remaining = max(0.1, deadline - loop.time())
                response = await asyncio.wait_for(self._client.post(url + REST_WEBHOOK_PATH, json=payload), remaining)
            except (httpx.ConnectError, httpx.ConnectTimeout) as exc:  # Rasa never saw the message
                self._mark_down(url, exc)
                last_error: Exception = exc
                continue
            except (httpx.TimeoutException, asyncio.TimeoutError) as exc:
                raise RasaUnavailable(f"Rasa at {url} did not answer within {self.timeout_s:g} s") from exc
            except httpx.HTTPError as exc:
                if isinstance(exc, (httpx.RemoteProtocolError, httpx.ReadError, httpx.WriteError)):
                    self._mark_down(url, exc)  # the connection broke: the server probably died; not resent
                raise RasaUnavailable(f"Rasa request to {url} failed: {exc!r}") from exc
            self._down_until.pop(url, None)
            if url != ranked[0]:
                self.moved += 1
            return _reply_messages(url, response)
        raise RasaUnavailable(f"cannot connect to Rasa at {', '.join(candidates)}: {last_error}") from last_error

    def _mark_down(self, url: str, exc: Exception) -> None:
        now = asyncio.get_running_loop().time()
        if self._down_until.get(url, 0.0) <= now:
            logger.warning("Rasa at %s failed (%r); passing it over for %.0f s", url, exc, self._down_for_s)
        self._down_until[url] = now + self._down_for_s

    async def aclose(self) -> None:
        await self._client.aclose()


def _reply_messages(url: str, response: httpx.Response) -> list[dict[str, Any]]:
    if response.status_code != 200:
        raise RasaUnavailable(f"Rasa at {url} answered HTTP {response.status_code}: {response.text[:200]!r}")
    try:
        body = response.json()
    except ValueError as exc:
        raise RasaUnavailable(f"Rasa at {url} answered with a body that is not JSON") from exc
    if not isinstance(body, list) or not all(isinstance(m, dict) for m in body):
        raise RasaUnavailable(f"Rasa at {url} answered with an unexpected body: {str(body)[:200]!r}")
    if not body:
        raise RasaUnavailable(f"Rasa at {url} answered nothing (is its action server down?)")
    return body
