"""Actions that answer from the policy knowledge base (``policies/*.yml``).

``action_answer_faq`` runs for every ``ask_<topic>`` intent and for clarification
buttons (``/choose_faq{"faq_id": ...}``); ``action_fallback`` for out-of-scope and
low-confidence messages. The knowledge base is read through a hot-reloading store, so
staff edits take effect within seconds, without retraining.
"""

from __future__ import annotations

import json
import logging
from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.payload import latest_text, send_payload, wants_english
from gradbot.knowledge.answering import decide, refusal_reason, strong_match
from gradbot.knowledge.formatting import contact_block, entry_title, format_answer, topics_overview
from gradbot.knowledge.store import Snapshot
from gradbot.knowledge.store import default_store as knowledge_store

log = logging.getLogger(__name__)
TOPIC_INTENT_PREFIX = "ask_"
GENERAL_CONTACT = "guidance_205"


def topic_confidences(tracker: Tracker) -> Dict[str, float]:
    """NLU confidence per knowledge-base topic, from the intent ranking."""
    ranking = (tracker.latest_message or {}).get("intent_ranking") or []
    return {
        str(r["name"])[len(TOPIC_INTENT_PREFIX):]: float(r.get("confidence") or 0.0)
        for r in ranking
        if str(r.get("name", "")).startswith(TOPIC_INTENT_PREFIX)
    }


def previous_faq_id(tracker: Tracker) -> str | None:
    """The entry the assistant answered in the turn before the latest message, if any."""
    seen_latest_user = False
    for event in reversed(tracker.events or []):
        kind = event.get("event")
        if kind == "user":
            if seen_latest_user:
                return None
            seen_latest_user = True
        elif kind == "bot" and seen_latest_user:
            payload = ((event.get("data") or {}).get("custom") or {}).get("gradbot") or {}
            if payload.get("outcome") == "faq" and payload.get("faq_id"):
                return str(payload["faq_id"])
    return None


def choose_faq_payload(faq_id: str) -> str:
    """The button payload that asks for one entry."""
    return "/choose_faq" + json.dumps({"faq_id": faq_id}, separators=(",", ":"))


def scope_note(reason: str, english: bool) -> str:
    """Where to ask instead, for a question refused because it is another place's, school's or employer's business."""
    if reason.startswith("place:"):
        places = reason.split(":", 1)[1].replace(",", "、")
        if english:
            return (f"You asked about the rules in {places}. These rules differ from place to place; I only know the "
                    f"national rules and how it works here in Xi'an. Please check with the local authorities of {places} "
                    "(human resources and social security bureau, housing fund centre, police household registration).")
        return (f"您问的是{places}当地的规定。这类规定各地不一样，我这里只有全国通行的规定和本校（西安）的办法；"
                f"{places}的具体规定请以当地人社、公积金、公安户籍等部门的官方说明为准。")
    if reason == "other_school":
        if english:
            return "That sounds like another university's procedure. Each school has its own; please ask that school's career centre."
        return "这听起来是其他学校的流程。各校办法不同，请咨询该校的就业指导中心；本校的问题我可以回答。"
    if reason == "company_hiring":
        if english:
            return "An employer's own hiring (tests, pay, numbers) is up to that employer: please see its official recruitment notice."
        return "具体单位的笔试、薪资、名额等招聘安排由该单位决定，请以它的官方招聘公告为准。"
    return ""


def _say_no_fit(dispatcher: CollectingDispatcher, snapshot: Snapshot, english: bool, reason: str = "") -> None:
    contact = contact_block(snapshot.kb.contacts.get(GENERAL_CONTACT), english)
    if english:
        text = ("Sorry, I don't have a reliable answer to that. I can help with "
                f"{topics_overview(snapshot.kb, True)}. You can also ask the office directly, or type /human.")
    else:
        text = ("抱歉，这个问题我暂时没有把握回答，不想给您错误的信息。\n"
                f"我可以回答：{topics_overview(snapshot.kb)}。\n换个说法再问一次，或者发送 /human 转人工，也可以直接联系中心。")
    dispatcher.utter_message(text="\n\n".join(p for p in (scope_note(reason, english), text, contact) if p))


class ActionAnswerFaq(Action):
    """Answer a knowledge-base question, ask back when unsure, or admit no fit."""

    def name(self) -> Text:
        return "action_answer_faq"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[Dict[Text, Any]]:
        snapshot = knowledge_store().snapshot()
        english = wants_english(tracker)
        chosen = next(tracker.get_latest_entity_values("faq_id"), None)
        if chosen:
            entry = snapshot.kb.entries.get(str(chosen))
            if entry is None:  # a button from before an entry was removed
                _say_no_fit(dispatcher, snapshot, english)
                send_payload(dispatcher, tracker, "fallback")
                return [SlotSet("faq_id", None)]
            dispatcher.utter_message(text=format_answer(entry, snapshot.kb, english))
            send_payload(dispatcher, tracker, "faq", entry.id)
            return [SlotSet("faq_id", None)]

        decision = decide(snapshot.matcher, latest_text(tracker), topic_confidences(tracker), previous_faq_id(tracker))
        log.debug("faq decision %s: %s", decision.outcome, [(m.entry.id, round(s, 3)) for m, s in decision.scored])
        if decision.outcome == "faq" and decision.entry is not None:
            dispatcher.utter_message(text=format_answer(decision.entry, snapshot.kb, english))
            send_payload(dispatcher, tracker, "faq", decision.entry.id)
        elif decision.outcome == "clarify":
            buttons = [{"title": entry_title(e, english), "payload": choose_faq_payload(e.id)} for e in decision.options]
            buttons.append({"title": "None of these" if english else "都不是，找老师", "payload": "/handoff"})
            dispatcher.utter_message(text="Did you mean:" if english else "您是想问：", buttons=buttons)
            send_payload(dispatcher, tracker, "clarify", options=[e.id for e in decision.options])
        else:
            _say_no_fit(dispatcher, snapshot, english, decision.reason)
            send_payload(dispatcher, tracker, "fallback")
        return []


class ActionFallback(Action):
    """Politely refuse out-of-scope or unclear messages and say what the assistant covers.

    A message that closely matches one entry's own questions is answered instead (see
    :func:`gradbot.knowledge.answering.strong_match`): staff may have just added it.
    """

    def name(self) -> Text:
        return "action_fallback"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[Dict[Text, Any]]:
        snapshot = knowledge_store().snapshot()
        english = wants_english(tracker)
        text_asked = latest_text(tracker)
        if text_asked.startswith("/"):
            text_asked = ""
        entry = strong_match(snapshot.matcher, text_asked) if text_asked else None
        if entry is not None:
            dispatcher.utter_message(text=format_answer(entry, snapshot.kb, english))
            send_payload(dispatcher, tracker, "faq", entry.id)
            return []
        if english:
            text = ("Sorry, that is outside what I can help with. I answer questions about "
                    f"{topics_overview(snapshot.kb, True)}.")
        else:
            text = f"抱歉，这个问题不在我的服务范围内。我可以解答：{topics_overview(snapshot.kb)}。请换个问题试试，或发送 /human 联系老师。"
        note = scope_note(refusal_reason(snapshot.matcher, text_asked), english) if text_asked else ""
        dispatcher.utter_message(text="\n\n".join(p for p in (note, text) if p))
        send_payload(dispatcher, tracker, "fallback")
        return []
