"""Staff answers grow the knowledge base: a ticket's questions and staff answer as a draft.

:func:`draft_from_ticket` collects the student's question(s) (the card's question and
what the student wrote in the topic, without stand-ins for stickers and photos and without
small talk such as "好的谢谢", "ok", 👍: :func:`gradbot.handoff.questions.is_small_talk`) and
the staff answer (one chosen message, or every answer in order), masks phone and ID-card numbers, and writes a draft with the ticket's
knowledge-base topic through :func:`gradbot.knowledge.drafts.add_draft`.
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.orm import Session

from gradbot.handoff import tickets
from gradbot.handoff.card import mask_personal_numbers
from gradbot.handoff.questions import is_small_talk
from gradbot.handoff.tickets import TicketView
from gradbot.knowledge.drafts import add_draft

MAX_QUESTIONS = 5


class NothingToSave(Exception):
    """The ticket has no staff answer (or no question) to make a draft from."""


def draft_parts(session: Session, ticket: TicketView, answer_message_id: int | None = None) -> tuple[list[str], str]:
    """``(questions, answer)`` for a draft from this ticket; raises :class:`NothingToSave`."""
    student = [m.text for m in tickets.messages(session, ticket.id, ["student"])
               if m.text and not m.text.startswith("[") and not is_small_talk(m.text)]
    questions: list[str] = []
    for text in [ticket.question if not is_small_talk(ticket.question) else "", *student]:
        text = mask_personal_numbers(" ".join((text or "").split()))
        if text and text not in questions:
            questions.append(text)
    staff = tickets.messages(session, ticket.id, ["staff"])
    chosen = [m for m in staff if answer_message_id is not None and m.staff_message_id == answer_message_id]
    answers = [m.text for m in (chosen or staff) if m.text and not m.text.startswith("[")]
    if not answers or not questions:
        raise NothingToSave()
    return questions[:MAX_QUESTIONS], mask_personal_numbers("\n\n".join(answers))


def draft_from_ticket(session: Session, ticket: TicketView, policies_dir: Path,
                      answer_message_id: int | None = None) -> str:
    """Write the draft; returns its id. Raises :class:`NothingToSave` or ``DraftsError``."""
    questions, answer = draft_parts(session, ticket, answer_message_id)
    return add_draft(policies_dir, topic=ticket.kb_topic, questions=questions, answer=answer,
                     origin=f"handoff:{ticket.label}")
