"""The policy knowledge base: YAML that staff edit in ``policies/``.

- :mod:`.schema` the data classes (entries, contacts, problems);
- :mod:`.loader` parses files with line numbers and validates them (:mod:`.slips` names the
  commonest hand-editing slips, :mod:`.case_types` checks ``_case_types.yml``);
- :mod:`.matcher` ranks entries by similarity to a question;
- :mod:`.store` serves only a version without errors, reloads edits and keeps the last good one on disk.
"""
