"""Students' preferences: defaults, changes, effective language, and a row created by
someone else at the same moment."""

from __future__ import annotations

import pytest

from gradbot import preferences
from gradbot.db.engine import sessions
from gradbot.db.models import StudentPreference
from tests.support.campaigns import add_students


def test_defaults_changes_and_language(db_url):
    (student, _), = add_students(db_url, 1000, 1)
    with sessions(db_url).begin() as session:
        assert preferences.get(session, student) == preferences.Preferences()
        assert preferences.get(session, student).effective_language == "zh"
        preferences.update(session, student, reminders=False, telegram_language="en")
    with sessions(db_url).begin() as session:
        assert preferences.get(session, student).effective_language == "en"
        assert not preferences.wants(session, student, "reminders") and preferences.wants(session, student, "status_notifications")
        preferences.update(session, student, language="zh")
        assert preferences.many(session, [student, "nobody"])[student].effective_language == "zh"
        with pytest.raises(ValueError):
            preferences.update(session, student, admin=True)


@pytest.mark.parametrize("code, language", [("zh-hans", "zh"), ("zh-TW", "zh"), ("en", "en"), ("ru", "en"), (None, None)])
def test_telegram_language(code, language):
    assert preferences.telegram_language(code) == language
    assert preferences.reads_english(code) is (language == "en")


def test_a_row_created_concurrently_is_updated_not_duplicated(db_url, monkeypatch):
    (student, _), = add_students(db_url, 1000, 1)
    with sessions(db_url).begin() as session:
        preferences.update(session, student, status_notifications=False)
    with sessions(db_url).begin() as session:
        real_get = session.get
        monkeypatch.setattr(session, "get", lambda *a, **k: None)  # as if the other process had not committed yet
        assert preferences.update(session, student, reminders=False) == preferences.Preferences(False, False)
        monkeypatch.setattr(session, "get", real_get)
    with sessions(db_url).begin() as session:
        assert session.query(StudentPreference).count() == 1
