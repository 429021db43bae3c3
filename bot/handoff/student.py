"""The student's side of the staff handoff (private chats).

These handlers run before the ordinary ones (handler group -1) and stop them
(``ApplicationHandlerStop``) when they have dealt with the update:

* ``/human``, the "都不是，找老师" button (payload ``/handoff``) and the offered button open a
  ticket at once, without asking Rasa; asking in words reaches Rasa, whose ``handoff``
  outcome is turned into a ticket by :func:`after_turn`.
* While the student has an open ticket, every message goes to the staff (copied into the
  topic) and never to Rasa; commands other than ``/cancel`` get a one-line reminder, and old
  buttons say that a person is answering. The bot decides this from the database, so Rasa's
  conversation is not paused: nothing has to be resumed when the ticket ends, and a
  ``/restart`` can never slip past it.
* After two fallbacks in a row the reply offers a "找老师" button (not forced).
"""

from __future__ import annotations

import logging
from typing import Optional

from telegram import Message, Update
from telegram.constants import ChatType
from telegram.error import TelegramError
from telegram.ext import ApplicationHandlerStop, ContextTypes

from bot.handoff.desk import CALLBACK_PREFIX, HandoffDesk
from bot.replies import Button, CallbackCodec, Turn
from bot.services import services
from gradbot import preferences
from gradbot.handoff import card, texts, tickets
from gradbot.handoff.tickets import TicketView

logger = logging.getLogger(__name__)

HANDOFF_PAYLOAD = "/handoff"
FALLBACKS_BEFORE_OFFER = 2


def desk_of(context: ContextTypes.DEFAULT_TYPE) -> HandoffDesk:
    return services(context).handoff


def command_of(message: Message) -> Optional[str]:
    """``human`` for ``/human`` or ``/human@xjtu_career_bot …``; None for other messages."""
    text = message.text or ""
    if not text.startswith("/"):
        return None
    return text[1:].split(maxsplit=1)[0].split("@", 1)[0].lower() if len(text) > 1 else ""


def _english(update: Update) -> bool:
    user = update.effective_user
    return user is not None and preferences.reads_english(user.language_code)


async def _say(context: ContextTypes.DEFAULT_TYPE, chat_id: int, text: str) -> None:
    await context.bot.send_message(chat_id, text)


async def open_for(update: Update, context: ContextTypes.DEFAULT_TYPE, source: str) -> None:
    """Open (or join) the student's ticket and tell them where they stand."""
    user, chat = update.effective_user, update.effective_chat
    if user is None or chat is None:
        return
    desk = desk_of(context)
    try:
        ticket, created = await desk.open_ticket(str(user.id), english=_english(update), source=source)
    except TelegramError:
        logger.error("handoff: the staff group could not be reached", exc_info=True)
        await _say(context, chat.id, texts.STAFF_UNREACHABLE)
        return
    if not created:
        await _say(context, chat.id, texts.ALREADY_OPEN.format(label=ticket.label))
        return
    text = (texts.OPENED_WITH_QUESTION if ticket.question else texts.OPENED).format(label=ticket.label)
    back_zh = desk.back_text(False)
    if back_zh:
        text += "\n\n" + texts.OUTSIDE_HOURS.format(when_zh=back_zh, when_en=desk.back_text(True))
    await _say(context, chat.id, text)


async def student_message(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Every private message: ``/human``, ``/cancel``, and relaying while a ticket is open."""
    message = update.effective_message
    user = update.effective_user
    if message is None or user is None or message.chat.type != ChatType.PRIVATE:
        return
    desk = desk_of(context)
    command = command_of(message)
    if command == "human" and update.message is not None:
        await services(context).store.log_message(
            str(user.id), "/human", {"outcome": "handoff", "intent": "handoff"})
        await open_for(update, context, "command")
        raise ApplicationHandlerStop
    try:
        ticket = await desk.db(tickets.open_ticket_for, str(user.id))
    except Exception:  # the database is down: the assistant answers as it can
        logger.warning("handoff: open tickets could not be looked up", exc_info=True)
        return
    if command == "cancel" and update.message is not None:
        if ticket is None or not await desk.cancel(ticket):
            await _say(context, message.chat_id, texts.NOTHING_TO_CANCEL)
        else:
            await _say(context, message.chat_id, texts.CANCELLED.format(label=ticket.label))
        raise ApplicationHandlerStop
    if ticket is None:
        return  # the assistant answers
    if command is not None:
        await _say(context, message.chat_id, texts.COMMAND_DURING_TICKET.format(label=ticket.label))
        raise ApplicationHandlerStop
    await relay(context, ticket, message)
    raise ApplicationHandlerStop


async def relay(context: ContextTypes.DEFAULT_TYPE, ticket: TicketView, message: Message) -> None:
    """Copy one message to the staff; the student hears only when it could not be passed on."""
    desk = desk_of(context)
    try:
        await desk.relay_from_student(ticket, message)
    except TelegramError as exc:
        logger.warning("handoff: ticket %s: a student message was not copied: %s", ticket.id, exc)
        unreachable = "not enough rights" in str(exc).lower() or "chat not found" in str(exc).lower()
        await _say(context, message.chat_id, texts.STAFF_UNREACHABLE if unreachable else texts.NOT_RELAYED)


async def student_callback(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Buttons in a private chat: ratings, the "找老师" buttons, and old buttons during a ticket."""
    query = update.callback_query
    chat = update.effective_chat
    if query is None or chat is None or chat.type != ChatType.PRIVATE:
        return
    data = query.data if isinstance(query.data, str) else ""
    desk = desk_of(context)
    if data.startswith(CALLBACK_PREFIX + "rate:"):
        try:
            _, ticket_id, value = data[len(CALLBACK_PREFIX):].split(":")
            ok = await desk.rate(int(ticket_id), str(query.from_user.id), int(value))
        except ValueError:
            ok = False
        await _answer(query, texts.RATING_THANKS if ok else texts.RATING_GONE)
        if ok:
            try:
                await query.edit_message_reply_markup(reply_markup=None)
            except TelegramError:
                pass
        raise ApplicationHandlerStop
    if CallbackCodec.parse_feedback(data) is not None:
        return  # 👍/👎 on an earlier answer: stored as usual
    payload = services(context).codec.decode(data)
    ticket = await desk.db(tickets.open_ticket_for, str(query.from_user.id))
    if payload == HANDOFF_PAYLOAD:
        await _answer(query, None)
        await open_for(update, context, "button")
        raise ApplicationHandlerStop
    if ticket is not None:
        await _answer(query, texts.BUTTON_DURING_TICKET)
        raise ApplicationHandlerStop


async def _answer(query, text: Optional[str]) -> None:  # type: ignore[no-untyped-def]
    try:
        await query.answer(text=text)
    except TelegramError:
        pass


async def after_turn(update: Update, context: ContextTypes.DEFAULT_TYPE, turn: Turn) -> Optional[Turn]:
    """The hook in :func:`bot.handlers.relay` for private chats: a ``handoff`` outcome opens a
    ticket (None: nothing more to send); after two fallbacks in a row the reply offers staff."""
    if turn.outcome == "handoff":
        await open_for(update, context, "words")
        return None
    if turn.outcome == "fallback" and turn.messages and update.effective_user is not None:
        latest = await desk_of(context).db(card.recent_turns, str(update.effective_user.id), FALLBACKS_BEFORE_OFFER)
        if len(latest) == FALLBACKS_BEFORE_OFFER and all(t.outcome == "fallback" for t in latest):
            turn.messages[-1].buttons.append(Button(texts.OFFER_STAFF_BUTTON, HANDOFF_PAYLOAD))
    return turn
