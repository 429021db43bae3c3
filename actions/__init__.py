"""Custom actions for the Rasa action server (``python -m gradbot.action_server --actions actions``,
which adds the shared secret and loopback binding to rasa_sdk's server).

Each module holds the actions of one concept; they stay thin and call :mod:`gradbot`.
"""
