"""``action_office_hours``: "你们周六上班吗", "国庆节上班吗", "现在有人吗" from China's calendar.

The office's hours are ``hours:`` of the ``guidance_205`` contact in ``policies/_contacts.yml``;
holidays and 调休 make-up workdays come from ``chinese-calendar`` and ``policies/_calendar.yml``
(see :mod:`gradbot.office_hours`). Both are re-read when staff edit them.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Callable, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import FollowupAction
from rasa_sdk.executor import CollectingDispatcher

from actions.payload import latest_intent, latest_text, send_payload, wants_english
from gradbot.knowledge.formatting import contact_line
from gradbot.knowledge.store import default_store as knowledge_store
from gradbot.office_hours import BEIJING, OFFICE_CONTACT, load_office_hours
from gradbot.office_hours.questions import is_about_office_hours, office_hours_answer
from gradbot.settings import get_settings

Clock = Callable[[], dt.datetime]
DOUBTFUL_CONFIDENCE = 0.6  # below this, a message without any word about hours or days is handed to action_fallback


def beijing_now() -> dt.datetime:
    """The current time in Beijing."""
    return dt.datetime.now(BEIJING)


class ActionOfficeHours(Action):
    """Say whether the office is open on the day asked about (or now), and its hours."""

    def __init__(self, clock: Clock = beijing_now) -> None:
        self.clock = clock

    def name(self) -> Text:
        return "action_office_hours"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[Dict[Text, Any]]:
        text = latest_text(tracker)
        _, confidence = latest_intent(tracker)
        if confidence < DOUBTFUL_CONFIDENCE and not text.startswith("/") and not is_about_office_hours(text):
            return [FollowupAction("action_fallback")]
        english = wants_english(tracker)
        contact = knowledge_store().snapshot().kb.contacts.get(OFFICE_CONTACT)
        hours = load_office_hours(get_settings().policies_dir)
        if hours is not None:
            answer = office_hours_answer("" if text.startswith("/") else text, self.clock(), hours, english)
        elif contact is not None and contact.hours:  # hours written as free text
            answer = f"Office hours: {contact.hours_en or contact.hours}" if english else f"办公时间：{contact.hours}"
        else:
            answer = ("The office hours have not been entered yet." if english else "办公时间还没有登记。")
        if contact is not None:
            answer += ("\n📍 Contact: " if english else "\n📍 联系：") + contact_line(contact, english)
        dispatcher.utter_message(text=answer)
        send_payload(dispatcher, tracker, "office_hours")
        return []
