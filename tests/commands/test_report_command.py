"""``gradbot report`` and ``gradbot log purge`` through the CLI, on a real database."""

from __future__ import annotations

import csv
from datetime import date, datetime, timedelta

import pytest

from gradbot.cli import main
from gradbot.commands.report import report_period
from gradbot.db.models import utcnow
from gradbot.reporting import conversation_log
from gradbot.reporting.data import Period
from gradbot.settings import get_settings
from tests.support.database import in_session


def _log(monkeypatch, url, when, text, **fields):
    monkeypatch.setattr(conversation_log, "utcnow", lambda: when)
    return in_session(url, conversation_log.log_message, "telegram", "42", text, **fields)


def test_report_period_defaults():
    today = date(2026, 11, 26)
    assert report_period(None, None, today=today) == Period(date(2026, 11, 20), today)
    assert report_period(date(2026, 11, 1), None, today=today) == Period(date(2026, 11, 1), today)  # --from alone: up to today
    with pytest.raises(ValueError, match="晚于"):
        report_period(date(2026, 12, 1), None, today=today)
    assert report_period(None, date(2026, 11, 10), today=today) == Period(date(2026, 11, 4), date(2026, 11, 10))
    assert report_period(date(2026, 11, 1), date(2026, 11, 30), today=today) == Period(date(2026, 11, 1), date(2026, 11, 30))


def test_report_writes_html_and_csv(cases_db, monkeypatch, tmp_path, capsys):
    _log(monkeypatch, cases_db, datetime(2026, 11, 20, 2, 0), "研究生宿舍几点关门", outcome="fallback")
    _log(monkeypatch, cases_db, datetime(2026, 11, 21, 3, 0), "宿舍几点关门", outcome="fallback")
    _log(monkeypatch, cases_db, datetime(2026, 11, 21, 4, 0), "校医院在哪里", outcome="fallback")
    _log(monkeypatch, cases_db, datetime(2026, 12, 5, 4, 0), "不在范围内的问题", outcome="fallback")
    out, table = tmp_path / "r" / "week.html", tmp_path / "week.csv"

    code = main(["report", "--from", "2026-11-20", "--to", "2026-11-26", "--out", str(out), "--csv", str(table)])

    assert code == 0
    printed = capsys.readouterr().out
    assert "3 条消息" in printed and "未答问题 3 个，共 2 组" in printed and str(out) in printed
    page = out.read_text(encoding="utf-8")
    assert "宿舍几点关门" in page and "不在范围内的问题" not in page and "<svg" in page
    with open(table, encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert sorted((r["组号"], r["学生问题"]) for r in rows) == [
        ("1", "宿舍几点关门"), ("1", "研究生宿舍几点关门"), ("2", "校医院在哪里")]


def test_report_on_an_empty_log(cases_db, tmp_path, capsys):
    out = tmp_path / "empty.html"
    assert main(["report", "--out", str(out)]) == 0
    assert "0 条消息" in capsys.readouterr().out
    assert "没有对话记录" in out.read_text(encoding="utf-8")


def test_bad_date_is_refused(capsys):
    with pytest.raises(SystemExit):
        main(["report", "--from", "2026-13-01"])
    assert "不是日期" in capsys.readouterr().err


def test_log_purge_uses_the_retention_setting(cases_db, monkeypatch, capsys):
    from sqlalchemy import select

    from gradbot.db.engine import sessions
    from gradbot.db.models import ConversationMessage

    _log(monkeypatch, cases_db, utcnow() - timedelta(days=40), "旧消息")
    recent = _log(monkeypatch, cases_db, utcnow() - timedelta(days=10), "新消息")
    monkeypatch.setattr(conversation_log, "utcnow", utcnow)  # the real clock for purging
    monkeypatch.setenv("CONVERSATION_RETENTION_DAYS", "30")
    get_settings.cache_clear()

    assert main(["log", "purge"]) == 0
    assert "已删除 30 天以前的消息 1 条" in capsys.readouterr().out
    with sessions(cases_db).begin() as session:
        assert list(session.execute(select(ConversationMessage.id)).scalars()) == [recent]
    assert main(["log", "purge", "--days", "5"]) == 0
    assert "已删除 5 天以前的消息 1 条" in capsys.readouterr().out
