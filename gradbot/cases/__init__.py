"""Students' cases: what staff track for each student and what the student sees.

Modules: ``catalog`` (case types and statuses from ``policies/_case_types.yml``),
``spreadsheet`` (reading staff spreadsheets), ``row_check`` (checking one row),
``importer`` (plan and apply an import), ``import_report`` (the staff's summary),
``status`` (a student's cases for the chat), ``binding`` (one-time codes, Telegram
bindings), ``notifications`` (status-change messages queued in :mod:`gradbot.outbox`).
The tables are in :mod:`gradbot.db.models`.
"""
