"""Students' own controls in Telegram: ``/settings`` (inline buttons: reminders on/off,
status notifications on/off, language of pushed messages), ``/mute`` (reminders off), the
campaign button (records the press, then answers the entry) and the Telegram client's
language, remembered for pushed messages.

Preferences are per student (:mod:`gradbot.preferences`): a chat that is not bound is told
to bind first, since nothing is pushed to it anyway. Personal settings are private: in a
group the student is sent to the private chat.
"""

from __future__ import annotations

import asyncio
import json
import logging
from typing import Any, Optional

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.constants import ChatType
from telegram.error import TelegramError
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, ContextTypes, TypeHandler, filters

from bot import handlers
from bot.services import services
from gradbot import preferences
from gradbot.campaigns.message import CALLBACK_PREFIX as CAMPAIGN_PREFIX
from gradbot.preferences import Preferences

logger = logging.getLogger(__name__)

PREFIX = "pref:"
COMMANDS: tuple[tuple[str, str], ...] = (
    ("settings", "推送设置：提醒、进度通知"),
    ("mute", "不再接收提醒"),
)
NOT_BOUND = ("推送设置跟随学号：请先用 /bind 绑定学号。\n"
             "Notification settings belong to your student ID: bind it first with /bind.")
MUTED = ("好的，你将不再收到就业创业中心的提醒。办理进度通知不受影响；可随时在 /settings 中重新打开。\n"
         "Done: you will no longer get reminders from the center. Case status notifications are unchanged; "
         "turn reminders back on any time in /settings.")
SAVE_FAILED = "设置暂时无法保存，请稍后再试。/ Your setting could not be saved; please try again shortly."
_ON_OFF = {True: ("开", "on"), False: ("关", "off")}


def settings_text(prefs: Preferences) -> str:
    """The /settings message: every setting and its state, Chinese then English."""
    rem, st = _ON_OFF[prefs.reminders], _ON_OFF[prefs.status_notifications]
    english = prefs.effective_language == "en"
    return ("推送设置 / Notification settings\n"
            f"• 就业创业中心提醒：{rem[0]}  / Reminders: {rem[1]}\n"
            f"• 办理进度通知：{st[0]}  / Case status notifications: {st[1]}\n"
            f"• 推送语言：{'English' if english else '中文'}  / Language: {'English' if english else 'Chinese'}\n"
            "点下面的按钮修改。/ Tap a button to change.")


def settings_markup(prefs: Preferences) -> InlineKeyboardMarkup:
    """One button per setting, each switching it to the other state."""
    def toggle(name: str, on: bool, zh: str, en: str) -> InlineKeyboardButton:
        verb = ("关闭", "off") if on else ("打开", "on")
        return InlineKeyboardButton(f"{verb[0]}{zh} / {en} {verb[1]}", callback_data=f"{PREFIX}{name}:{'off' if on else 'on'}")

    other = "zh" if prefs.effective_language == "en" else "en"
    return InlineKeyboardMarkup([
        [toggle("reminders", prefs.reminders, "提醒", "Reminders")],
        [toggle("status_notifications", prefs.status_notifications, "进度通知", "Status notifications")],
        [InlineKeyboardButton("推送改用中文" if other == "zh" else "Send me English", callback_data=f"{PREFIX}language:{other}")],
    ])


def parse_callback(data: str) -> Optional[tuple[str, Any]]:
    """``pref:reminders:off`` -> ("reminders", False); ``pref:language:en`` -> ("language", "en"); None if malformed."""
    parts = data.split(":")
    if len(parts) != 3 or parts[0] + ":" != PREFIX:
        return None
    name, value = parts[1], parts[2]
    if name in preferences.SETTINGS and value in ("on", "off"):
        return name, value == "on"
    if name == "language" and value in ("zh", "en"):
        return name, value
    return None


# --- database work (in a worker thread) -------------------------------------------------

def _database_url(context: ContextTypes.DEFAULT_TYPE) -> Optional[str]:
    svc = services(context)
    return svc.database_url if svc.use_database else None


def _change_sync(url: Optional[str], telegram_user_id: str, changes: dict[str, Any]) -> Optional[Preferences]:
    """The bound student's preferences after ``changes`` (none: just read); None when the chat is not bound."""
    from gradbot.cases.binding import student_for
    from gradbot.db.engine import sessions

    with sessions(url).begin() as session:
        student = student_for(session, telegram_user_id)
        if student is None:
            return None
        if changes:
            return preferences.update(session, student.student_id, **changes)
        return preferences.get(session, student.student_id)


async def _change(context: ContextTypes.DEFAULT_TYPE, user_id: int, **changes: Any) -> Optional[Preferences]:
    return await asyncio.to_thread(_change_sync, _database_url(context), str(user_id), changes)


# --- handlers ----------------------------------------------------------------------------

async def _private_user(update: Update, context: ContextTypes.DEFAULT_TYPE) -> Optional[int]:
    """The user id when this is a private chat; in a group, point to the private chat and return None."""
    message, user = update.effective_message, update.effective_user
    if message is None or user is None:
        return None
    if message.chat.type != ChatType.PRIVATE:
        await handlers._redirect_to_private(context, message)
        return None
    return user.id


async def _command(update: Update, context: ContextTypes.DEFAULT_TYPE, **changes: Any) -> Optional[Preferences]:
    """Apply ``changes`` (none: read) for the private chat's student; tells the student when the chat
    is not bound or the database failed, and returns the preferences only when it worked."""
    user_id = await _private_user(update, context)
    if user_id is None:
        return None
    try:
        prefs = await _change(context, user_id, **changes)
    except Exception:
        logger.warning("could not read or save preferences", exc_info=True)
        await handlers.send_text(context, update.effective_chat, SAVE_FAILED)
        return None
    if prefs is None:
        await handlers.send_text(context, update.effective_chat, NOT_BOUND)
    return prefs


async def settings_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """``/settings``: the current settings with buttons to change them."""
    prefs = await _command(update, context)
    if prefs is not None:
        await handlers.send_text(context, update.effective_chat, settings_text(prefs), markup=settings_markup(prefs))


async def mute_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """``/mute``: reminders off (status notifications unchanged)."""
    if await _command(update, context, reminders=False) is not None:
        await handlers.send_text(context, update.effective_chat, MUTED)


async def settings_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A /settings button: change the setting, then redraw the message with the new state."""
    query, user = update.callback_query, update.effective_user
    if query is None or user is None:
        return
    parsed = parse_callback(query.data if isinstance(query.data, str) else "")
    if parsed is None:
        await handlers._answer_query(query, handlers.texts.BUTTON_EXPIRED)
        return
    name, value = parsed
    try:
        prefs = await _change(context, user.id, **{name: value})
    except Exception:
        logger.warning("could not save a setting", exc_info=True)
        await handlers._answer_query(query, SAVE_FAILED)
        return
    if prefs is None:
        await handlers._answer_query(query, NOT_BOUND)
        return
    await handlers._answer_query(query, "已保存 / Saved")
    try:
        await query.edit_message_text(settings_text(prefs), reply_markup=settings_markup(prefs))
    except TelegramError as exc:  # "message is not modified" after a double tap, or too old
        logger.debug("could not redraw the settings: %s", exc)


def _press_sync(url: Optional[str], campaign_id: int, telegram_user_id: str) -> Optional[str]:
    from gradbot.campaigns.delivery import record_press
    from gradbot.db.engine import sessions

    with sessions(url).begin() as session:
        return record_press(session, campaign_id, telegram_user_id)


async def campaign_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """The button under a reminder: remember the press, then answer its knowledge-base entry."""
    query, user = update.callback_query, update.effective_user
    if query is None or user is None:
        return
    data = query.data if isinstance(query.data, str) else ""
    try:
        entry_id = await asyncio.to_thread(_press_sync, _database_url(context), int(data[len(CAMPAIGN_PREFIX):]), str(user.id))
    except Exception:
        logger.warning("could not record a campaign button press", exc_info=True)
        entry_id = None
    if not entry_id:
        await handlers._answer_query(query, handlers.texts.BUTTON_EXPIRED)
        return
    await handlers._answer_query(query, None)
    trigger = "/choose_faq" + json.dumps({"faq_id": entry_id}, separators=(",", ":"))
    await handlers.relay(update, context, trigger, shown_text=trigger)


# --- the Telegram client's language -------------------------------------------------------

def _remember_language_sync(url: Optional[str], telegram_user_id: str, language: str) -> None:
    from gradbot.cases.binding import student_for
    from gradbot.db.engine import sessions

    with sessions(url).begin() as session:
        student = student_for(session, telegram_user_id)
        if student is not None and preferences.get(session, student.student_id).telegram_language != language:
            preferences.update(session, student.student_id, telegram_language=language)


async def remember_language(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Note the language of a private chat's Telegram client (once per user and process), in
    the background so the answer is never held up."""
    user, chat = update.effective_user, update.effective_chat
    if user is None or chat is None or chat.type != ChatType.PRIVATE or not _database_url(context):
        return
    language = preferences.telegram_language(user.language_code)
    seen = services(context).telegram_languages
    if language is None or seen.get(user.id) == language:
        return
    seen[user.id] = language

    async def save() -> None:
        try:
            await asyncio.to_thread(_remember_language_sync, _database_url(context), str(user.id), language)
        except Exception:
            seen.pop(user.id, None)
            logger.debug("could not remember the client language", exc_info=True)

    context.application.create_task(save(), update=update)


LANGUAGE_GROUP = -3


def add_handlers(application: Application) -> None:
    """Register /settings, /mute and the buttons (before the general handlers), and the language note."""
    new = filters.UpdateType.MESSAGE
    # a group of its own (one handler per group handles an update), before the others
    application.add_handler(TypeHandler(Update, remember_language), group=LANGUAGE_GROUP)
    application.add_handler(CommandHandler("settings", settings_command, filters=new))
    application.add_handler(CommandHandler("mute", mute_command, filters=new))
    application.add_handler(CallbackQueryHandler(settings_button, pattern=f"^{PREFIX}"))
    application.add_handler(CallbackQueryHandler(campaign_button, pattern=rf"^{CAMPAIGN_PREFIX}\d+$"))
