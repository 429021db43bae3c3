"""Alembic migrations of the case-status database (run via :func:`gradbot.db.engine.upgrade`)."""
