"""``/faq`` (or the card's button) in a ticket's topic: the staff answer becomes a draft
entry (:mod:`gradbot.handoff.faq`); the reply says which draft, or why not."""

from __future__ import annotations

from typing import Optional

from bot.handoff.desk import HandoffDesk
from gradbot.handoff import texts
from gradbot.handoff.card import GENERAL_SUBJECT
from gradbot.handoff.faq import NothingToSave, draft_from_ticket
from gradbot.handoff.tickets import TicketView
from gradbot.knowledge.drafts import DraftsError
from gradbot.settings import get_settings


async def save_faq(desk: HandoffDesk, ticket: TicketView, answer_message_id: Optional[int] = None) -> str:
    """Save the draft; the notice for the topic."""
    policies_dir = desk.policies_dir or get_settings().policies_dir
    try:
        draft_id = await desk.db(draft_from_ticket, ticket, policies_dir, answer_message_id)
    except NothingToSave:
        return texts.FAQ_NOTHING
    except DraftsError as exc:
        return texts.FAQ_FAILED.format(reason=str(exc)[:300])
    return texts.FAQ_SAVED.format(draft_id=draft_id, topic=ticket.kb_topic or GENERAL_SUBJECT)
