"""A stand-in for the Telegram Bot API on 127.0.0.1, for tests and benchmarks.

It speaks the same HTTP protocol python-telegram-bot uses (``POST /bot<token>/<method>``
with form-encoded, JSON-valued parameters; ``{"ok": true, "result": ...}`` answers),
implements the methods the bot calls, records every call, and lets a test inject updates
that ``getUpdates`` then hands out (long-polling with ``offset`` and ``timeout``).

Failure injection: :meth:`FakeBotApi.block` makes ``sendMessage`` to a chat answer 403
"Forbidden: bot was blocked by the user"; :meth:`fail_next` makes the next calls of a
method fail with any status. :class:`Faults` (``FakeBotApi(faults=Faults(...))``) injects them at
random, seeded: a share of ``sendMessage`` calls answered 429 with ``retry_after`` or 502 Bad
Gateway (neither delivers the message, as on Telegram), and a share of ``getUpdates``
long-polls whose connection is dropped without an answer (the updates stay unconfirmed and
come again, as on Telegram).

Staff groups (the handoff): :meth:`FakeBotApi.add_group` makes a supergroup with or
without topics (``getChat``); ``createForumTopic``, ``editForumTopic``,
``closeForumTopic``, ``reopenForumTopic``, ``copyMessage`` and ``setMessageReaction``
work on it, messages carry ``message_thread_id``, and :meth:`FakeBotApi.delete_topic`
deletes a topic as staff would (sending into it then fails with "message thread not
found"). Every injected or sent message is kept, so copies carry the original content;
:meth:`FakeBotApi.received` lists what reached a chat (sent and copied).
:func:`group_message` builds staff messages (in a topic, as a Reply, anonymous).
"""

from __future__ import annotations

import asyncio
import itertools
import json
import random
import time
from dataclasses import dataclass, field
from typing import Any, Optional

from aiohttp import web

BOT_ID = 7_000_000_001
BOT_USERNAME = "xjtu_career_bot"
TOKEN = "7000000001:AAFakeTokenForTestsOnly_abcdefghijk"

# Parameters PTB sends as plain strings (everything else is JSON-encoded).
_STRING_PARAMS = {
    "text", "caption", "callback_query_id", "parse_mode", "url", "secret_token", "action",
    "description", "short_description", "name", "inline_message_id", "language_code",
    "ip_address", "emoji", "business_connection_id", "message_effect_id",
}


@dataclass
class Call:
    method: str
    params: dict[str, Any]
    status: int = 200  # the HTTP status the fake answered with
    at: float = field(default_factory=time.monotonic)

    @property
    def ok(self) -> bool:
        return self.status == 200


@dataclass
class Faults:
    """Random faults, seeded: shares (0..1) of calls that fail, and how."""

    send_429: float = 0.0  # sendMessage answered 429 "Too Many Requests: retry after N"
    send_502: float = 0.0  # sendMessage answered 502 Bad Gateway
    retry_after_s: int = 1
    drop_poll: float = 0.0  # getUpdates connections closed without an answer
    seed: int = 13
    injected: dict[str, int] = field(default_factory=lambda: {"429": 0, "502": 0, "dropped_polls": 0})

    def __post_init__(self) -> None:
        self._rng = random.Random(self.seed)

    def send_failure(self) -> Optional[tuple[int, dict[str, Any]]]:
        """(status, body) for a failing sendMessage, or None."""
        draw = self._rng.random()
        if draw < self.send_429:
            self.injected["429"] += 1
            body = _error_body(429, f"Too Many Requests: retry after {self.retry_after_s}")
            body["parameters"] = {"retry_after": self.retry_after_s}
            return 429, body
        if draw < self.send_429 + self.send_502:
            self.injected["502"] += 1
            return 502, _error_body(502, "Bad Gateway")
        return None

    def drop_this_poll(self) -> bool:
        if self._rng.random() < self.drop_poll:
            self.injected["dropped_polls"] += 1
            return True
        return False


class FakeBotApi:
    """The fake server. ``async with FakeBotApi() as api:`` then point PTB at ``api.base_url``."""

    def __init__(self, token: str = TOKEN, *, send_delay_s: float = 0.0, faults: Optional[Faults] = None) -> None:
        self.token = token
        self.send_delay_s = send_delay_s
        self.faults = faults
        self.calls: list[Call] = []
        self._delivered: dict[int, list[Call]] = {}  # chat id -> successful sendMessage calls
        self.blocked_chats: set[int] = set()
        self.webhook: dict[str, Any] = {}
        self._updates: list[dict[str, Any]] = []
        self._confirmed_offset = 0
        self._update_ids = itertools.count(1)
        self._message_ids = itertools.count(1000)
        self._changed = asyncio.Condition()
        self._failures: dict[str, list[tuple[int, str, Optional[int]]]] = {}
        self._runner: Optional[web.AppRunner] = None
        self._closing = False
        self.port = 0
        self.ignore_poll_timeout = False  # True: getUpdates answers at once, as a minimal stand-in might
        self.get_updates_count = 0
        self.short_results = False  # True: sent/edited messages are answered with only their message_id
        self.groups: dict[int, dict[str, Any]] = {}  # chat id -> {"title", "is_forum", "topics": {thread: {...}}}
        self.messages: dict[tuple[int, int], dict[str, Any]] = {}  # (chat, message id) -> message
        self._received: dict[int, list[dict[str, Any]]] = {}  # chat id -> messages sent or copied there
        self.reactions: dict[tuple[int, int], list[dict[str, Any]]] = {}

    # --- server lifecycle ------------------------------------------------------------------

    async def start(self, port: int = 0) -> "FakeBotApi":
        app = web.Application(client_max_size=50 * 1024 * 1024)
        app.router.add_route("*", "/bot{token}/{method}", self._handle)
        self._runner = web.AppRunner(app, access_log=None, handle_signals=False, shutdown_timeout=0.5)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", port)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        return self

    async def stop(self) -> None:
        async with self._changed:  # release long-polls so the server can close at once
            self._closing = True
            self._changed.notify_all()
        await asyncio.sleep(0.05)  # let the released long-polls answer
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> "FakeBotApi":
        return await self.start()

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    @property
    def base_url(self) -> str:
        """What ``TELEGRAM_API_BASE_URL`` should be (PTB appends the token)."""
        return f"http://127.0.0.1:{self.port}/bot"

    # --- test controls -----------------------------------------------------------------------

    def block(self, chat_id: int) -> None:
        self.blocked_chats.add(chat_id)

    def fail_next(self, method: str, status: int = 500, description: str = "Internal Server Error", times: int = 1,
                  retry_after: Optional[int] = None) -> None:
        """The next ``times`` calls of ``method`` fail; ``retry_after`` adds Telegram's 429 parameter."""
        self._failures.setdefault(method, []).extend([(status, description, retry_after)] * times)

    async def inject(self, update: dict[str, Any]) -> dict[str, Any]:
        """Queue an update (its ``update_id`` is assigned here) for ``getUpdates``."""
        update = dict(update)
        update["update_id"] = next(self._update_ids)
        for key in ("message", "edited_message"):
            body = update.get(key)
            if body:
                self.messages[(int(body["chat"]["id"]), int(body["message_id"]))] = body
        async with self._changed:
            self._updates.append(update)
            self._changed.notify_all()
        return update

    def add_group(self, chat_id: int, *, forum: bool = True, title: str = "就创中心老师") -> None:
        """A supergroup the bot administers (topics on when ``forum``)."""
        self.groups[chat_id] = {"title": title, "is_forum": forum, "topics": {}}

    def delete_topic(self, chat_id: int, thread_id: int) -> None:
        """Staff deleted a topic by hand (bots get no event for it)."""
        self.groups[chat_id]["topics"][thread_id]["deleted"] = True

    def topics(self, chat_id: int) -> dict[int, dict[str, Any]]:
        return self.groups[chat_id]["topics"]

    def received(self, chat_id: int, thread_id: Optional[int] = None) -> list[dict[str, Any]]:
        """Messages the bot sent or copied to a chat (in one topic when ``thread_id``), in order."""
        got = self._received.get(chat_id, [])
        return [m for m in got if thread_id is None or m.get("message_thread_id") == thread_id]

    async def wait_received(self, chat_id: int, count: int = 1, timeout: float = 5.0,
                            thread_id: Optional[int] = None) -> list[dict[str, Any]]:
        await self.wait_for(lambda: len(self.received(chat_id, thread_id)) >= count, timeout)
        return self.received(chat_id, thread_id)

    def new_update_id(self) -> int:
        return next(self._update_ids)

    def calls_of(self, method: str) -> list[Call]:
        return [c for c in self.calls if c.method == method]

    def sent_to(self, chat_id: int) -> list[Call]:
        """Messages delivered to one chat (successful ``sendMessage`` calls), in order."""
        return list(self._delivered.get(chat_id, ()))

    def texts_to(self, chat_id: int) -> list[str]:
        return [c.params.get("text", "") for c in self.sent_to(chat_id)]

    async def wait_for(self, predicate, timeout: float = 5.0) -> None:
        """Wait until ``predicate()`` is true (raises ``TimeoutError`` after ``timeout``)."""
        deadline = time.monotonic() + timeout
        async with self._changed:
            while not predicate():
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise TimeoutError("condition not met in time")
                try:
                    await asyncio.wait_for(self._changed.wait(), remaining)
                except asyncio.TimeoutError:
                    pass

    async def wait_sent(self, chat_id: int, count: int = 1, timeout: float = 5.0) -> list[Call]:
        """Wait until at least ``count`` messages went to ``chat_id``; returns them."""
        await self.wait_for(lambda: len(self._delivered.get(chat_id, ())) >= count, timeout)
        return self.sent_to(chat_id)

    async def wait_call(self, method: str, count: int = 1, timeout: float = 5.0) -> list[Call]:
        await self.wait_for(lambda: len(self.calls_of(method)) >= count, timeout)
        return self.calls_of(method)

    # --- HTTP ----------------------------------------------------------------------------------

    async def _handle(self, request: web.Request) -> web.Response:
        token, method = request.match_info["token"], request.match_info["method"]
        if token != self.token:
            return _error(401, "Unauthorized")
        try:
            params = await _read_params(request)
        except ConnectionResetError:  # the client went away mid-request (e.g. a bot stopping a long-poll)
            return web.Response(status=400)
        if method == "getUpdates" and self.faults is not None and self.faults.drop_this_poll():
            await self._m_getUpdates(params)  # the long-poll runs, then its connection is cut
            if request.transport is not None:
                request.transport.abort()
            return web.Response(status=502)  # never reaches the bot: the connection is gone
        status, body = await self._dispatch(method, params)
        if method != "getUpdates":
            call = Call(method, params, status)
            async with self._changed:
                self.calls.append(call)
                if method == "sendMessage" and call.ok:
                    self._delivered.setdefault(int(params["chat_id"]), []).append(call)
                if method in ("sendMessage", "copyMessage") and call.ok and isinstance(body.get("result"), dict):
                    sent = self.messages.get((int(params["chat_id"]), body["result"]["message_id"]))
                    if sent is not None:
                        self._received.setdefault(int(params["chat_id"]), []).append(sent)
                self._changed.notify_all()
        return web.json_response(body, status=status)

    async def _dispatch(self, method: str, params: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        failures = self._failures.get(method)
        if failures:
            status, description, retry_after = failures.pop(0)
            body = _error_body(status, description)
            if retry_after is not None:
                body["parameters"] = {"retry_after": retry_after}
            return status, body
        if method == "sendMessage" and self.faults is not None:
            failure = self.faults.send_failure()
            if failure is not None:
                return failure
        handler = getattr(self, "_m_" + method, None)
        if handler is None:
            return 404, _error_body(404, "Not Found: method not found")
        try:
            result = await handler(params)
        except _ApiError as exc:
            return exc.status, _error_body(exc.status, exc.description)
        return 200, {"ok": True, "result": result}

    # --- methods -------------------------------------------------------------------------------

    async def _m_getMe(self, params: dict[str, Any]) -> dict[str, Any]:
        return {
            "id": BOT_ID, "is_bot": True, "first_name": "就创助手", "username": BOT_USERNAME,
            "can_join_groups": True, "can_read_all_group_messages": False, "supports_inline_queries": False,
        }

    async def _m_getUpdates(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        offset = int(params.get("offset") or 0)
        limit = int(params.get("limit") or 100)
        timeout = 0.0 if self.ignore_poll_timeout else float(params.get("timeout") or 0)
        self.get_updates_count += 1
        deadline = time.monotonic() + timeout
        async with self._changed:
            if offset:
                self._confirmed_offset = max(self._confirmed_offset, offset)
                self._updates = [u for u in self._updates if u["update_id"] >= offset]
            while not self._updates and not self._closing:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    break
                try:
                    await asyncio.wait_for(self._changed.wait(), remaining)
                except asyncio.TimeoutError:
                    break
            return self._updates[:limit]

    async def _m_sendMessage(self, params: dict[str, Any]) -> dict[str, Any]:
        if self.send_delay_s:
            await asyncio.sleep(self.send_delay_s)
        chat_id = int(params["chat_id"])
        if chat_id in self.blocked_chats:
            raise _ApiError(403, "Forbidden: bot was blocked by the user")
        text = params.get("text", "")
        if not text.strip():
            raise _ApiError(400, "Bad Request: message text is empty")
        if len(text) > 4096:
            raise _ApiError(400, "Bad Request: message is too long")
        _check_markup(params.get("reply_markup"))
        thread = self._thread(chat_id, params.get("message_thread_id"))
        message = self._bot_message(chat_id, text, thread_id=thread)
        if params.get("reply_markup"):
            message["reply_markup"] = params["reply_markup"]
        self._reply_to(message, params)
        return message

    def _reply_to(self, message: dict[str, Any], params: dict[str, Any]) -> None:
        target = (params.get("reply_parameters") or {}).get("message_id")
        original = self.messages.get((int(params["chat_id"]), int(target))) if target else None
        if original is not None:
            message["reply_to_message"] = {k: v for k, v in original.items() if k != "reply_to_message"}

    def _thread(self, chat_id: int, thread_id: Any) -> Optional[int]:
        """The topic a message goes to; 400 as Telegram answers for a deleted one."""
        group = self.groups.get(chat_id)
        if thread_id is None or group is None or not group["is_forum"]:
            return None
        topic = group["topics"].get(int(thread_id))
        if topic is None or topic.get("deleted"):
            raise _ApiError(400, "Bad Request: message thread not found")
        return int(thread_id)

    def _topic(self, params: dict[str, Any]) -> dict[str, Any]:
        group = self.groups.get(int(params["chat_id"]))
        if group is None:
            raise _ApiError(400, "Bad Request: chat not found")
        if not group["is_forum"]:
            raise _ApiError(400, "Bad Request: the chat is not a forum")
        topic = group["topics"].get(int(params["message_thread_id"]))
        if topic is None or topic.get("deleted"):
            raise _ApiError(400, "Bad Request: message thread not found")
        return topic

    async def _m_getChat(self, params: dict[str, Any]) -> dict[str, Any]:
        chat_id = int(params["chat_id"])
        group = self.groups.get(chat_id)
        if group is not None:
            return {**chat(chat_id, group["title"], forum=group["is_forum"]), "accent_color_id": 0, "max_reaction_count": 11}
        if chat_id > 0:
            return {**chat(chat_id), "accent_color_id": 0, "max_reaction_count": 11}
        raise _ApiError(400, "Bad Request: chat not found")

    async def _m_createForumTopic(self, params: dict[str, Any]) -> dict[str, Any]:
        group = self.groups.get(int(params["chat_id"]))
        if group is None:
            raise _ApiError(400, "Bad Request: chat not found")
        if not group["is_forum"]:
            raise _ApiError(400, "Bad Request: the chat is not a forum")
        name = params.get("name", "")
        if not 1 <= len(name) <= 128:
            raise _ApiError(400, "Bad Request: TOPIC_NAME_INVALID")
        thread_id = next(self._message_ids)  # the topic's id is its creation message's id
        group["topics"][thread_id] = {"name": name, "closed": False, "deleted": False}
        return {"message_thread_id": thread_id, "name": name, "icon_color": 7322096}

    async def _m_editForumTopic(self, params: dict[str, Any]) -> bool:
        topic = self._topic(params)
        if params.get("name"):
            topic["name"] = params["name"]
        return True

    async def _m_closeForumTopic(self, params: dict[str, Any]) -> bool:
        self._topic(params)["closed"] = True
        return True

    async def _m_reopenForumTopic(self, params: dict[str, Any]) -> bool:
        self._topic(params)["closed"] = False
        return True

    async def _m_copyMessage(self, params: dict[str, Any]) -> dict[str, Any]:
        chat_id = int(params["chat_id"])
        original = self.messages.get((int(params["from_chat_id"]), int(params["message_id"])))
        if original is None:
            raise _ApiError(400, "Bad Request: message to copy not found")
        if chat_id in self.blocked_chats:
            raise _ApiError(403, "Forbidden: bot was blocked by the user")
        thread = self._thread(chat_id, params.get("message_thread_id"))
        content = {k: v for k, v in original.items() if k not in _ENVELOPE}
        copy = self._bot_message(chat_id, "", thread_id=thread)
        copy.pop("text")
        copy.update(content)
        self._reply_to(copy, params)
        return {"message_id": copy["message_id"]}

    async def _m_setMessageReaction(self, params: dict[str, Any]) -> bool:
        key = (int(params["chat_id"]), int(params["message_id"]))
        self.reactions[key] = list(params.get("reaction") or [])
        return True

    async def _m_editMessageText(self, params: dict[str, Any]) -> dict[str, Any]:
        _check_markup(params.get("reply_markup"))
        message = self._bot_message(int(params["chat_id"]), params.get("text", ""), int(params["message_id"]))
        if params.get("reply_markup"):
            message["reply_markup"] = params["reply_markup"]
        return message

    async def _m_editMessageReplyMarkup(self, params: dict[str, Any]) -> dict[str, Any]:
        _check_markup(params.get("reply_markup"))
        message = self._bot_message(int(params["chat_id"]), "(edited)", int(params["message_id"]))
        if params.get("reply_markup"):
            message["reply_markup"] = params["reply_markup"]
        return message

    async def _m_answerCallbackQuery(self, params: dict[str, Any]) -> bool:
        return True

    async def _m_sendChatAction(self, params: dict[str, Any]) -> bool:
        if int(params["chat_id"]) in self.blocked_chats:
            raise _ApiError(403, "Forbidden: bot was blocked by the user")
        return True

    async def _m_setMyCommands(self, params: dict[str, Any]) -> bool:
        return True

    async def _m_deleteMyCommands(self, params: dict[str, Any]) -> bool:
        return True

    async def _m_getMyCommands(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        sets = self.calls_of("setMyCommands")
        return sets[-1].params.get("commands", []) if sets else []

    async def _m_deleteWebhook(self, params: dict[str, Any]) -> bool:
        self.webhook = {}
        return True

    async def _m_setWebhook(self, params: dict[str, Any]) -> bool:
        self.webhook = dict(params)
        return True

    async def _m_getWebhookInfo(self, params: dict[str, Any]) -> dict[str, Any]:
        return {"url": self.webhook.get("url", ""), "has_custom_certificate": False, "pending_update_count": len(self._updates)}

    async def _m_close(self, params: dict[str, Any]) -> bool:
        return True

    async def _m_logOut(self, params: dict[str, Any]) -> bool:
        return True

    def _bot_message(self, chat_id: int, text: str, message_id: Optional[int] = None,
                     thread_id: Optional[int] = None) -> dict[str, Any]:
        if self.short_results:  # what a hand-written stand-in might answer
            return {"message_id": message_id or next(self._message_ids)}
        group = self.groups.get(chat_id)
        message = {
            "message_id": message_id or next(self._message_ids),
            "date": int(time.time()),
            "chat": chat(chat_id, group["title"], forum=group["is_forum"]) if group else chat(chat_id),
            "from": {"id": BOT_ID, "is_bot": True, "first_name": "就创助手", "username": BOT_USERNAME},
            "text": text,
        }
        if thread_id is not None:
            message.update(message_thread_id=thread_id, is_topic_message=True)
        if message_id is None:
            self.messages[(chat_id, message["message_id"])] = message
        return message


_ENVELOPE = {"message_id", "date", "chat", "from", "sender_chat", "message_thread_id", "is_topic_message",
             "reply_to_message", "edit_date", "forward_origin", "author_signature"}


class _ApiError(Exception):
    def __init__(self, status: int, description: str) -> None:
        super().__init__(description)
        self.status, self.description = status, description


def _error(status: int, description: str) -> web.Response:
    return web.json_response(_error_body(status, description), status=status)


def _error_body(status: int, description: str) -> dict[str, Any]:
    return {"ok": False, "error_code": status, "description": description}


async def _read_params(request: web.Request) -> dict[str, Any]:
    raw: dict[str, Any] = dict(request.query)
    if request.can_read_body:
        if request.content_type == "application/json":
            body = await request.json()
            return {**raw, **body}
        form = await request.post()
        raw.update({k: v for k, v in form.items() if isinstance(v, str)})
    params: dict[str, Any] = {}
    for key, value in raw.items():
        if key in _STRING_PARAMS:
            params[key] = value
            continue
        try:
            params[key] = json.loads(value)
        except (TypeError, ValueError):
            params[key] = value
    return params


def _check_markup(markup: Any) -> None:
    """Refuse what Telegram refuses: callback data over 64 bytes, empty button texts."""
    if not markup:
        return
    for row in markup.get("inline_keyboard", []):
        for button in row:
            if not button.get("text"):
                raise _ApiError(400, "Bad Request: text buttons are unallowed in the inline keyboard")
            data = button.get("callback_data")
            if data is not None and not (1 <= len(data.encode("utf-8")) <= 64):
                raise _ApiError(400, "Bad Request: BUTTON_DATA_INVALID")


# --- update builders ------------------------------------------------------------------------

_msg_ids = itertools.count(1)


def user(user_id: int, first_name: str = "同学") -> dict[str, Any]:
    return {"id": user_id, "is_bot": False, "first_name": first_name, "language_code": "zh-hans"}


def chat(chat_id: int, title: str = "就业交流群", forum: bool = False) -> dict[str, Any]:
    if chat_id < 0:
        return {"id": chat_id, "type": "supergroup", "title": title, **({"is_forum": True} if forum else {})}
    return {"id": chat_id, "type": "private", "first_name": "同学"}


ANONYMOUS_ADMIN = 1087968824  # GroupAnonymousBot


def group_message(chat_id: int, user_id: int, text: Optional[str] = None, *, thread_id: Optional[int] = None,
                  reply_to: Optional[dict[str, Any]] = None, forum: bool = True, anonymous: bool = False,
                  first_name: str = "王老师", **content: Any) -> dict[str, Any]:
    """``{"message": ...}`` from a staff member in a group: in topic ``thread_id`` (with
    Telegram's implicit reply to the topic's creation), as a Reply to ``reply_to``, or sent
    as the group by an anonymous admin (``sender_chat`` and the GroupAnonymousBot user)."""
    body: dict[str, Any] = {
        "message_id": next(_msg_ids), "date": int(time.time()), "chat": chat(chat_id, "就创中心老师", forum=forum),
        "from": {"id": ANONYMOUS_ADMIN, "is_bot": True, "first_name": "Group", "username": "GroupAnonymousBot"}
        if anonymous else {**user(user_id, first_name), "language_code": "zh-hans"},
    }
    if anonymous:
        body["sender_chat"] = chat(chat_id, "就创中心老师", forum=forum)
    if text is not None:
        body["text"] = text
        if text.startswith("/"):
            body["entities"] = [{"type": "bot_command", "offset": 0, "length": _utf16_len(text.split()[0])}]
    if thread_id is not None:
        body.update(message_thread_id=thread_id, is_topic_message=True)
        body["reply_to_message"] = reply_to or {
            "message_id": thread_id, "date": int(time.time()), "chat": chat(chat_id, "就创中心老师", forum=forum),
            "message_thread_id": thread_id, "forum_topic_created": {"name": "topic", "icon_color": 7322096},
        }
    elif reply_to is not None:
        body["reply_to_message"] = reply_to
    body.update(content)
    return {"message": body}


def message(user_id: int, chat_id: Optional[int] = None, **content: Any) -> dict[str, Any]:
    """A message update body from ``user_id`` (in their private chat unless ``chat_id``)."""
    body = {
        "message_id": next(_msg_ids),
        "date": int(time.time()),
        "chat": chat(chat_id if chat_id is not None else user_id),
        "from": user(user_id),
    }
    body.update(content)
    return body


def text_update(user_id: int, text: str, chat_id: Optional[int] = None, **extra: Any) -> dict[str, Any]:
    """``{"message": ...}`` with a ``bot_command`` entity when the text starts with ``/``,
    and ``mention`` entities for ``@username``."""
    entities = []
    if text.startswith("/"):
        length = len(text.split()[0])
        entities.append({"type": "bot_command", "offset": 0, "length": _utf16_len(text[:length])})
    start = text.find("@" + BOT_USERNAME)
    if start >= 0 and not text.startswith("/"):
        entities.append({"type": "mention", "offset": _utf16_len(text[:start]), "length": len(BOT_USERNAME) + 1})
    body = message(user_id, chat_id, text=text, **extra)
    if entities:
        body["entities"] = entities
    return {"message": body}


def callback_update(user_id: int, data: str, message_id: int = 1000, chat_id: Optional[int] = None, text: str = "…") -> dict[str, Any]:
    cid = chat_id if chat_id is not None else user_id
    return {
        "callback_query": {
            "id": str(next(_msg_ids) + 900_000),
            "from": user(user_id),
            "chat_instance": f"ci-{cid}",
            "data": data,
            "message": {
                "message_id": message_id,
                "date": int(time.time()),
                "chat": chat(cid),
                "from": {"id": BOT_ID, "is_bot": True, "first_name": "就创助手", "username": BOT_USERNAME},
                "text": text,
            },
        }
    }


def _utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


_FILE = {"file_id": "AgACAgUAAxkBAAIB", "file_unique_id": "AQADxx"}

NON_TEXT_CONTENT: dict[str, dict[str, Any]] = {
    "sticker": {"sticker": {**_FILE, "type": "regular", "width": 512, "height": 512, "is_animated": False, "is_video": False}},
    "photo": {"photo": [{**_FILE, "width": 90, "height": 90}], "caption": "这个怎么填？"},
    "voice": {"voice": {**_FILE, "duration": 3}},
    "audio": {"audio": {**_FILE, "duration": 30}},
    "video": {"video": {**_FILE, "width": 640, "height": 480, "duration": 5}},
    "video_note": {"video_note": {**_FILE, "length": 240, "duration": 5}},
    "animation": {"animation": {**_FILE, "width": 320, "height": 240, "duration": 2}},
    "document": {"document": {**_FILE, "file_name": "三方协议.pdf", "mime_type": "application/pdf"}},
    "location": {"location": {"latitude": 34.25, "longitude": 108.98}},
    "venue": {"venue": {"location": {"latitude": 34.25, "longitude": 108.98}, "title": "西安交通大学", "address": "咸宁西路28号"}},
    "contact": {"contact": {"phone_number": "+8613800000000", "first_name": "张"}},
    "poll": {"poll": {"id": "p1", "question": "去哪?", "options": [{"text": "A", "voter_count": 0}, {"text": "B", "voter_count": 0}],
                      "total_voter_count": 0, "is_closed": False, "is_anonymous": True, "type": "regular",
                      "allows_multiple_answers": False}},
    "dice": {"dice": {"emoji": "🎲", "value": 3}},
}
