"""Binding codes: shape, parsing, expiry, single use, lockout, unbind."""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from gradbot.cases import binding
from gradbot.cases.binding import (
    ALPHABET,
    UnknownStudent,
    bind,
    extract_code,
    hash_code,
    issue_code,
    student_for,
    unbind,
)
from gradbot.db.engine import sessions, upgrade
from gradbot.db.models import BindAttempt, BindCode, Student, utcnow


@pytest.fixture
def url(db_url):
    upgrade(db_url)
    with sessions(db_url).begin() as session:
        session.add_all([Student(student_id="2191000001", name="张三", level="undergraduate"),
                         Student(student_id="2191000002", name="李四", level="master")])
    return db_url


def test_code_shape_and_deep_link(url):
    with sessions(url).begin() as session:
        codes = [issue_code(session, "2191000001") for _ in range(30)]
        stored = session.execute(select(BindCode.code_hash)).scalars().all()
    for code, link in codes:
        raw = code.replace("-", "")
        assert len(code) == 9 and code[4] == "-" and set(raw) <= set(ALPHABET)
        assert sum(c.isdigit() for c in raw) >= 2 and sum(c.isalpha() for c in raw) >= 2
        assert link == f"https://t.me/xjtu_career_bot?start={raw}"
        assert raw not in stored and hash_code(code) in stored  # only the hash is kept


def test_extract_code_variants():
    assert extract_code("K7PQ-M2XA") == "K7PQM2XA"
    assert extract_code("我的绑定码是 k7pqm2xa 谢谢") == "K7PQM2XA"
    assert extract_code("/start K7PQM2XA") == "K7PQM2XA"
    assert extract_code("please bind K7PQ M2XA") == "K7PQM2XA"
    assert extract_code("STUDENTS") is None          # a word is not a code (needs two digits)
    assert extract_code("2191000001") is None        # a student ID is not a code
    assert extract_code("K7PQ-M2XA1") is None
    assert extract_code("") is None and extract_code(None) is None


def test_bind_success_is_single_use_and_case_insensitive(url):
    with sessions(url).begin() as session:
        code, _ = issue_code(session, "2191000001")
    with sessions(url).begin() as session:
        result = bind(session, "tg-1", code.lower())
        assert result.ok and result.student_id == "2191000001" and result.student_name == "张三"
        assert student_for(session, "tg-1").student_id == "2191000001"
    with sessions(url).begin() as session:
        assert bind(session, "tg-2", code).status == "used"
        assert student_for(session, "tg-2") is None


def test_expired_code(url):
    with sessions(url).begin() as session:
        code, _ = issue_code(session, "2191000001", ttl=timedelta(hours=24))
        session.execute(update(BindCode).values(expires_at=utcnow() - timedelta(seconds=1)))
    with sessions(url).begin() as session:
        assert bind(session, "tg-1", code).status == "expired"
        assert student_for(session, "tg-1") is None


def test_lockout_after_five_wrong_codes_and_release_after_an_hour(url):
    with sessions(url).begin() as session:
        good, _ = issue_code(session, "2191000001")
        results = [bind(session, "tg-9", "ZZZZ-2222") for _ in range(5)]
        assert [r.status for r in results] == ["wrong"] * 4 + ["locked_out"]
        assert [r.attempts_left for r in results[:4]] == [4, 3, 2, 1]
        locked = bind(session, "tg-9", good)
        assert locked.status == "locked_out" and 55 <= locked.minutes_left <= 60
        assert bind(session, "tg-other", "ZZZZ-2222").status == "wrong"  # per user
        # an hour later the wrong attempts no longer count
        session.execute(update(BindAttempt).values(at=BindAttempt.at - timedelta(minutes=61)))
        assert bind(session, "tg-9", good).ok


def test_rebinding_replaces_previous_binding_and_unbind(url):
    with sessions(url).begin() as session:
        first, _ = issue_code(session, "2191000001")
        second, _ = issue_code(session, "2191000002")
        assert bind(session, "tg-1", first).ok
        assert bind(session, "tg-1", second).ok
        assert student_for(session, "tg-1").student_id == "2191000002"
        assert unbind(session, "tg-1") is True
        assert student_for(session, "tg-1") is None
        assert unbind(session, "tg-1") is False


def test_unknown_student_gets_no_code(url):
    with sessions(url).begin() as session, pytest.raises(UnknownStudent):
        issue_code(session, "0000000000")


def test_codes_and_ids_stay_out_of_logs(url, caplog):
    caplog.set_level(logging.DEBUG, logger=binding.__name__)
    with sessions(url).begin() as session:
        code, _ = issue_code(session, "2191000001")
        bind(session, "tg-1", code)
        bind(session, "tg-1", "ZZZZ-2222")
    assert caplog.records
    assert code not in caplog.text and code.replace("-", "") not in caplog.text
    assert "2191000001" not in caplog.text and "21******01" in caplog.text
