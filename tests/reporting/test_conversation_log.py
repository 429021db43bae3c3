"""The conversation log: hashed senders, scrubbed text, feedback, retention."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select, update

from gradbot.db.engine import sessions
from gradbot.db.models import ConversationMessage, utcnow
from gradbot.reporting.conversation_log import log_message, purge_older_than, set_feedback
from tests.support.database import in_session


def test_log_feedback_and_purge(db_url):
    first = in_session(db_url, log_message, "telegram", "123456789", "我的学号2191000001，绑定码 K7PQ-M2XA", intent="bind",
                        confidence=0.9, outcome="bind")
    second = in_session(db_url, log_message, "telegram", "123456789", "三方协议在哪盖章", intent="ask_dispatch", confidence=0.8,
                         outcome="faq", faq_id="dispatch.agreement_stamp")
    other = in_session(db_url, log_message, "terminal", "terminal-x", "hi")
    assert in_session(db_url, set_feedback, second, -1) and not in_session(db_url, set_feedback, 99999, 1)
    with pytest.raises(ValueError):
        in_session(db_url, set_feedback, second, 5)
    with sessions(db_url).begin() as session:
        rows = {r.id: r for r in session.execute(select(ConversationMessage)).scalars()}
        assert "2191000001" not in rows[first].text and "K7PQ" not in rows[first].text and "<code>" in rows[first].text
        assert rows[first].session_hash == rows[second].session_hash != rows[other].session_hash
        assert "123456789" not in rows[first].session_hash
        assert (rows[second].feedback, rows[second].faq_id) == (-1, "dispatch.agreement_stamp")
        assert rows[second].feedback_at is not None
        session.execute(update(ConversationMessage).where(ConversationMessage.id == first)
                        .values(created_at=utcnow() - timedelta(days=200)))
    assert in_session(db_url, purge_older_than, 180) == 1
    with sessions(db_url).begin() as session:
        assert sorted(session.execute(select(ConversationMessage.id)).scalars()) == [second, other]
