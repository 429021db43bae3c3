"""Telegram update handlers: each turns one kind of update into a Rasa message or a fixed reply.

The routing (which handler gets which update) is in :func:`bot.app._add_handlers`. Decisions:

* Private chats: every text goes to Rasa with sender = the Telegram user id, and the chat
  type as message metadata (``{"chat_type": "private"}``).
* Groups: the bot answers only when @mentioned or when a message replies to it. Personal
  commands (/status, /bind, /unbind, /human, /start CODE) are routed by chat-type filters
  to a pointer to the private chat; free text goes to Rasa with the group's chat type, so
  the personal actions refuse before touching any data, and the bot shows the pointer
  instead of their reply. Non-text messages in groups are ignored.
* Edited messages: an edited text is answered as a new question, as a reply to the edited
  message so the student sees which version was answered; edits of non-text messages
  (e.g. live-location updates) are ignored.
* Stickers, photos, voice, files, locations, contacts, polls …: a short "please type".
* Texts longer than :data:`MAX_INPUT_CHARS` are cut, and the reply starts with a note.
* Rasa down or slow: "系统繁忙，请稍后再试" within ``rasa_timeout_s``; nothing is raised.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
from typing import Any, Optional

from telegram import Chat, InlineKeyboardMarkup, LinkPreviewOptions, Message, ReplyParameters, Update
from telegram.constants import ChatAction, ChatMemberStatus, ChatType, MessageEntityType
from telegram.error import BadRequest, Forbidden, NetworkError, TelegramError
from telegram.ext import ContextTypes
from telegram.helpers import create_deep_linked_url

from bot import texts
from bot.rasa_client import RasaUnavailable
from bot.replies import Button, CallbackCodec, Turn, parse_turn, split_text, without_feedback_row
from bot.services import services
from gradbot.handoff import texts as handoff_texts

logger = logging.getLogger(__name__)

MAX_INPUT_CHARS = 1000
TYPING_AFTER_S = 1.0  # show "typing…" only when Rasa takes longer than this
PRIVATE_OUTCOMES = frozenset({"case_status", "bind", "handoff"})
_NO_PREVIEW = LinkPreviewOptions(is_disabled=True)


# --- commands ---------------------------------------------------------------------------


async def note_reachable(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Every update, before the others (group -1): a user who writes or presses a button in
    their private chat has not blocked the bot, so their notifications resume."""
    user, chat = update.effective_user, update.effective_chat
    if user is None or chat is None or not _is_private(chat) or update.my_chat_member is not None:
        return
    await services(context).store.mark_reachable(str(user.id))


async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """``/start`` -> welcome."""
    message = update.effective_message
    if message is not None:
        await send_text(context, message.chat, texts.WELCOME, reply_to=_group_reply_to(message))


async def start_deep_link(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """``/start <code>`` in a private chat (the link staff hand out) -> bind with that code."""
    await relay(update, context, bind_trigger(context.args[0].strip()), shown_text="/start <code>")


async def private_chat_only(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A personal command outside a private chat: nothing is done, a pointer to the private chat is shown."""
    message = update.effective_message
    if message is not None:
        await _redirect_to_private(context, message)


async def help_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    message = update.effective_message
    if message is not None:
        await send_text(context, message.chat, texts.HELP, reply_to=_group_reply_to(message))


async def status(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """``/status`` (private chats) -> the student's cases."""
    await relay(update, context, "/case_status", shown_text="/status")


async def bind(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """``/bind`` -> ``/bind`` (the action explains); ``/bind CODE`` -> bind with CODE (private chats)."""
    code = " ".join(context.args or []).strip()  # "K7PQ M2XA" typed with a space is one code
    trigger = bind_trigger(code) if code else "/bind"
    await relay(update, context, trigger, shown_text="/bind <code>" if code else "/bind")


async def unbind(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """``/unbind`` (private chats)."""
    await relay(update, context, "/unbind", shown_text="/unbind")


async def human(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """``/human`` (private chats) -> the handoff action."""
    await relay(update, context, "/handoff", shown_text="/human")


async def unknown_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A command the bot does not have (or a hand-typed Rasa trigger): show the help."""
    message = update.effective_message
    if message is None or not _is_addressed(message, context):
        return
    await send_text(context, message.chat, texts.HELP, reply_to=_group_reply_to(message))


def bind_trigger(code: str) -> str:
    """``/bind{"bind_code":"<code>"}`` with the code JSON-escaped."""
    return "/bind" + json.dumps({"bind_code": code}, ensure_ascii=False, separators=(",", ":"))


# --- messages -----------------------------------------------------------------------------


async def text_message(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A student's text (new or edited): relay it to Rasa and send back the replies."""
    message = update.effective_message
    if message is None or not message.text:
        return
    if not _is_addressed(message, context):
        return
    text = _strip_mention(message.text, _bot_username(context)).strip()
    if not text:
        await send_text(context, message.chat, texts.HELP, reply_to=_group_reply_to(message))
        return
    text = text.lstrip("/").strip() or text  # free text is never a Rasa intent trigger
    note = None
    if len(text) > MAX_INPUT_CHARS:
        text = text[:MAX_INPUT_CHARS]
        note = texts.TOO_LONG_NOTE.format(limit=MAX_INPUT_CHARS)
    reply_to = message.message_id if (update.edited_message is not None or not _is_private(message.chat)) else None
    await relay(update, context, text, shown_text=text, note=note, reply_to=reply_to)


async def non_text_message(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Stickers, photos, voice, files, locations, contacts, polls …: ask for text."""
    message = update.effective_message
    if message is None or update.edited_message is not None:
        return  # e.g. live-location updates arrive as edits: stay quiet
    if not _is_private(message.chat):
        return
    await send_text(context, message.chat, texts.NON_TEXT)


async def feedback_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A 👍/👎 press (``fb:<log id>:up|down``): stored, and the buttons removed.

    After a 👎 in a private chat the student is told not to act on that answer and offered a
    person (a button that starts the handoff): a wrong answer must not be the end of the road.
    """
    query = update.callback_query
    feedback = CallbackCodec.parse_feedback(query.data if query and isinstance(query.data, str) else "")
    if query is None or feedback is None:
        return
    log_id, helpful = feedback
    await services(context).store.set_feedback(log_id, helpful)
    await _answer_query(query, texts.FEEDBACK_THANKS)
    message = query.message
    if isinstance(message, Message):
        try:
            await query.edit_message_reply_markup(reply_markup=without_feedback_row(message.reply_markup))
        except TelegramError as exc:  # e.g. "message is not modified", or too old
            logger.debug("could not remove the feedback buttons: %s", exc)
    chat = update.effective_chat
    if not helpful and chat is not None and _is_private(chat):
        markup = services(context).codec.keyboard([Button(handoff_texts.OFFER_STAFF_BUTTON, "/handoff")])
        await send_text(context, chat, texts.FEEDBACK_SORRY, markup=markup)


async def rasa_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A button that stands for a Rasa payload: sent to Rasa (personal ones only in a private chat)."""
    query, chat = update.callback_query, update.effective_chat
    if query is None:
        return
    payload = services(context).codec.decode(query.data if isinstance(query.data, str) else "")
    if payload is None:
        await _answer_query(query, texts.BUTTON_EXPIRED)
        return
    await _answer_query(query, None)
    if chat is None:
        return
    if not _is_private(chat) and _is_personal_payload(payload):
        await send_text(context, chat, texts.GROUP_PRIVATE_ONLY.format(link=_private_link(context)))
        return
    await relay(update, context, payload, shown_text=payload)


async def unknown_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Any other press (an old or foreign button): "this button has expired"."""
    if update.callback_query is not None:
        await _answer_query(update.callback_query, texts.BUTTON_EXPIRED)


async def my_chat_member(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A student blocked (``kicked``) or unblocked the bot in their private chat: keep
    ``telegram_bindings.blocked`` in step so the outbox skips or resumes them."""
    change = update.my_chat_member
    if change is None or change.chat.type != ChatType.PRIVATE:
        return
    status = change.new_chat_member.status
    if status in (ChatMemberStatus.BANNED, ChatMemberStatus.LEFT):
        await services(context).store.set_blocked(str(change.from_user.id), True)
    elif status == ChatMemberStatus.MEMBER:
        await services(context).store.set_blocked(str(change.from_user.id), False)


# --- relaying to Rasa ---------------------------------------------------------------------


async def relay(
    update: Update,
    context: ContextTypes.DEFAULT_TYPE,
    rasa_text: str,
    *,
    shown_text: str,
    note: Optional[str] = None,
    reply_to: Optional[int] = None,
) -> None:
    """Send ``rasa_text`` to Rasa as the update's user; send every reply to the chat; log the turn."""
    user, chat = update.effective_user, update.effective_chat
    if user is None or chat is None:
        return
    svc = services(context)
    sender = str(user.id)
    svc.stats["turns"] += 1
    typing = asyncio.create_task(_typing_after(context, chat.id, TYPING_AFTER_S))
    try:
        raw = await svc.rasa.send(sender, rasa_text, metadata={"chat_type": str(chat.type)})
    except RasaUnavailable as exc:
        svc.stats["rasa_unavailable"] += 1
        logger.warning("Rasa unavailable, told the student to retry: %s", exc)
        await svc.store.log_message(sender, shown_text, {}, outcome="error")
        await send_text(context, chat, _with_note(texts.BUSY, note), reply_to=reply_to)
        return
    finally:
        typing.cancel()
    turn = parse_turn(raw)
    if not _is_private(chat) and turn.outcome in PRIVATE_OUTCOMES:
        await send_text(context, chat, texts.GROUP_PRIVATE_ONLY.format(link=_private_link(context)), reply_to=reply_to)
        return
    log_id = await svc.store.log_message(sender, shown_text, turn.gradbot)
    if svc.after_turn is not None and _is_private(chat):
        turn = await svc.after_turn(update, context, turn)
        if turn is None:
            return
    await send_turn(context, chat, turn, log_id=log_id, note=note, reply_to=reply_to)


async def send_turn(
    context: ContextTypes.DEFAULT_TYPE,
    chat: Chat,
    turn: Turn,
    *,
    log_id: Optional[int],
    note: Optional[str] = None,
    reply_to: Optional[int] = None,
) -> None:
    """Send a Rasa turn: texts split to fit, buttons as an inline keyboard, 👍/👎 under FAQ answers."""
    codec = services(context).codec
    if not turn.messages:
        await send_text(context, chat, _with_note(texts.NO_ANSWER, note), reply_to=reply_to)
        return
    feedback_id = log_id if turn.outcome == "faq" else None
    last = len(turn.messages) - 1
    for index, outgoing in enumerate(turn.messages):
        text = outgoing.text.strip() or "请选择 / Please choose:"
        if index == 0:
            text = _with_note(text, note)
        markup = codec.keyboard(outgoing.buttons, feedback_id if index == last else None)
        await send_text(context, chat, text, markup=markup, reply_to=reply_to if index == 0 else None)


async def send_text(
    context: ContextTypes.DEFAULT_TYPE,
    chat: Chat,
    text: str,
    *,
    markup: Optional[InlineKeyboardMarkup] = None,
    reply_to: Optional[int] = None,
) -> None:
    """Send ``text`` (split at paragraph boundaries when long; the keyboard on the last part)."""
    chunks = split_text(text) or ["…"]
    for index, chunk in enumerate(chunks):
        is_last = index == len(chunks) - 1
        await context.bot.send_message(
            chat_id=chat.id,
            text=chunk,
            reply_markup=markup if is_last else None,
            reply_parameters=ReplyParameters(message_id=reply_to, allow_sending_without_reply=True)
            if (reply_to is not None and index == 0)
            else None,
            link_preview_options=_NO_PREVIEW,
        )


# --- errors -------------------------------------------------------------------------------


async def error_handler(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Log every handler error; tell the student once, if there is a chat to tell."""
    error = context.error
    if isinstance(error, Forbidden):
        logger.info("cannot message a chat (blocked or kicked): %s", error)
        return
    if update is None and isinstance(error, NetworkError):  # polling: PTB retries with back-off
        logger.warning("the Bot API is not reachable, retrying: %s", error)
        return
    logger.error("error while handling an update", exc_info=error)
    if isinstance(update, Update) and update.effective_chat is not None and not isinstance(error, BadRequest):
        try:
            await context.bot.send_message(chat_id=update.effective_chat.id, text=texts.BUSY)
        except Exception:  # never raise from the error handler
            logger.debug("could not send the error notice", exc_info=True)


async def overflow_notice(update: Update, application: Any) -> None:
    """Sent once per burst to a chat whose queue is full (see :mod:`bot.ordering`)."""
    if update.effective_chat is not None and update.effective_chat.type == ChatType.PRIVATE:
        await application.bot.send_message(chat_id=update.effective_chat.id, text=texts.FLOODING)


# --- helpers ------------------------------------------------------------------------------


def _is_private(chat: Chat) -> bool:
    return chat.type == ChatType.PRIVATE


def _bot_username(context: ContextTypes.DEFAULT_TYPE) -> str:
    try:
        name = context.bot.username
    except RuntimeError:  # bot not initialised (tests)
        name = None
    return name or services(context).bot_username


def _is_addressed(message: Message, context: ContextTypes.DEFAULT_TYPE) -> bool:
    """In private chats always; in groups only when @mentioned or replying to the bot."""
    if _is_private(message.chat):
        return True
    if message.reply_to_message is not None and message.reply_to_message.from_user is not None:
        if message.reply_to_message.from_user.id == context.bot.id:
            return True
    username = _bot_username(context).lower()
    for entity, value in message.parse_entities(
        [MessageEntityType.MENTION, MessageEntityType.TEXT_MENTION, MessageEntityType.BOT_COMMAND]
    ).items():
        if entity.type == MessageEntityType.TEXT_MENTION and entity.user is not None and entity.user.id == context.bot.id:
            return True
        if entity.type == MessageEntityType.MENTION and username and value.lower() == "@" + username:
            return True
        if entity.type == MessageEntityType.BOT_COMMAND and username and value.lower().endswith("@" + username):
            return True
    return False


def _strip_mention(text: str, username: str) -> str:
    if not username:
        return text
    return re.sub(r"@" + re.escape(username) + r"\b", " ", text, flags=re.IGNORECASE)


def _group_reply_to(message: Message) -> Optional[int]:
    return None if _is_private(message.chat) else message.message_id


def _private_link(context: ContextTypes.DEFAULT_TYPE) -> str:
    username = _bot_username(context)
    return create_deep_linked_url(username) if username else "@bot"


async def _redirect_to_private(context: ContextTypes.DEFAULT_TYPE, message: Message) -> None:
    await send_text(
        context, message.chat, texts.GROUP_PRIVATE_ONLY.format(link=_private_link(context)), reply_to=message.message_id
    )


def _is_personal_payload(payload: str) -> bool:
    return payload.startswith(("/case_status", "/bind", "/unbind", "/handoff"))


def _with_note(text: str, note: Optional[str]) -> str:
    return f"{note}\n\n{text}" if note else text


async def _answer_query(query: Any, text: Optional[str]) -> None:
    try:
        await query.answer(text=text)
    except TelegramError as exc:  # too old, or already answered: not worth failing the press
        logger.debug("could not answer a callback query: %s", exc)


async def _typing_after(context: ContextTypes.DEFAULT_TYPE, chat_id: int, delay_s: float) -> None:
    try:
        await asyncio.sleep(delay_s)
        await context.bot.send_chat_action(chat_id=chat_id, action=ChatAction.TYPING)
    except asyncio.CancelledError:
        raise
    except Exception:  # cosmetic only
        logger.debug("typing indicator failed", exc_info=True)
