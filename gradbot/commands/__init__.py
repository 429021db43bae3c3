"""Subcommands of the ``gradbot`` console script (see :mod:`gradbot.cli`)."""
