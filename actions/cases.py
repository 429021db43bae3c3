"""Actions on the student's own data: case status, binding, unbinding, and asking for a human.

They stay thin and call :mod:`gradbot.cases`. Privacy is decided first: outside a private
chat (the front end sends ``chat_type`` as message metadata) they refuse and touch no
data. The database is opened lazily (and migrated on first use); if it fails the student
gets a polite "system busy" reply and the error is logged without student IDs or codes.
A student ID typed in a message is never looked up: only the student bound to this
Telegram user is shown. What the student reads is in ``domain.yml`` (``utter_*`` and
``utter_*_en``).
"""

from __future__ import annotations

import logging
import re
from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.payload import in_private_chat, latest_text, latest_typed_text, send_payload, utter, wants_english
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
    utter(dispatcher, english, "busy")


def _refused_outside_private_chat(dispatcher: CollectingDispatcher, tracker: Tracker, outcome: str) -> bool:
    """True (after saying so) when this is not a private chat: personal matters are not handled in groups."""
    if in_private_chat(tracker):
        return False
    utter(dispatcher, wants_english(tracker), "private_chat_only")
    send_payload(dispatcher, tracker, outcome)
    return True


class ActionCaseStatus(Action):
    """List the bound student's cases, or explain how to bind."""

    def name(self) -> Text:
        return "action_case_status"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[Dict[Text, Any]]:
        from gradbot.cases.binding import student_for
        from gradbot.cases.status import status_message

        if _refused_outside_private_chat(dispatcher, tracker, "case_status"):
            return []
        english = wants_english(tracker)
        try:
            with _session() as session:
                student = student_for(session, tracker.sender_id)
                text = status_message(session, student.student_id, english) if student else None
        except Exception as exc:  # the database is down or broken: never a traceback to the student
            _busy(dispatcher, english, "case status", exc)
            send_payload(dispatcher, tracker, "case_status")
            return []
        if text is not None:
            dispatcher.utter_message(text=text)
        elif _LOOKS_LIKE_STUDENT_ID.search(latest_text(tracker)):
            utter(dispatcher, english, "how_to_bind_no_lookup")
        else:
            utter(dispatcher, english, "how_to_bind")
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


def _say_bind_result(dispatcher: CollectingDispatcher, result, english: bool) -> None:
    if result.status == "ok":
        who = f"{mask_student_id(result.student_id)} ({mask_name(result.student_name)})" if result.student_name \
            else mask_student_id(result.student_id)
        utter(dispatcher, english, "bind_ok", who=who)
    elif result.status == "wrong":
        utter(dispatcher, english, "bind_wrong", attempts_left=result.attempts_left)
    elif result.status in ("expired", "used"):
        utter(dispatcher, english, f"bind_{result.status}")
    else:
        utter(dispatcher, english, "bind_locked_out", minutes=result.minutes_left)


class ActionBind(Action):
    """Bind this Telegram user to a student with a one-time code."""

    def name(self) -> Text:
        return "action_bind"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[Dict[Text, Any]]:
        from gradbot.cases.binding import bind

        events = [SlotSet("bind_code", None)] if "bind_code" in (tracker.slots or {}) else []
        if _refused_outside_private_chat(dispatcher, tracker, "bind"):
            return events
        english = wants_english(tracker)
        code = _code_from(tracker)
        if not code:
            masked = self._bound_student(tracker.sender_id)
            if masked:
                utter(dispatcher, english, "already_bound", who=masked)
            else:
                utter(dispatcher, english, "how_to_bind")
            send_payload(dispatcher, tracker, "bind")
            return events
        try:
            with _session() as session:
                result = bind(session, tracker.sender_id, code)
        except Exception as exc:
            _busy(dispatcher, english, "binding", exc)
            send_payload(dispatcher, tracker, "bind")
            return events
        _say_bind_result(dispatcher, result, english)
        send_payload(dispatcher, tracker, "bind")
        return events

    @staticmethod
    def _bound_student(sender_id: str) -> str | None:
        """The masked student ID the user is bound to (None when not bound, or the database is down)."""
        from gradbot.cases.binding import student_for

        try:
            with _session() as session:
                student = student_for(session, sender_id)
                return mask_student_id(student.student_id) if student else None
        except Exception:  # the database is down: fall back to the general explanation
            log.warning("binding lookup failed", exc_info=True)
            return None


class ActionUnbind(Action):
    """End this Telegram user's binding."""

    def name(self) -> Text:
        return "action_unbind"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[Dict[Text, Any]]:
        from gradbot.cases.binding import unbind

        if _refused_outside_private_chat(dispatcher, tracker, "bind"):
            return []
        english = wants_english(tracker)
        try:
            with _session() as session:
                had_binding = unbind(session, tracker.sender_id)
        except Exception as exc:
            _busy(dispatcher, english, "unbinding", exc)
            send_payload(dispatcher, tracker, "bind")
            return []
        utter(dispatcher, english, "unbound" if had_binding else "not_bound")
        send_payload(dispatcher, tracker, "bind")
        return []


def _question_for_staff(tracker: Tracker) -> str:
    """The student's latest real message (not a /command) for the staff to read."""
    return latest_typed_text(tracker)


class ActionHandoff(Action):
    """Record a request for a human and give the office that handles this student."""

    def name(self) -> Text:
        return "action_handoff"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[Dict[Text, Any]]:
        from gradbot.cases.binding import student_for
        from gradbot.cases.catalog import load_catalog
        from gradbot.db.models import HandoffRequest
        from gradbot.knowledge.contacts import format_contact
        from gradbot.reporting.conversation_log import scrub

        if _refused_outside_private_chat(dispatcher, tracker, "handoff"):
            return []
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
        desk_name = (desk.desk_en if english else desk.desk) if desk else ""
        if desk is None:
            utter(dispatcher, english, "handoff_not_bound", contact=contact)
        elif desk_name:
            utter(dispatcher, english, "handoff_desk", desk=desk_name, contact=contact)
        else:
            utter(dispatcher, english, "handoff_office", contact=contact)
        send_payload(dispatcher, tracker, "handoff")
        return []
