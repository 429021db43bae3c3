"""The staff's side of the handoff: messages and buttons in the staff group.

Only the configured staff group reaches these handlers (handler group -1; the ordinary
handlers never see the group). In a group with topics a message belongs to the ticket
whose topic it is in; the General topic and topics that are not tickets are ignored. In
a group without topics a staff member answers with Reply on one of the ticket's messages;
any other message gets a one-line hint.

* ``//`` at the start: an internal note, never relayed.
* ``/claim``, ``/close``, ``/faq`` (or the card's buttons).
* Anything else is an answer: copied to the student through the outbox.
* Messages sent as an anonymous admin (``sender_chat``, the GroupAnonymousBot user) or a
  channel are refused with a notice: nobody could tell who answered.
* A topic closed by hand closes its ticket (the student is told).
"""

from __future__ import annotations

import logging
from typing import Optional

from telegram import Message, ReplyParameters, Update
from telegram.error import TelegramError
from telegram.ext import ApplicationHandlerStop, ContextTypes

from bot.handoff.desk import CALLBACK_PREFIX, HandoffDesk, staff_name
from bot.handoff.student import command_of, desk_of
from gradbot.handoff import texts, tickets
from gradbot.handoff.tickets import TicketView

logger = logging.getLogger(__name__)

ANONYMOUS_ADMIN_ID = 1087968824  # "GroupAnonymousBot": an admin posting as the group
NOTE_PREFIX = "//"


def is_anonymous(message: Message) -> bool:
    """Sent as the group (anonymous admin), as a channel, or automatically forwarded from one."""
    user = message.from_user
    return (message.sender_chat is not None or user is None or user.id == ANONYMOUS_ADMIN_ID
            or bool(message.is_automatic_forward))


async def _reply(context: ContextTypes.DEFAULT_TYPE, message: Message, text: str) -> None:
    try:
        await context.bot.send_message(
            message.chat_id, text, message_thread_id=message.message_thread_id if message.is_topic_message else None,
            reply_parameters=ReplyParameters(message_id=message.message_id, allow_sending_without_reply=True),
        )
    except TelegramError:
        logger.warning("handoff: could not answer in the staff group", exc_info=True)


async def ticket_of(desk: HandoffDesk, message: Message) -> Optional[TicketView]:
    """The ticket a staff message belongs to (see the module docstring), or None."""
    if message.is_topic_message and message.message_thread_id is not None:
        return await desk.db(tickets.by_thread, desk.chat_id, message.message_thread_id)
    if message.chat.is_forum:
        return None  # the General topic
    target = message.reply_to_message
    if target is None:
        return None
    return await desk.db(tickets.by_staff_message, desk.chat_id, target.message_id)


async def staff_message(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Every message in the staff group; the ordinary handlers never see them."""
    message = update.effective_message
    if message is None:
        raise ApplicationHandlerStop
    desk = desk_of(context)
    ticket = await ticket_of(desk, message)
    if message.forum_topic_closed is not None:
        if ticket is not None and ticket.is_open:
            await desk.close(ticket, staff_name(message.from_user), reason="topic_closed")
        raise ApplicationHandlerStop
    if _is_service(message):
        raise ApplicationHandlerStop
    if ticket is None:
        if not message.chat.is_forum and not message.is_topic_message and _worth_a_hint(message):
            await _reply(context, message, texts.REPLY_HINT)
        raise ApplicationHandlerStop
    if update.edited_message is not None:
        if await desk.db(tickets.message_kind, desk.chat_id, message.message_id) == "staff":
            await _reply(context, message, texts.EDIT_NOT_SYNCED)
        raise ApplicationHandlerStop
    if is_anonymous(message):
        await _reply(context, message, texts.ANONYMOUS_REFUSED)
        raise ApplicationHandlerStop
    text = message.text or message.caption or ""
    if text.startswith(NOTE_PREFIX):
        raise ApplicationHandlerStop  # an internal note
    command = command_of(message)
    name = staff_name(message.from_user)
    if command in ("claim", "close", "faq"):
        await run_command(desk, context, command, ticket, name, message)
        raise ApplicationHandlerStop
    if command is not None:
        raise ApplicationHandlerStop  # another bot's command or a typo: never sent to a student
    if not ticket.is_open:
        await _reply(context, message, texts.TICKET_NOT_OPEN)
        raise ApplicationHandlerStop
    await desk.answer(ticket, message, name)
    raise ApplicationHandlerStop


async def run_command(desk: HandoffDesk, context: ContextTypes.DEFAULT_TYPE, command: str, ticket: TicketView,
                      name: str, message: Optional[Message] = None) -> None:
    if command == "claim":
        await desk.claim(ticket, name)
    elif command == "close":
        if not await desk.close(ticket, name):
            await desk.notice(ticket, texts.TICKET_NOT_OPEN)
    elif command == "faq":
        from bot.handoff.faq import save_faq

        reply_to = message.reply_to_message if message is not None else None
        answer_id = reply_to.message_id if reply_to is not None and not reply_to.forum_topic_created else None
        await desk.notice(ticket, await save_faq(desk, ticket, answer_id))


async def staff_callback(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """The card's buttons (claim, close, save as a draft)."""
    query = update.callback_query
    if query is None:
        raise ApplicationHandlerStop
    data = query.data if isinstance(query.data, str) else ""
    desk = desk_of(context)
    try:
        command, ticket_id = data[len(CALLBACK_PREFIX):].split(":", 1)
        ticket = await desk.db(tickets.get, int(ticket_id)) if data.startswith(CALLBACK_PREFIX) else None
    except ValueError:
        ticket = None
    try:
        await query.answer()
    except TelegramError:
        pass
    if ticket is not None and command in ("claim", "close", "faq"):
        await run_command(desk, context, command, ticket, staff_name(query.from_user))
    raise ApplicationHandlerStop


def _is_service(message: Message) -> bool:
    """Topic events, members joining, pins …: nothing a student should get."""
    return bool(
        message.forum_topic_created or message.forum_topic_edited or message.forum_topic_reopened
        or message.general_forum_topic_hidden or message.general_forum_topic_unhidden
        or message.new_chat_members or message.left_chat_member or message.pinned_message
        or message.new_chat_title or message.new_chat_photo or message.delete_chat_photo
        or message.migrate_from_chat_id or message.migrate_to_chat_id
    )


def _worth_a_hint(message: Message) -> bool:
    """A staff member's own message (not a note, not from a bot) that went nowhere."""
    text = message.text or message.caption or ""
    user = message.from_user
    return not text.startswith(NOTE_PREFIX) and user is not None and not user.is_bot
