"""The staff handoff: tickets a student opens to reach a person, handled by staff in a
Telegram group (one forum topic per ticket).

``tickets`` (the database side), ``card`` (what staff see: topic name, card, masking),
``schedule`` (office hours, reminders, the morning digest), ``texts`` (fixed texts), and
``faq`` (a staff answer as a knowledge-base draft). The Telegram side is ``bot/handoff/``.
"""
