"""The staff handoff on Telegram (``TELEGRAM_STAFF_CHAT_ID``): ``desk`` (tickets' places in
the staff group, relaying, delivery marks, digest and reminders), ``student`` and
``staff`` (the handlers), ``faq`` (answers as knowledge-base drafts).

:func:`install` wires it into an application: its handlers run in group -1, before the
ordinary ones, and the student's Rasa turns pass through :func:`bot.handoff.student.after_turn`.
"""

from __future__ import annotations

from typing import Any

from telegram import Update
from telegram.constants import ChatType
from telegram.ext import Application, CallbackQueryHandler, ContextTypes, MessageHandler, filters

from bot.handoff import staff, student
from bot.handoff.desk import HandoffDesk
from bot.services import of_application, services

HANDLER_GROUP = -1


def install(application: Application, staff_chat_id: int, database_url: str | None, **desk_options: Any) -> HandoffDesk:
    """Create the desk (``BotServices.handoff``) and add its handlers."""
    desk = HandoffDesk(application.bot, staff_chat_id, database_url, **desk_options)
    services = of_application(application)
    services.handoff = desk
    services.after_turn = student.after_turn
    messages = filters.UpdateType.MESSAGES
    application.add_handler(MessageHandler(filters.Chat(staff_chat_id) & messages, staff.staff_message), HANDLER_GROUP)
    application.add_handler(MessageHandler(filters.ChatType.PRIVATE & messages, student.student_message), HANDLER_GROUP)
    application.add_handler(CallbackQueryHandler(_callback), HANDLER_GROUP)
    return desk


async def _callback(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    chat = update.effective_chat
    if chat is None:
        return
    if chat.id == services(context).handoff.chat_id:
        await staff.staff_callback(update, context)
    elif chat.type == ChatType.PRIVATE:
        await student.student_callback(update, context)
