"""Custom actions for the Rasa action server (``rasa run actions --actions actions``).

Each module holds the actions of one concept; they stay thin and call :mod:`gradbot`.
"""
