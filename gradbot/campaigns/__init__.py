"""Staff reminder campaigns: the YAML file staff write (:mod:`.definition`), who gets it
(:mod:`.audience`), the message each student reads (:mod:`.message`), quiet hours
(:mod:`.schedule`), queueing into the outbox exactly once per student (:mod:`.queueing`),
the checks at delivery time (:mod:`.delivery`) and drafts from a knowledge-base entry
(:mod:`.draft`). Counts for staff are in :mod:`gradbot.reporting.campaigns`.
"""
