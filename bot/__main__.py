"""``python -m bot``: run the Telegram bot with the configured settings until Ctrl-C/SIGTERM."""

from __future__ import annotations

import logging
import sys

from gradbot.logsetup import configure_logging
from gradbot.settings import get_settings


def main() -> int:
    configure_logging()
    settings = get_settings()
    if not settings.telegram_token:
        print("TELEGRAM_BOT_TOKEN is not set; use `gradbot run` for the terminal chat.", file=sys.stderr)
        return 2
    from telegram.error import InvalidToken

    from bot.app import run_bot

    try:
        run_bot(settings)
    except InvalidToken:  # its message holds the token: say what is wrong without it
        logging.getLogger("bot").error(
            "the Bot API at %s refused TELEGRAM_BOT_TOKEN (HTTP 401/404): check the token and TELEGRAM_API_BASE_URL",
            settings.telegram_api_base_url,
        )
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
