"""A student's cases formatted for the chat; contacts file tolerated missing."""

from __future__ import annotations

from datetime import datetime

from gradbot.cases.status import status_message
from gradbot.db.engine import sessions, upgrade
from gradbot.db.models import Case, Student
from gradbot.knowledge.contacts import format_contact


def test_status_message_lists_cases_with_next_step_and_contact(db_url):
    upgrade(db_url)
    with sessions(db_url).begin() as session:
        session.add(Student(student_id="2191000001", name="张三", level="doctor"))
        session.flush()
        session.add_all([
            Case(student_id="2191000001", case_type="talent_recognition", status="证书可领取", note="",
                 updated_at=datetime(2026, 6, 1)),
            Case(student_id="2191000001", case_type="dispatch", status="档案已寄出", note="机要号 EMS123",
                 updated_at=datetime(2026, 6, 2, 15, 5)),
        ])
    with sessions(db_url).begin() as session:
        text = status_message(session, "2191000001")
        english = status_message(session, "2191000001", english=True)
        empty = status_message(session, "2191000009")
    assert text.index("签约派遣") < text.index("西安人才认定")  # catalog order
    assert "签约派遣：档案已寄出（第 4/4 步）" in text and "备注：机要号 EMS123" in text
    assert "更新时间：2026-06-02 15:05" in text and "更新时间：2026-06-01\n" in text
    assert "研究生签约派遣" in text and "市场部" in text
    assert "Archive sent" in english and "Next step:" in english
    assert "暂时没有" in empty


def test_contacts_file_missing_is_tolerated(monkeypatch, tmp_path):
    from gradbot.settings import get_settings

    monkeypatch.setenv("GRADBOT_POLICIES_DIR", str(tmp_path))
    get_settings.cache_clear()
    try:
        assert "205" in format_contact("guidance_205") and "market office" in format_contact("market_office", True)
        assert format_contact(None) == ""
    finally:
        get_settings.cache_clear()
