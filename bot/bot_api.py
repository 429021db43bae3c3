"""The bot's Bot API client: python-telegram-bot's ``ExtBot``, made sturdier in two places.

* :class:`TolerantBot` survives an update it cannot read. PTB parses a whole
  ``getUpdates`` batch at once; one update it cannot parse makes it drop the batch
  *without* confirming it, so it fetches the same batch again at once, forever (a busy
  loop, and no student is answered again). Here the batch is read again one update at a
  time: an unreadable update is logged and replaced by an empty one (no handler takes
  it), so the offset moves past it and the others are answered.
* :func:`wait_for_bot_api` makes sure ``getMe`` has succeeded before the bot starts.
  PTB marks its bot initialised *before* calling ``getMe``; when the Bot API is not yet
  reachable its start-up retry then skips ``getMe`` and the bot runs without knowing
  itself (``bot.username`` raises). We retry until the Bot API answers.
* A ``sendMessage`` that provably did not reach Telegram (502 Bad Gateway, a refused
  connection, a ``429`` left over after the rate limiter's own retries) is sent again, up to
  :data:`SEND_RETRIES` times, in the handler that sent it, so the chat's order holds (found by
  ``benchmarks/bench_faults.py``: a 502 lost the answer, and the error handler's "busy" notice
  quoted nothing). A send whose fate is unknown (a read timeout) is never repeated.
* A message the Bot API accepted (``ok: true``) but described in a form PTB cannot read
  (a stand-in's short result) counts as sent, not as an error that ends the turn.
* A Bot API that refuses ``deleteWebhook``/``setWebhook`` (a minimal stand-in) does not
  stop the bot from starting: PTB would retry them and then give up.
* Requests to a Bot API on loopback (a local Bot API server or a stand-in) never go
  through a proxy from ``HTTP_PROXY``/``ALL_PROXY``; a remote one keeps them.
"""

from __future__ import annotations

import asyncio
import ipaddress
import logging
from typing import Any, Awaitable, Optional
from urllib.parse import urlparse

import httpx
from telegram import Update
from telegram.error import BadRequest, InvalidToken, NetworkError, RetryAfter, TelegramError, TimedOut
from telegram.ext import BaseRateLimiter, ExtBot
from telegram.request import HTTPXRequest

logger = logging.getLogger(__name__)

RETRY_MAX_DELAY_S = 10.0
SEND_RETRIES = 3
SEND_RETRY_DELAY_S = 0.5  # doubled after each failed attempt
MAX_RETRY_AFTER_S = 30.0  # a longer 429 wait is not waited for inside a turn


def not_delivered(exc: TelegramError) -> bool:
    """True when the error proves the request never reached Telegram (safe to send again)."""
    if isinstance(exc, RetryAfter):
        return True
    cause = exc.__cause__
    if isinstance(cause, (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)):
        return True
    if isinstance(exc, TimedOut) or not isinstance(exc, NetworkError):
        return False  # a read/write timeout: Telegram may have the message
    text = str(exc).lower()
    return "connect" in text or "bad gateway" in text or "502" in text or "503" in text


class TolerantBot(ExtBot):
    """An ``ExtBot`` whose ``get_updates`` skips (and logs) updates it cannot parse."""

    async def get_updates(self, offset: Optional[int] = None, limit: Optional[int] = None,
                          timeout: Any = None, allowed_updates: Any = None, **kwargs: Any) -> tuple[Update, ...]:
        try:
            return await super().get_updates(
                offset=offset, limit=limit, timeout=timeout, allowed_updates=allowed_updates, **kwargs
            )
        except TelegramError:
            raise  # network problems: PTB's polling loop retries them
        except Exception:
            logger.error("could not read a batch of updates; reading it one update at a time", exc_info=True)
        raw = await self._post(
            "getUpdates", {"offset": offset, "limit": limit, "timeout": 0, "allowed_updates": allowed_updates}
        )
        updates = (read_update(item, self) for item in (raw if isinstance(raw, list) else []))
        return tuple(u for u in updates if u is not None)

    async def send_message(self, *args: Any, **kwargs: Any) -> Any:
        """``sendMessage``, sent again while the error proves it did not arrive (:func:`not_delivered`)."""
        delay = SEND_RETRY_DELAY_S
        for attempt in range(SEND_RETRIES + 1):
            try:
                return await _accepted(super().send_message(*args, **kwargs), "sendMessage")
            except (RetryAfter, NetworkError) as exc:
                wait = _seconds(exc.retry_after) if isinstance(exc, RetryAfter) else delay
                if attempt == SEND_RETRIES or not not_delivered(exc) or wait > MAX_RETRY_AFTER_S:
                    raise
                logger.warning("sendMessage not delivered (%s); sending again in %.1f s", exc, wait)
                await asyncio.sleep(wait)
                delay *= 2
        raise AssertionError("unreachable")

    async def edit_message_text(self, *args: Any, **kwargs: Any) -> Any:
        return await _accepted(super().edit_message_text(*args, **kwargs), "editMessageText")

    async def edit_message_reply_markup(self, *args: Any, **kwargs: Any) -> Any:
        return await _accepted(super().edit_message_reply_markup(*args, **kwargs), "editMessageReplyMarkup")

    async def delete_webhook(self, *args: Any, **kwargs: Any) -> bool:
        """A Bot API that refuses ``deleteWebhook`` (a stand-in without it) has no webhook to delete."""
        try:
            return await super().delete_webhook(*args, **kwargs)
        except (BadRequest, InvalidToken) as exc:  # getMe already proved the token: "method not found"
            logger.warning("the Bot API refused deleteWebhook (%s); polling anyway", exc)
            return True

    async def set_webhook(self, *args: Any, **kwargs: Any) -> bool:
        """When the Bot API refuses ``setWebhook`` the webhook server still starts (updates
        reach it only if the webhook was registered some other way), loudly logged."""
        try:
            return await super().set_webhook(*args, **kwargs)
        except (BadRequest, InvalidToken) as exc:
            logger.error("the Bot API refused setWebhook (%s); serving the webhook anyway", exc)
            return True


def _seconds(value: Any) -> float:
    """``RetryAfter.retry_after`` in seconds (an int, or a timedelta with PTB_TIMEDELTA)."""
    return float(value.total_seconds()) if hasattr(value, "total_seconds") else float(value)


async def _accepted(call: Awaitable[Any], method: str) -> Any:
    """The result of ``call``; None when the Bot API answered ``ok`` with a result PTB cannot
    read (a stand-in's short message object): the message *was* sent, so no error."""
    try:
        return await call
    except (KeyError, TypeError) as exc:
        logger.warning("the Bot API accepted %s but its result could not be read (%r)", method, exc)
        return None


def read_update(data: Any, bot: Optional[ExtBot] = None) -> Optional[Update]:
    """``data`` as an :class:`Update`; an empty Update with its id when it cannot be parsed;
    None when it has no usable ``update_id`` either."""
    try:
        return Update.de_json(dict(data), bot)
    except Exception as exc:
        update_id = data.get("update_id") if isinstance(data, dict) else None
        if not isinstance(update_id, int):
            logger.error("skipped an update without a usable update_id: %r", exc)
            return None
        logger.error("update %s could not be read and is skipped: %r", update_id, exc)
        update = Update(update_id=update_id)
        if bot is not None:
            update.set_bot(bot)
        return update


def normalise_base_url(url: str) -> str:
    """``TELEGRAM_API_BASE_URL`` as PTB needs it (the token is appended to it as is).

    ``http://host:port`` and ``http://host:port/`` mean ``http://host:port/bot`` (appending
    the token to them gives no usable URL); ``…/bot/`` means ``…/bot``. A URL with
    ``{token}`` in it is left alone (PTB puts the token there).
    """
    url = url.strip()
    if "{token}" in url:
        return url
    path = urlparse(url).path
    if path in ("", "/"):
        return url.rstrip("/") + "/bot"
    if path.endswith("/bot/"):
        return url.rstrip("/")
    return url


def is_loopback_url(url: str) -> bool:
    host = (urlparse(url).hostname or "").lower()
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def build_bot(
    token: str,
    base_url: str,
    rate_limiter: Optional[BaseRateLimiter] = None,
    *,
    connection_pool_size: int = 32,
    pool_timeout_s: float = 10.0,
) -> TolerantBot:
    """The bot with its two HTTP clients (one for ``getUpdates``, one for everything else)."""
    base_url = normalise_base_url(base_url)
    httpx_kwargs = {"trust_env": False} if is_loopback_url(base_url) else None
    return TolerantBot(
        token=token,
        base_url=base_url,
        request=HTTPXRequest(
            connection_pool_size=connection_pool_size, pool_timeout=pool_timeout_s, httpx_kwargs=httpx_kwargs
        ),
        get_updates_request=HTTPXRequest(connection_pool_size=1, httpx_kwargs=httpx_kwargs),
        rate_limiter=rate_limiter,
    )


async def wait_for_bot_api(bot: ExtBot, max_delay_s: float = RETRY_MAX_DELAY_S) -> None:
    """Return once ``getMe`` has succeeded (retrying with back-off); an invalid token raises."""
    delay = 1.0
    while True:
        try:
            bot.bot  # noqa: B018 - set by a successful getMe, raises RuntimeError before
            return
        except RuntimeError:
            pass
        try:
            await bot.get_me()
            return
        except InvalidToken:
            raise
        except TelegramError as exc:
            logger.warning("the Bot API does not answer getMe (%s); retrying in %.0f s", exc, delay)
        await asyncio.sleep(delay)
        delay = min(delay * 2, max_delay_s)
