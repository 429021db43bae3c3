"""A stand-in for Rasa's REST channel on 127.0.0.1, following the reply contract in
docs/ARCHITECTURE.md (texts, buttons, and one ``{"custom": {"gradbot": ...}}`` per turn).

The scripted "brain" knows a few FAQ entries, one ambiguous question (clarification
buttons), binding with codes, case status and handoff (``/handoff``, or "找人工"/"找老师" in words). It can be stopped and restarted
on the same port (Rasa down, then back) and can be made slow (``delay_s``).
"""

from __future__ import annotations

import asyncio
import json
import re
from typing import Any, Optional

from aiohttp import web

FAQ = {
    "dispatch.agreement_stamp": ("三方协议在哪里盖章、按什么顺序", "三方协议：先由你和用人单位签字盖章，再由学院签署意见，最后到就业创业中心 205 室鉴证盖章。"),
    "dispatch.destination_registration": ("毕业去向登记怎么做", "毕业去向登记在全国高校毕业生毕业去向登记系统完成，离校前必须登记。"),
    "dispatch.report_card": ("报到证还办吗", "自 2023 年起不再发放就业报到证，由毕业去向登记代替。"),
}
VALID_CODES = {"K7PQM2XA": "2191234567"}
VALID_CODE_IN_TEXT = re.compile("|".join(f"{code[:4]}-?{code[4:]}" for code in VALID_CODES))
PERSONAL = {"/bind": "bind", "/unbind": "bind", "/case_status": "case_status", "/handoff": "handoff"}
CASES = {"2191234567": "档案转递：已寄出（2026-06-20）"}


def gradbot(outcome: str, faq_id: Optional[str] = None, **extra: Any) -> dict[str, Any]:
    return {"custom": {"gradbot": {"outcome": outcome, "faq_id": faq_id, "intent": extra.get("intent"), "confidence": 0.93, "options": extra.get("options", [])}}}


class FakeRasa:
    """``async with FakeRasa() as rasa:`` then ``RASA_URL = rasa.url``."""

    def __init__(self, delay_s: float = 0.0) -> None:
        self.delay_s = delay_s
        self.received: list[tuple[str, str]] = []
        self.metadata: list[dict[str, Any]] = []  # the metadata of each received message, in step with ``received``
        self.bindings: dict[str, str] = {}
        self.handoffs: list[str] = []  # senders whose handoff was recorded
        self.long_answer: Optional[str] = None
        self.port = 0
        self._runner: Optional[web.AppRunner] = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def start(self) -> "FakeRasa":
        app = web.Application()
        app.router.add_post("/webhooks/rest/webhook", self._webhook)
        self._runner = web.AppRunner(app, access_log=None, handle_signals=False, shutdown_timeout=0.2)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", self.port, reuse_address=True)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        return self

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> "FakeRasa":
        return await self.start()

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    async def _webhook(self, request: web.Request) -> web.Response:
        body = await request.json()
        sender, text = str(body["sender"]), str(body["message"])
        metadata = body.get("metadata") or {}
        self.received.append((sender, text))
        self.metadata.append(metadata)
        if self.delay_s:
            await asyncio.sleep(self.delay_s)
        return web.json_response(self.reply(sender, text, metadata.get("chat_type", "private")))

    def reply(self, sender: str, text: str, chat_type: str = "private") -> list[dict[str, Any]]:
        """The scripted answer (also usable directly, without HTTP).

        Like the real case actions, personal requests outside a private chat are refused
        and change nothing.
        """
        r = lambda t, **kw: {"recipient_id": sender, "text": t, **kw}  # noqa: E731
        personal = PERSONAL.get(text.split("{", 1)[0]) or ("handoff" if "转人工" in text else None)
        if chat_type != "private" and (personal or VALID_CODE_IN_TEXT.search(text)):
            return [r("为保护你的隐私，个人事项请私聊我办理。"), gradbot(personal or "bind", intent=personal or "bind")]
        if text.startswith("/choose_faq"):
            faq_id = json.loads(text[len("/choose_faq"):])["faq_id"]
            return [r(FAQ[faq_id][1]), gradbot("faq", faq_id, intent="choose_faq")]
        if text.startswith("/bind"):
            entities = json.loads(text[len("/bind"):] or "{}")
            code = entities.get("bind_code")
            if not code:
                return [r("请发送 /bind 加绑定码，例如 /bind K7PQM2XA。"), gradbot("bind", intent="bind")]
            if code in VALID_CODES:
                self.bindings[sender] = VALID_CODES[code]
                return [r("绑定成功：21******67。"), gradbot("bind", intent="bind")]
            return [r("绑定码无效或已过期。"), gradbot("bind", intent="bind")]
        if text == "/unbind":
            self.bindings.pop(sender, None)
            return [r("已解除绑定。"), gradbot("other", intent="unbind")]
        if text == "/case_status":
            if sender in self.bindings:
                return [r("你的办理进度：" + CASES[self.bindings[sender]]), gradbot("case_status", intent="case_status")]
            return [r("你还没有绑定学号，请用 /bind 加绑定码绑定。"), gradbot("case_status", intent="case_status")]
        if text == "/handoff" or "找人工" in text or "找老师" in text:
            self.handoffs.append(sender)
            return [r("请联系就业创业中心指导部（205 室）。已为你登记人工咨询。"), gradbot("handoff", intent="handoff")]
        if "盖章" in text:
            return [r(FAQ["dispatch.agreement_stamp"][1]), gradbot("faq", "dispatch.agreement_stamp", intent="ask_dispatch")]
        if "派遣" in text:
            options = ["dispatch.destination_registration", "dispatch.report_card"]
            buttons = [{"title": FAQ[o][0], "payload": '/choose_faq{"faq_id":"%s"}' % o} for o in options]
            return [r("你想问的是哪一个？", buttons=buttons), gradbot("clarify", options=options, intent="ask_dispatch")]
        if "长答案" in text and self.long_answer:
            return [r(self.long_answer), gradbot("faq", "dispatch.agreement_stamp", intent="ask_dispatch")]
        m = re.match(r"^echo (.*)$", text, re.S)
        if m:
            return [r(f"echo:{sender}:{m.group(1)}"), gradbot("other", intent="echo")]
        return [r("抱歉，我没有理解。"), gradbot("fallback", intent="nlu_fallback")]
