"""The policy knowledge base: YAML that staff edit in ``policies/``.

- :mod:`.schema` the data classes (entries, contacts, problems);
- :mod:`.loader` parses files with line numbers and validates them;
- :mod:`.matcher` ranks entries by similarity to a question;
- :mod:`.store` serves the last good version and reloads edited files.
"""
