"""Actions on the student's own data: case status, binding, unbinding, and asking for a human.

They stay thin and call :mod:`gradbot.cases`. The database is opened lazily (and
migrated on first use); if it fails the student gets a polite "system busy" reply and
the error is logged without student IDs or codes. A student ID typed in a message is
never looked up: only the student bound to this Telegram user is shown.
"""

from __future__ import annotations

import logging
import re
from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.payload import latest_text, send_payload, wants_english
from gradbot.logsetup import mask_name, mask_student_id, redact

log = logging.getLogger(__name__)

_LOOKS_LIKE_STUDENT_ID = re.compile(r"(?<!\d)\d{6,}(?!\d)")


def _session():
    """A session on the configured database, migrated to the newest schema on first use."""
    from gradbot.db.engine import sessions, upgrade

    upgrade()
    return sessions().begin()


def _busy(dispatcher: CollectingDispatcher, english: bool, what: str, exc: Exception) -> None:
    log.error("%s failed: %s: %s", what, type(exc).__name__, redact(str(exc).splitlines()[0] if str(exc) else "")[:300])
    dispatcher.utter_message(
        text="Sorry, the system is busy right now. Please try again in a few minutes."
        if english else "抱歉，系统繁忙，请过几分钟再试。"
    )


def _how_to_bind(english: bool) -> str:
    if english:
        return ("To see your own cases, first bind your student ID: ask the staff at the Employment Center "
                "(room 205) for a one-time binding code, then open the link they give you or send me the code "
                "(e.g. /bind followed by the code). Codes are valid for 24 hours.")
    return ("查询本人办理进度需要先绑定学号：请向就业创业中心（205 室）的老师领取一次性绑定码，"
            "然后点击老师给的链接，或把绑定码直接发给我（例如发送 /bind 加绑定码）。绑定码 24 小时内有效。")


class ActionCaseStatus(Action):
    """List the bound student's cases, or explain how to bind."""

    def name(self) -> Text:
        return "action_case_status"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[Dict[Text, Any]]:
        from gradbot.cases.binding import student_for
        from gradbot.cases.status import status_message

        english = wants_english(tracker)
        try:
            with _session() as session:
                student = student_for(session, tracker.sender_id)
                text = status_message(session, student.student_id, english) if student else None
        except Exception as exc:  # the database is down or broken: never a traceback to the student
            _busy(dispatcher, english, "case status", exc)
            send_payload(dispatcher, tracker, "case_status")
            return []
        if text is None:
            text = _how_to_bind(english)
            if _LOOKS_LIKE_STUDENT_ID.search(latest_text(tracker)):
                text += ("\nFor privacy I can't look anyone up by student ID." if english
                         else "\n为保护隐私，我不能按学号查询任何人的信息。")
        dispatcher.utter_message(text=text)
        send_payload(dispatcher, tracker, "case_status")
        return []


def _code_from(tracker: Tracker) -> str | None:
    from gradbot.cases.binding import extract_code, normalize_code

    entity = next(tracker.get_latest_entity_values("bind_code"), None)
    if entity:
        return normalize_code(entity)
    found = extract_code(latest_text(tracker))
    if found:
        return found
    slot = tracker.get_slot("bind_code")
    return normalize_code(slot) if slot else None


def _bind_reply(result, english: bool) -> str:
    if result.status == "ok":
        who = f"{mask_student_id(result.student_id)} ({mask_name(result.student_name)})" if result.student_name \
            else mask_student_id(result.student_id)
        if english:
            return (f"Done! This chat is now bound to student ID {who}. Send /status to see your cases; "
                    "I'll also tell you here when a status changes. Send /unbind to undo.")
        return (f"绑定成功！已绑定学号 {who}。发送“我的进度”或 /status 查看办理进度；"
                "进度有更新时我也会在这里通知你。发送 /unbind 可解除绑定。")
    if result.status == "wrong":
        if english:
            return (f"That code isn't right. Please check it and try again ({result.attempts_left} attempts left "
                    "this hour). A code has 8 letters and digits, like the XXXX-XXXX the staff gave you.")
        return f"绑定码不正确，请核对后重试（本小时内还可尝试 {result.attempts_left} 次）。绑定码是老师给你的 8 位字母和数字（XXXX-XXXX）。"
    if result.status == "expired":
        return ("This code has expired (codes are valid for 24 hours). Please ask the staff for a new one."
                if english else "这个绑定码已过期（有效期 24 小时），请联系老师重新领取。")
    if result.status == "used":
        return ("This code has already been used; each code works once. Ask the staff for a new one if you need to bind again."
                if english else "这个绑定码已经使用过了，每个绑定码只能用一次。如需重新绑定，请向老师领取新的绑定码。")
    minutes = result.minutes_left
    return (f"Too many wrong codes. For your security, please try again in {minutes} minutes."
            if english else f"绑定码错误次数过多，为保护账户安全，请 {minutes} 分钟后再试。")


class ActionBind(Action):
    """Bind this Telegram user to a student with a one-time code."""

    def name(self) -> Text:
        return "action_bind"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[Dict[Text, Any]]:
        from gradbot.cases.binding import bind

        english = wants_english(tracker)
        events = [SlotSet("bind_code", None)] if "bind_code" in (tracker.slots or {}) else []
        code = _code_from(tracker)
        if not code:
            dispatcher.utter_message(text=self._already_bound(tracker.sender_id, english) or _how_to_bind(english))
            send_payload(dispatcher, tracker, "bind")
            return events
        try:
            with _session() as session:
                result = bind(session, tracker.sender_id, code)
        except Exception as exc:
            _busy(dispatcher, english, "binding", exc)
            send_payload(dispatcher, tracker, "bind")
            return events
        dispatcher.utter_message(text=_bind_reply(result, english))
        send_payload(dispatcher, tracker, "bind")
        return events


    @staticmethod
    def _already_bound(sender_id: str, english: bool) -> str | None:
        """The reply for a user who is bound already (None when not bound or unknown)."""
        from gradbot.cases.binding import student_for

        try:
            with _session() as session:
                student = student_for(session, sender_id)
                masked = mask_student_id(student.student_id) if student else None
        except Exception:  # the database is down: fall back to the general explanation
            log.warning("binding lookup failed", exc_info=True)
            return None
        if masked is None:
            return None
        if english:
            return f"You are already bound to student ID {masked}. Send /status for your cases, or /unbind to unbind."
        return f"你已绑定学号 {masked}。发送 /status 查看办理进度；如需更换，请先发送 /unbind 解除绑定。"


class ActionUnbind(Action):
    """End this Telegram user's binding."""

    def name(self) -> Text:
        return "action_unbind"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[Dict[Text, Any]]:
        from gradbot.cases.binding import unbind

        english = wants_english(tracker)
        try:
            with _session() as session:
                had_binding = unbind(session, tracker.sender_id)
        except Exception as exc:
            _busy(dispatcher, english, "unbinding", exc)
            send_payload(dispatcher, tracker, "bind")
            return []
        if had_binding:
            text = ("Unbound. You won't get status notifications here any more; ask the staff for a new code to bind again."
                    if english else "已解除绑定，之后不会再收到进度通知。如需重新绑定，请向老师领取新的绑定码。")
        else:
            text = "This chat isn't bound to a student ID." if english else "你目前没有绑定学号。"
        dispatcher.utter_message(text=text)
        send_payload(dispatcher, tracker, "bind")
        return []


def _question_for_staff(tracker: Tracker) -> str:
    """The student's latest real message (not a /command) for the staff to read."""
    for event in reversed(tracker.events or []):
        if event.get("event") == "user":
            text = str(event.get("text") or "")
            if text and not text.startswith("/"):
                return text
    text = latest_text(tracker)
    return "" if text.startswith("/") else text


class ActionHandoff(Action):
    """Record a request for a human and give the office that handles this student."""

    def name(self) -> Text:
        return "action_handoff"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[Dict[Text, Any]]:
        from gradbot.cases.binding import student_for
        from gradbot.cases.catalog import load_catalog
        from gradbot.knowledge.contacts import format_contact
        from gradbot.reporting.conversation_log import scrub
        from gradbot.db.models import HandoffRequest

        english = wants_english(tracker)
        catalog = load_catalog()
        try:
            with _session() as session:
                student = student_for(session, tracker.sender_id)
                level = student.level if student else None
                session.add(HandoffRequest(
                    telegram_user_id=str(tracker.sender_id), student_id=student.student_id if student else None,
                    level=level, text=scrub(_question_for_staff(tracker))[:2000],
                ))
        except Exception as exc:
            _busy(dispatcher, english, "handoff", exc)
            dispatcher.utter_message(text=format_contact(catalog.handoff_default_contact, english, full=True))
            send_payload(dispatcher, tracker, "handoff")
            return []
        desk = catalog.desk_for_level(level) if student else None
        contact = format_contact(desk.contact if desk else catalog.handoff_default_contact, english, full=True)
        if english:
            who = f"Please contact {desk.desk_en or 'the office'} directly:" if desk else "Please contact the office directly:"
            text = f"I've noted your request for a person. {who}\n{contact}"
            if not desk:
                text += "\n(Once your student ID is bound I can point you to the right desk for your degree level.)"
        else:
            who = f"请直接联系{desk.desk or '办公室老师'}：" if desk else "请直接联系就业创业中心："
            text = f"已记录你的转人工请求。{who}\n{contact}"
            if not desk:
                text += "\n（绑定学号后，我可以告诉你对应学历层次的负责老师。）"
        dispatcher.utter_message(text=text)
        send_payload(dispatcher, tracker, "handoff")
        return []
