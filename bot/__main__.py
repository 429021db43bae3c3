"""``python -m bot``: run the Telegram bot with the configured settings until Ctrl-C/SIGTERM."""

from __future__ import annotations

import sys

from gradbot.logsetup import configure_logging
from gradbot.settings import get_settings


def main() -> int:
    configure_logging()
    settings = get_settings()
    if not settings.telegram_token:
        print("TELEGRAM_BOT_TOKEN is not set; use `gradbot run` for the terminal chat.", file=sys.stderr)
        return 2
    from bot.app import run_bot

    run_bot(settings)
    return 0


if __name__ == "__main__":
    sys.exit(main())
