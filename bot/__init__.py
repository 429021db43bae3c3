"""The Telegram front end (python-telegram-bot 22): relays students' messages to Rasa.

Entry point: :func:`bot.app.run_bot`; ``python -m bot`` runs it with the configured settings.
"""
