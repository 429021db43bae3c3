"""The staff inbox on Telegram: :class:`HandoffDesk` keeps each ticket's place in the
staff group (a forum topic opened by a card, or just the card in a group without topics)
and moves messages between the student's chat and that place.

* Student -> staff: ``copy_message`` into the topic, at once (the student is there).
* Staff -> student: through the outbox (:mod:`gradbot.outbox`, kind ``handoff_copy``),
  so a restart never loses or repeats a reply; :meth:`HandoffDesk.on_outcome` then marks
  the staff message delivered (a 👌 reaction, or a short reply) or reports a block.
* A topic deleted by hand ("message thread not found") is recreated with a new card that
  repeats the student's messages of the ticket so far; a
  topic closed by hand is reopened when there is something to post.
* Two requests never make two topics: the database allows one open ticket per user,
  and the topic is created under a per-ticket lock, only while the ticket has none.

State lives in the database (tickets, message links, outbox); the only memory is the
locks and the cached "does the group have topics" answer. Time comes from ``clock``
(aware UTC), so tests inject it.
"""

from __future__ import annotations

import asyncio
import logging
from collections import defaultdict
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Awaitable, Callable, Optional

from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, Message, ReactionTypeEmoji, ReplyParameters
from telegram.error import BadRequest, TelegramError

from gradbot import outbox
from gradbot.db.engine import sessions
from gradbot.handoff import card, schedule, texts, tickets
from gradbot.handoff.tickets import TicketView
from gradbot.office_hours import OfficeHours, load_office_hours
from gradbot.outbox import Outcome, OutgoingMessage, SendFailed

logger = logging.getLogger(__name__)

CALLBACK_PREFIX = "ho:"
DELIVERED_REACTION = "👌"
TICK_INTERVAL_S = 60.0
RECREATED_NOTE = "♻️ 原话题不可用（被删除），已为仍未关闭的工单重建。/ The topic was gone; recreated for this open ticket."


def utc_now() -> datetime:
    return datetime.now(timezone.utc)


def _thread_gone(exc: TelegramError) -> bool:
    text = str(exc).lower()
    return "thread not found" in text or "topic_deleted" in text or "topic deleted" in text or "topic_id_invalid" in text


def _topic_closed(exc: TelegramError) -> bool:
    return "topic_closed" in str(exc).lower()


def staff_keyboard(ticket_id: int) -> InlineKeyboardMarkup:
    """The card's buttons: claim, close, save as a draft."""
    return InlineKeyboardMarkup([[
        InlineKeyboardButton("✋ 认领 Claim", callback_data=f"{CALLBACK_PREFIX}claim:{ticket_id}"),
        InlineKeyboardButton("✅ 关闭 Close", callback_data=f"{CALLBACK_PREFIX}close:{ticket_id}"),
        InlineKeyboardButton("📝 存为草稿 FAQ", callback_data=f"{CALLBACK_PREFIX}faq:{ticket_id}"),
    ]])


def rating_keyboard(ticket_id: int) -> dict[str, Any]:
    """👍/👎 under the closing message (Telegram JSON, for the outbox)."""
    return {"inline_keyboard": [[
        {"text": texts.RATING_UP, "callback_data": f"{CALLBACK_PREFIX}rate:{ticket_id}:1"},
        {"text": texts.RATING_DOWN, "callback_data": f"{CALLBACK_PREFIX}rate:{ticket_id}:-1"},
    ]]}


def staff_name(user: Any) -> str:
    """How a staff member is named in the group (never shown to students)."""
    if user is None:
        return "?"
    return (getattr(user, "full_name", "") or getattr(user, "first_name", "") or str(user.id))[:100]


class HandoffDesk:
    """Tickets in the staff group ``staff_chat_id``; see the module docstring."""

    def __init__(self, bot: Bot, staff_chat_id: int, database_url: Optional[str], policies_dir: Optional[Path] = None,
                 *, clock: Callable[[], datetime] = utc_now,
                 office_hours: Optional[Callable[[], Optional[OfficeHours]]] = None) -> None:
        self.bot = bot
        self.chat_id = int(staff_chat_id)
        self.database_url = database_url
        self.policies_dir = policies_dir
        self.clock = clock
        self._office_hours = office_hours or (lambda: load_office_hours(policies_dir))
        self._forum: Optional[bool] = None
        self._locks: dict[int, asyncio.Lock] = defaultdict(asyncio.Lock)
        self.poke_outbox: Callable[[], None] = lambda: None
        self._ticker: Optional[asyncio.Task[None]] = None
        self._tick_lock = asyncio.Lock()  # one digest/reminder round at a time

    # --- plumbing -----------------------------------------------------------------------

    def db(self, work: Callable[..., Any], *args: Any, **kwargs: Any) -> Awaitable[Any]:
        """``work(session, *args, **kwargs)`` in one committed transaction, in a worker thread."""
        def run() -> Any:
            with sessions(self.database_url).begin() as session:
                return work(session, *args, **kwargs)
        return asyncio.to_thread(run)

    def now(self) -> datetime:
        return schedule.aware(self.clock())

    def office_hours(self) -> Optional[OfficeHours]:
        try:
            return self._office_hours()
        except Exception:  # broken settings files: behave as always open rather than fail
            logger.warning("office hours could not be read; treating the office as open", exc_info=True)
            return None

    def is_office_open(self) -> bool:
        return schedule.is_open(self.office_hours(), self.now())

    async def has_topics(self) -> bool:
        """Whether the staff group is a forum (asked once with ``getChat``)."""
        if self._forum is None:
            chat = await self.bot.get_chat(self.chat_id)
            self._forum = bool(getattr(chat, "is_forum", False))
            logger.info("staff group %s: topics %s", self.chat_id, "on" if self._forum else "off (Reply mode)")
        return self._forum

    # --- opening ----------------------------------------------------------------------------

    async def open_ticket(self, telegram_user_id: str, *, english: bool, source: str) -> tuple[TicketView, bool]:
        """The user's open ticket (opened now when there is none, with its topic and card)."""
        now = self.now()
        outside = not schedule.is_open(self.office_hours(), now)

        def work(session: Any) -> tuple[TicketView, bool]:
            from gradbot.cases.binding import student_for

            ticket = tickets.open_ticket_for(session, telegram_user_id)
            if ticket is not None:
                return ticket, False
            student = student_for(session, telegram_user_id)
            turns = card.recent_turns(session, telegram_user_id)
            topic = card.kb_topic_of(turns)
            return tickets.open_ticket(
                session, telegram_user_id, now=schedule.naive_utc(now), question=card.question_from(turns),
                subject=card.subject_for(topic, self.policies_dir), kb_topic=topic,
                student_id=student.student_id if student else None, english=english, outside_hours=outside,
            )

        ticket, created = await self.db(work)
        if created:
            note = texts.FROM_SOURCE.get(source, "")
            if outside:
                note += "\n" + texts.OPENED_NOTE_OUTSIDE.format(when_zh=self.back_text(False))
            try:
                ticket = await self.ensure_place(ticket, note=note.strip())
            except TelegramError:  # the staff group is unreachable: the ticket never existed for staff
                await self.db(tickets.discard, ticket.id)
                raise
        return ticket, created

    def back_text(self, english: bool) -> str:
        return schedule.back_text(self.office_hours(), self.now(), english)

    async def ensure_place(self, ticket: TicketView, note: str = "") -> TicketView:
        """The ticket with its topic and card in the staff group (created when missing)."""
        async with self._locks[ticket.id]:
            current = await self.db(tickets.get, ticket.id)
            forum = await self.has_topics()
            placed = current.card_message_id is not None and current.staff_chat_id == str(self.chat_id)
            if placed and (current.thread_id is not None or not forum):
                return current
            thread = current.thread_id if current.staff_chat_id == str(self.chat_id) else None
            if forum and thread is None:
                topic = await self.bot.create_forum_topic(self.chat_id, card.topic_name(current))
                thread = topic.message_thread_id
            await self.db(tickets.set_place, current.id, str(self.chat_id), thread, current.thread_id)
            current = await self.db(tickets.get, current.id)
            text = await self.db(self._card_text, current, note, forum)
            sent = await self.bot.send_message(
                self.chat_id, text, message_thread_id=thread, reply_markup=staff_keyboard(current.id),
                disable_notification=not self.is_office_open(),
            )
            await self.db(tickets.set_card, current.id, str(self.chat_id), sent.message_id, text)
            return await self.db(tickets.get, current.id)

    @staticmethod
    def _card_text(session: Any, ticket: TicketView, note: str, forum: bool) -> str:
        turns = card.recent_turns(session, ticket.telegram_user_id)
        facts = card.student_facts(session, ticket.student_id)
        earlier = [(m.created_at, m.text) for m in tickets.messages(session, ticket.id, ["student"])]
        return card.card_text(ticket, turns, facts, opened_note=note, with_topics=forum, earlier=earlier)

    # --- posting into the ticket's place -------------------------------------------------------

    async def post(self, ticket: TicketView, send: Callable[[TicketView], Awaitable[Any]], *, repair: bool = True) -> Any:
        """``send(ticket)`` into the ticket's place; a deleted topic is recreated, a closed one reopened
        (only with ``repair``: for open tickets)."""
        if repair:
            ticket = await self.ensure_place(ticket)
        for attempt in range(3):
            try:
                return await send(ticket)
            except BadRequest as exc:
                if not repair or attempt == 2 or ticket.thread_id is None:
                    raise
                if _thread_gone(exc):
                    logger.info("ticket %s: topic %s is gone; recreating it", ticket.id, ticket.thread_id)
                    await self.db(tickets.set_place, ticket.id, str(self.chat_id), None, ticket.thread_id)
                    ticket = await self.ensure_place(ticket, note=RECREATED_NOTE)
                elif _topic_closed(exc):
                    await self.bot.reopen_forum_topic(self.chat_id, ticket.thread_id)
                else:
                    raise
        raise AssertionError("unreachable")

    def _where(self, ticket: TicketView, reply_to: Optional[int] = None) -> dict[str, Any]:
        """Thread and reply target of a message about ``ticket`` (in Reply mode: a reply to its card)."""
        target = reply_to if reply_to is not None else (ticket.card_message_id if ticket.thread_id is None else None)
        return {
            "message_thread_id": ticket.thread_id,
            "reply_parameters": ReplyParameters(message_id=target, allow_sending_without_reply=True) if target else None,
        }

    async def notice(self, ticket: TicketView, text: str, *, reply_to: Optional[int] = None, quiet: bool = False) -> None:
        """A short message of the bot's in the ticket's place (best effort; logged when it fails)."""
        async def send(t: TicketView) -> Message:
            return await self.bot.send_message(self.chat_id, text, disable_notification=quiet, **self._where(t, reply_to))

        try:
            sent = await self.post(ticket, send, repair=ticket.is_open)
            await self.db(tickets.add_message, ticket.id, "notice", staff_chat_id=self.chat_id,
                          staff_message_id=sent.message_id, text=text)
        except TelegramError:
            logger.warning("ticket %s: could not post a notice in the staff group", ticket.id, exc_info=True)

    # --- student -> staff ---------------------------------------------------------------------------

    async def relay_from_student(self, ticket: TicketView, message: Message) -> bool:
        """Copy the student's message into the ticket's place; False when it could not be copied."""
        quiet = not self.is_office_open()

        async def send(t: TicketView) -> Any:
            return await self.bot.copy_message(self.chat_id, message.chat_id, message.message_id,
                                               disable_notification=quiet, **self._where(t))

        copied = await self.post(ticket, send)
        text = message.text or message.caption or _kind_of(message)
        await self.db(tickets.add_message, ticket.id, "student", staff_chat_id=self.chat_id,
                      staff_message_id=copied.message_id, student_message_id=message.message_id, text=text)
        return True

    # --- staff -> student -----------------------------------------------------------------------------

    async def answer(self, ticket: TicketView, message: Message, name: str) -> None:
        """Queue a staff message for the student (outbox: restart-safe, at most once)."""
        now = schedule.naive_utc(self.now())
        text = message.text or message.caption or _kind_of(message)

        def work(session: Any) -> None:
            outbox.enqueue(session, ticket.telegram_user_id, text, kind="handoff_copy", payload={
                "ticket_id": ticket.id, "from_chat_id": self.chat_id, "message_id": message.message_id,
            })
            tickets.add_message(session, ticket.id, "staff", now=now, staff_chat_id=self.chat_id,
                                staff_message_id=message.message_id, text=text)
            tickets.record_staff_answer(session, ticket.id, name, now)

        await self.db(work)
        self.poke_outbox()

    async def send_copy(self, message: OutgoingMessage) -> None:
        """The outbox's send function for ``handoff_copy`` rows: copy (never forward) the staff message."""
        payload = message.payload or {}
        await self.bot.copy_message(int(message.telegram_user_id), int(payload["from_chat_id"]), int(payload["message_id"]))

    async def on_outcome(self, message: OutgoingMessage, outcome: Outcome, failure: Optional[SendFailed]) -> None:
        """After a handoff row's attempt: mark the staff message delivered, or say why it was not."""
        if message.kind not in ("handoff", "handoff_copy") or outcome is Outcome.RETRY:
            return
        payload = message.payload or {}
        ticket = await self.db(tickets.get, int(payload.get("ticket_id") or 0))
        if ticket is None:
            return
        staff_message = payload.get("message_id") if message.kind == "handoff_copy" else None
        if outcome is Outcome.SENT:
            if staff_message is not None:
                await self._mark_delivered(ticket, int(staff_message))
            return
        if failure is not None and failure.recipient_blocked:
            await self.notice(ticket, texts.BLOCKED, reply_to=staff_message)
        else:
            await self.notice(ticket, texts.NOT_DELIVERED.format(reason=failure.reason[:200] if failure else outcome.value),
                              reply_to=staff_message)

    async def _mark_delivered(self, ticket: TicketView, staff_message: int) -> None:
        try:
            await self.bot.set_message_reaction(self.chat_id, staff_message, [ReactionTypeEmoji(DELIVERED_REACTION)])
        except TelegramError:  # reactions turned off in the group: a short reply instead
            await self.notice(ticket, texts.DELIVERED_MARK, reply_to=staff_message, quiet=True)

    # --- claim, close, cancel, rate -----------------------------------------------------------------

    async def claim(self, ticket: TicketView, name: str) -> None:
        holder = await self.db(tickets.claim, ticket.id, name, schedule.naive_utc(self.now()))
        if holder is None:
            await self.notice(ticket, texts.TICKET_NOT_OPEN)
            return
        if holder != name:
            await self.notice(ticket, texts.ALREADY_CLAIMED.format(name=holder))
            return
        await self.notice(ticket, texts.CLAIMED.format(name=name))
        await self._rename(ticket, "✋")

    async def close(self, ticket: TicketView, name: str, reason: str = "staff") -> bool:
        """Close the ticket, tell the student (with 👍/👎), close the topic; False when it was not open."""
        now = schedule.naive_utc(self.now())

        def work(session: Any) -> Optional[TicketView]:
            closed = tickets.close(session, ticket.id, now=now, reason=reason, by=name)
            if closed is not None:
                outbox.enqueue(session, closed.telegram_user_id, texts.CLOSED.format(label=closed.label), kind="handoff",
                               reply_markup=rating_keyboard(closed.id), payload={"ticket_id": closed.id})
            return closed

        closed = await self.db(work)
        if closed is None:
            return False
        self.poke_outbox()
        text = texts.CLOSED_BY_TOPIC.format(label=closed.label) if reason == "topic_closed" else texts.CLOSED_BY.format(name=name)
        await self.notice(closed, text)
        await self._finish_topic(closed, close_topic=reason != "topic_closed")
        return True

    async def cancel(self, ticket: TicketView) -> bool:
        """The student withdrew: close the ticket and its topic; False when it was not open."""
        closed = await self.db(tickets.close, ticket.id, now=schedule.naive_utc(self.now()), reason="student")
        if closed is None:
            return False
        await self.notice(closed, texts.CANCELLED_BY_STUDENT)
        await self._finish_topic(closed, close_topic=True)
        return True

    async def _finish_topic(self, ticket: TicketView, close_topic: bool) -> None:
        await self._rename(ticket, "✅" if ticket.status == "closed" else "↩️")
        if close_topic and ticket.thread_id is not None:
            try:
                await self.bot.close_forum_topic(self.chat_id, ticket.thread_id)
            except TelegramError as exc:  # already closed or deleted
                logger.info("ticket %s: topic not closed: %s", ticket.id, exc)

    async def _rename(self, ticket: TicketView, state: str) -> None:
        if ticket.thread_id is None:
            return
        try:
            await self.bot.edit_forum_topic(self.chat_id, ticket.thread_id, name=card.topic_name(ticket, state))
        except TelegramError as exc:  # "TOPIC_NOT_MODIFIED", deleted …: cosmetic only
            logger.info("ticket %s: topic not renamed: %s", ticket.id, exc)

    async def rate(self, ticket_id: int, telegram_user_id: str, rating: int) -> bool:
        ok = await self.db(tickets.rate, ticket_id, telegram_user_id, rating, schedule.naive_utc(self.now()))
        if ok:
            ticket = await self.db(tickets.get, ticket_id)
            await self.notice(ticket, texts.RATED.format(rating=texts.RATING_UP if rating > 0 else texts.RATING_DOWN),
                              quiet=True)
        return ok

    # --- office hours: digest and reminders ---------------------------------------------------------

    async def tick(self) -> None:
        """While the office is open: the digest of tickets opened outside hours, then reminders
        of tickets unclaimed for 30 working minutes."""
        async with self._tick_lock:
            await self._tick()

    async def _tick(self) -> None:
        hours, now = self.office_hours(), self.now()
        if not schedule.is_open(hours, now):
            return
        overnight = await self.db(tickets.undigested_outside_hours)
        if overnight:
            await self.bot.send_message(self.chat_id, schedule.digest_text(overnight))
            await self.db(tickets.mark, [t.id for t in overnight], "digested_at", schedule.naive_utc(now))
        candidates = await self.db(tickets.unclaimed_unreminded)
        for ticket, minutes in schedule.reminders_due(hours, candidates, now):
            await self.notice(ticket, texts.REMINDER.format(label=ticket.label, minutes=minutes))
            await self.db(tickets.mark, [ticket.id], "reminded_at", schedule.naive_utc(now))

    def start_ticker(self, interval_s: float = TICK_INTERVAL_S) -> None:
        if self._ticker is None:
            self._ticker = asyncio.create_task(self._tick_forever(interval_s), name="handoff-ticker")

    async def stop_ticker(self) -> None:
        task, self._ticker = self._ticker, None
        if task is not None:
            task.cancel()
            try:
                await task
            except asyncio.CancelledError:
                pass

    async def _tick_forever(self, interval_s: float) -> None:
        while True:
            try:
                await self.tick()
            except asyncio.CancelledError:
                raise
            except Exception:  # the database or Telegram is down: try again next round
                logger.warning("handoff: digest/reminder round failed", exc_info=True)
            await asyncio.sleep(interval_s)


def _kind_of(message: Message) -> str:
    """A stand-in text for a message without text, e.g. ``[photo]``."""
    for kind in ("photo", "document", "voice", "video", "audio", "sticker", "animation", "video_note", "location", "contact"):
        if getattr(message, kind, None):
            return f"[{kind}]"
    return "[message]"
