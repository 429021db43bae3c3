"""Test support shared by tests and benchmarks, importable as ``tests.support``
(the project root is on pytest's ``pythonpath``; benchmarks run with ``python -m``).

``fake_bot_api``: a fake Telegram Bot API server and update builders; ``fake_rasa``: a
fake Rasa REST channel; ``settings``: test :class:`gradbot.settings.Settings` variants.
"""
