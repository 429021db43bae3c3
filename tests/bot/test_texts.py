"""The bot's fixed texts: /help names every command of the menu."""

from __future__ import annotations

from bot import preferences, texts


def test_help_names_every_command_of_the_menu() -> None:
    chinese, english = texts.HELP.split("\n\n")
    for name, _ in texts.COMMANDS + preferences.COMMANDS:
        if name != "start":
            assert f"/{name}" in chinese and f"/{name}" in english, name
