"""Wiring of the Telegram bot: :func:`build_application` and :func:`run_bot`.

``run_bot(settings)`` blocks, polling Telegram, or serving a webhook when
``settings.telegram_webhook_url`` is set, and stops cleanly on SIGINT/SIGTERM.
:func:`running_bot` does the same inside an already running event loop (tests,
benchmarks). On start (``post_init``) the bot migrates the database, publishes its
command menu and starts the outbox sender and the (slower) campaign sender; on stop they
finish the message in hand.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
import threading
from contextlib import asynccontextmanager
from datetime import datetime
from typing import AsyncIterator, Callable, Optional
from urllib.parse import urlparse

from telegram import BotCommand, Update
from telegram.ext import (
    AIORateLimiter,
    Application,
    ApplicationBuilder,
    BaseRateLimiter,
    CallbackQueryHandler,
    ChatMemberHandler,
    CommandHandler,
    MessageHandler,
    TypeHandler,
    filters,
)

from bot import handlers, preferences, texts
from bot.bot_api import build_bot, is_loopback_url, wait_for_bot_api
from bot.campaign_sender import CampaignSender
from bot.ordering import PerChatUpdateProcessor
from bot.outbox_sender import OutboxSender
from bot.rasa_client import RasaClient
from bot.replies import FEEDBACK_PATTERN, RASA_BUTTON_PATTERN, CallbackCodec
from bot.services import BotServices, of_application
from bot.storage import ConversationStore
from gradbot.campaigns.schedule import QuietHours
from gradbot.settings import Settings

logger = logging.getLogger(__name__)

POLL_TIMEOUT_S = 10  # getUpdates long-poll
POLL_INTERVAL_S = 0.05  # pause between getUpdates calls: no busy loop against a Bot API that answers at once
DEFAULT_RATE_LIMITER = object()  # sentinel: AIORateLimiter with Telegram's limits
PERSONAL_COMMANDS = ("status", "bind", "unbind", "human")


def build_application(
    settings: Settings,
    rasa_client: Optional[RasaClient] = None,
    *,
    rate_limiter: object = DEFAULT_RATE_LIMITER,
    use_database: bool = True,
    outbox_interval_s: float = 2.0,
    max_concurrent_updates: int = 256,
    campaign_clock: Optional[Callable[[], datetime]] = None,
) -> Application:
    """The bot application, not started. ``rasa_client`` defaults to one for ``settings.rasa_urls``.

    ``rate_limiter`` may be a :class:`~telegram.ext.BaseRateLimiter` or None (no limiting,
    benchmarks only). With ``use_database=False`` nothing touches the database (no
    conversation log, feedback or outbox).
    """
    if not settings.telegram_token:
        raise ValueError("TELEGRAM_BOT_TOKEN is not set")
    owns_rasa = rasa_client is None
    rasa = rasa_client or RasaClient(settings.rasa_urls, settings.rasa_timeout_s)
    database_url = settings.effective_database_url
    store = ConversationStore(database_url, enabled=use_database)

    processor = PerChatUpdateProcessor(max_concurrent_updates=max_concurrent_updates)
    if rate_limiter is DEFAULT_RATE_LIMITER:
        rate_limiter = AIORateLimiter(max_retries=3)
    bot = build_bot(
        settings.telegram_token,
        settings.telegram_api_base_url,
        rate_limiter if isinstance(rate_limiter, BaseRateLimiter) else None,
    )
    application = (
        ApplicationBuilder()
        .bot(bot)
        .concurrent_updates(processor)
        .post_init(_post_init)
        .post_stop(_post_stop)
        .post_shutdown(_post_shutdown)
        .build()
    )
    processor.on_overflow = lambda update: handlers.overflow_notice(update, application)

    BotServices(
        rasa=rasa, store=store, codec=CallbackCodec(), bot_username=settings.telegram_bot_username,
        owns_rasa=owns_rasa, database_url=database_url, outbox_interval_s=outbox_interval_s,
        campaign_options=dict(  # the reminder loop (bot/campaign_sender.py)
            rate_per_s=settings.campaign_rate_per_s, quiet=QuietHours.parse(settings.campaign_quiet_hours),
            busy=lambda: processor.active_chats > 0, **({"clock": campaign_clock} if campaign_clock else {})),
    ).attach(application)
    _add_handlers(application)
    if settings.telegram_staff_chat_id is not None and use_database:
        from bot.handoff import install

        install(application, settings.telegram_staff_chat_id, database_url, policies_dir=settings.policies_dir)
    return application


SEEN_GROUP = -2


def _add_handlers(application: Application) -> None:
    new = filters.UpdateType.MESSAGE  # commands are not re-run when edited
    both = filters.UpdateType.MESSAGES  # new and edited messages (not channel posts)
    private = filters.ChatType.PRIVATE
    # the lowest group runs first for every update (one handler per group handles an update, so
    # this one has a group of its own, before the staff inbox's group -1): a user who writes
    # privately has not blocked the bot
    application.add_handler(TypeHandler(Update, handlers.note_reachable), group=SEEN_GROUP)
    preferences.add_handlers(application)  # /settings, /mute and their buttons first
    # personal matters only in a private chat; elsewhere a pointer to it, before anything is done
    application.add_handler(CommandHandler(PERSONAL_COMMANDS, handlers.private_chat_only, filters=new & ~private))
    application.add_handler(CommandHandler("start", handlers.private_chat_only, filters=new & ~private, has_args=True))
    application.add_handler(CommandHandler("start", handlers.start_deep_link, filters=new & private, has_args=True))
    application.add_handler(CommandHandler("start", handlers.start, filters=new))
    application.add_handler(CommandHandler("help", handlers.help_command, filters=new))
    application.add_handler(CommandHandler("status", handlers.status, filters=new & private))
    application.add_handler(CommandHandler("bind", handlers.bind, filters=new & private))
    application.add_handler(CommandHandler("unbind", handlers.unbind, filters=new & private))
    application.add_handler(CommandHandler("human", handlers.human, filters=new & private))
    application.add_handler(MessageHandler(new & filters.COMMAND, handlers.unknown_command))
    application.add_handler(MessageHandler(both & filters.TEXT & ~filters.COMMAND, handlers.text_message))
    application.add_handler(
        MessageHandler(both & ~filters.TEXT & ~filters.StatusUpdate.ALL, handlers.non_text_message)
    )
    application.add_handler(CallbackQueryHandler(handlers.feedback_button, pattern=FEEDBACK_PATTERN))
    application.add_handler(CallbackQueryHandler(handlers.rasa_button, pattern=RASA_BUTTON_PATTERN))
    application.add_handler(CallbackQueryHandler(handlers.unknown_button))
    application.add_handler(ChatMemberHandler(handlers.my_chat_member, ChatMemberHandler.MY_CHAT_MEMBER))
    application.add_error_handler(handlers.error_handler)


async def _post_init(application: Application) -> None:
    await wait_for_bot_api(application.bot)  # PTB's start-up retry can skip getMe
    services = of_application(application)
    if application.bot.username:
        services.bot_username = application.bot.username
    try:
        await application.bot.set_my_commands([BotCommand(name, desc) for name, desc in texts.COMMANDS + preferences.COMMANDS])
    except Exception:  # the menu is a convenience; answering matters more
        logger.warning("could not set the command menu", exc_info=True)
    if not services.use_database:
        return
    try:
        from gradbot.db.engine import upgrade

        await asyncio.to_thread(upgrade, services.database_url)
    except Exception:
        logger.error("database upgrade failed; the bot answers questions but logs and notifications may fail", exc_info=True)
    desk = services.handoff
    services.outbox_sender = OutboxSender(
        application.bot,
        services.database_url,
        interval_s=services.outbox_interval_s,
        on_blocked=services.store.forget_reachable,
        kind_senders={"handoff_copy": desk.send_copy} if desk else None,
        on_outcome=desk.on_outcome if desk else None,
    )
    services.outbox_sender.start()
    if desk is not None:
        desk.poke_outbox = services.outbox_sender.poke
        desk.start_ticker()
    services.campaign_sender = CampaignSender(application.bot, services.database_url,
                                              interval_s=services.outbox_interval_s,
                                              on_blocked=services.store.forget_reachable, **services.campaign_options)
    services.campaign_sender.start()


async def _post_stop(application: Application) -> None:
    """The bot can still send here: let the outbox finish the notification in hand."""
    services = of_application(application)
    if services.handoff is not None:
        await services.handoff.stop_ticker()
    for name in ("campaign_sender", "outbox_sender"):
        sender = getattr(services, name)
        setattr(services, name, None)
        if sender is not None:
            await sender.stop()


async def _post_shutdown(application: Application) -> None:
    await _post_stop(application)  # in case stop was skipped
    services = of_application(application)
    if services.owns_rasa:
        await services.rasa.aclose()


def webhook_options(settings: Settings) -> dict:
    """Arguments for ``Updater.start_webhook`` / ``Application.run_webhook`` from the settings.

    The local path is the path of ``TELEGRAM_WEBHOOK_URL`` (a reverse proxy forwards it
    unchanged). A loopback URL with a port (a local test) is served on that port. Without ``TELEGRAM_WEBHOOK_SECRET`` a random secret is used for this run, so
    requests that do not come from Telegram are always refused.
    """
    secret = settings.telegram_webhook_secret or secrets.token_urlsafe(32)
    url = urlparse(settings.telegram_webhook_url)
    port = settings.telegram_webhook_port
    if is_loopback_url(settings.telegram_webhook_url) and url.port and url.port != port:
        # nothing but this bot can answer a loopback URL: listen where updates will be posted
        logger.info("webhook URL is on loopback: listening on its port %s, not %s", url.port, port)
        port = url.port
    return dict(
        listen=settings.telegram_webhook_listen,
        port=port,
        url_path=url.path.lstrip("/"),
        webhook_url=settings.telegram_webhook_url,
        secret_token=secret,
        allowed_updates=Update.ALL_TYPES,
    )


def run_bot(settings: Settings, application: Optional[Application] = None) -> None:
    """Run the bot until SIGINT/SIGTERM (blocking): webhook when configured, else polling.

    ``application`` (from :func:`build_application`) lets callers change the wiring options.
    Outside the main thread no signal handlers are installed; stop it from another thread
    with ``loop.call_soon_threadsafe(application.stop_running)``.
    """
    application = application or build_application(settings)
    in_main_thread = threading.current_thread() is threading.main_thread()
    stop_signals = _stop_signals() if in_main_thread else None
    own_loop = None
    if not in_main_thread:  # PTB runs on the thread's current loop; a fresh thread has none
        own_loop = asyncio.new_event_loop()
        asyncio.set_event_loop(own_loop)
    try:
        _run(application, settings, stop_signals)
    finally:
        if own_loop is not None:
            own_loop.close()
    logger.info("Telegram bot stopped")


def _run(application: Application, settings: Settings, stop_signals: Optional[tuple]) -> None:
    if settings.telegram_webhook_url:
        options = webhook_options(settings)
        logger.info("Telegram bot: webhook on %s:%s/%s", options["listen"], options["port"], options["url_path"])
        application.run_webhook(**options, bootstrap_retries=10, stop_signals=stop_signals, close_loop=False)
    else:
        logger.info("Telegram bot: polling %s", _safe_base(settings))
        application.run_polling(
            timeout=POLL_TIMEOUT_S,
            poll_interval=POLL_INTERVAL_S,
            bootstrap_retries=10,
            allowed_updates=Update.ALL_TYPES,
            stop_signals=stop_signals,
            close_loop=False,
        )


def _stop_signals() -> tuple:
    import signal

    return (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)  # SIGHUP: the terminal of `gradbot run` was closed


@asynccontextmanager
async def running_bot(application: Application, settings: Settings, *, poll_interval_s: float = POLL_INTERVAL_S) -> AsyncIterator[Application]:
    """Start ``application`` in the running loop (polling or webhook per ``settings``); stop on exit.

    The same sequence as :func:`run_bot`, for callers that own the event loop.
    """
    await application.initialize()
    try:
        await _post_init(application)
        updater = application.updater
        assert updater is not None
        if settings.telegram_webhook_url:
            await updater.start_webhook(**webhook_options(settings))
        else:
            await updater.start_polling(
                poll_interval=poll_interval_s, timeout=POLL_TIMEOUT_S, allowed_updates=Update.ALL_TYPES
            )
        await application.start()
        try:
            yield application
        finally:
            if updater.running:
                await updater.stop()
            if application.running:
                await application.stop()
            await _post_stop(application)
    finally:
        await application.shutdown()
        await _post_shutdown(application)


def _safe_base(settings: Settings) -> str:
    return settings.telegram_api_base_url.split("//", 1)[-1].split("/", 1)[0]
