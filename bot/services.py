"""What the handlers and the start/stop hooks share, in one typed object kept in
``application.bot_data["services"]`` (the only ``bot_data`` key the bot uses)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Optional

from telegram.ext import Application, ContextTypes

from bot.outbox_sender import OutboxSender
from bot.rasa_client import RasaClient
from bot.replies import CallbackCodec
from bot.storage import ConversationStore

_KEY = "services"


@dataclass
class BotServices:
    """The bot's collaborators and settings."""

    rasa: RasaClient
    store: ConversationStore
    codec: CallbackCodec = field(default_factory=CallbackCodec)
    bot_username: str = ""
    owns_rasa: bool = True  # close the Rasa client on shutdown
    database_url: str = ""
    outbox_interval_s: float = 2.0
    outbox_sender: Optional[OutboxSender] = None  # running between start and stop
    stats: dict[str, int] = field(default_factory=lambda: {"rasa_unavailable": 0, "turns": 0})

    @property
    def use_database(self) -> bool:
        """False when the bot runs without a database (benchmarks): no log, feedback or outbox."""
        return self.store.enabled

    def attach(self, application: Application[Any, Any, Any, Any, Any, Any]) -> None:
        """Keep these services in ``application.bot_data``."""
        application.bot_data[_KEY] = self


def of_application(application: Application[Any, Any, Any, Any, Any, Any]) -> BotServices:
    """The services of ``application`` (see :meth:`BotServices.attach`)."""
    return application.bot_data[_KEY]


def services(context: ContextTypes.DEFAULT_TYPE) -> BotServices:
    """The services, from a handler's context."""
    return of_application(context.application)
