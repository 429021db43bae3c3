"""Async client for Rasa's REST channel (``POST {RASA_URL}/webhooks/rest/webhook``).

One :class:`RasaClient` per bot process keeps a pooled :class:`httpx.AsyncClient`. Every
failure (connection refused, timeout, HTTP error status, a body that is not a list of
messages) becomes :class:`RasaUnavailable`, so callers have one thing to catch. The
transport is injectable (``httpx.MockTransport`` in tests).
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import httpx

logger = logging.getLogger(__name__)

REST_WEBHOOK_PATH = "/webhooks/rest/webhook"


class RasaUnavailable(Exception):
    """Rasa (or the action server behind it) did not give a usable reply in time."""


class RasaClient:
    """Posts ``{"sender", "message", "metadata"}`` to Rasa and returns the list of reply messages."""

    def __init__(
        self,
        base_url: str,
        timeout_s: float,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        max_connections: int = 100,
        connect_retry_delay_s: float = 0.25,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.timeout_s = timeout_s
        self._connect_retry_delay_s = connect_retry_delay_s
        self._client = httpx.AsyncClient(
            transport=transport,
            timeout=httpx.Timeout(timeout_s, connect=min(timeout_s, 3.0)),
            limits=httpx.Limits(max_connections=max_connections, max_keepalive_connections=20),
            trust_env=False,  # never route loopback Rasa traffic through a proxy
        )

    @property
    def webhook_url(self) -> str:
        return self.base_url + REST_WEBHOOK_PATH

    async def send(self, sender: str, message: str, metadata: dict[str, Any] | None = None) -> list[dict[str, Any]]:
        """Send one user message; the reply messages in order. Raises :class:`RasaUnavailable`.

        ``metadata`` reaches the actions with the message (e.g. ``{"chat_type": "group"}``).
        A refused connection is retried once after a short pause (Rasa restarting); a
        timeout is not retried, so the student hears back within ``timeout_s``.
        """
        payload: dict[str, Any] = {"sender": sender, "message": message}
        if metadata:
            payload["metadata"] = metadata
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.timeout_s
        for attempt in (1, 2):
            try:
                remaining = max(0.1, deadline - loop.time())
                response = await asyncio.wait_for(self._client.post(self.webhook_url, json=payload), remaining)
                break
            except httpx.ConnectError as exc:
                if attempt == 2 or deadline - loop.time() < self._connect_retry_delay_s + 0.5:
                    raise RasaUnavailable(f"cannot connect to Rasa at {self.base_url}: {exc}") from exc
                await asyncio.sleep(self._connect_retry_delay_s)
            except (httpx.TimeoutException, asyncio.TimeoutError) as exc:
                raise RasaUnavailable(f"Rasa did not answer within {self.timeout_s:g} s") from exc
            except httpx.HTTPError as exc:
                raise RasaUnavailable(f"Rasa request failed: {exc!r}") from exc
        if response.status_code != 200:
            raise RasaUnavailable(f"Rasa answered HTTP {response.status_code}: {response.text[:200]!r}")
        try:
            body = response.json()
        except ValueError as exc:
            raise RasaUnavailable("Rasa answered with a body that is not JSON") from exc
        if not isinstance(body, list) or not all(isinstance(m, dict) for m in body):
            raise RasaUnavailable(f"Rasa answered with an unexpected body: {str(body)[:200]!r}")
        return body

    async def aclose(self) -> None:
        await self._client.aclose()
