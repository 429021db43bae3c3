"""The database: engines and the one session factory per engine (``engine``), the tables
(``models``) and their Alembic migrations (``migrations/``).

A unit of work is ``with sessions(url).begin() as session:`` (:func:`gradbot.db.engine.sessions`);
functions in other packages take that session and never open their own.
"""
