"""Staff reports over the conversation log (``gradbot report``).

- :mod:`.data` reads the logged messages of a date range (Beijing dates);
- :mod:`.grouping` clusters similar questions (TF-IDF over the matcher's features);
- :mod:`.analysis` turns messages into the figures of a report;
- :mod:`.plots` draws the charts as inline SVG (matplotlib, Agg);
- :mod:`.kb_status` the notice of knowledge-base edits held back;
- :mod:`.html` renders the self-contained HTML page; :mod:`.export` the CSV for the team.
"""
