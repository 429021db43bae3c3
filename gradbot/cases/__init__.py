"""The case-status database: students' cases from staff spreadsheets, Telegram binding,
the outbox of notifications and the conversation log.

Modules: ``models`` (tables), ``db`` (engines, sessions, migrations), ``catalog`` (case
types and statuses), ``importer`` (staff import), ``binding`` (one-time codes),
``status`` (a student's cases for the chat), ``outbox`` (notifications),
``contacts`` (office contacts), ``conversation_log`` (message log and feedback).
"""
