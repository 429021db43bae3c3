"""The figures of a report."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from gradbot.reporting.analysis import build_report, is_unanswered
from helpers_reporting import PERIOD, message, project_kb


def _sample():
    kb = project_kb()
    first, second = list(kb.entries.values())[:2]
    messages = [
        message(1, first.questions[0], datetime(2026, 11, 20, 9, 5), "faq", first.id, feedback=1, session="a"),
        message(2, first.questions[1], datetime(2026, 11, 20, 9, 40), "faq", first.id, feedback=-1, session="b"),
        message(3, first.questions[2], datetime(2026, 11, 21, 14, 0), "faq", first.id, session="c"),
        message(4, second.questions[0], datetime(2026, 11, 21, 14, 30), "faq", second.id, feedback=1, session="a"),
        message(5, "研究生宿舍几点关门", datetime(2026, 11, 22, 22, 0), "fallback", session="a"),
        message(6, "宿舍几点关门", datetime(2026, 11, 23, 22, 10), "fallback", session="d"),
        message(7, "校医院在哪里", datetime(2026, 11, 23, 8, 0), "fallback", session="e"),
        message(8, "三方", datetime(2026, 11, 24, 10, 0), "clarify", session="e"),
        message(9, "转人工", datetime(2026, 11, 24, 10, 1), "handoff", session="e"),
        message(10, "/start", datetime(2026, 11, 24, 10, 2), "fallback", session="e"),
        message(11, "你好", datetime(2026, 11, 26, 23, 59), "greet", session="f"),
        message(12, "?", datetime(2026, 11, 26, 23, 59), None, session="f"),
    ]
    return kb, first, second, messages


def test_counts_by_day_hour_and_outcome():
    kb, first, second, messages = _sample()
    report = build_report(messages, PERIOD, kb)
    assert report.message_count == 12 and report.session_count == 6
    assert list(report.per_day) == PERIOD.days  # days without messages are there too
    assert sum(report.per_day[date(2026, 11, 20)].values()) == 2
    assert sum(report.per_day[date(2026, 11, 25)].values()) == 0
    assert report.per_day[date(2026, 11, 24)] == {"clarify": 1, "handoff": 1, "fallback": 1}
    assert report.per_hour[9] == 2 and report.per_hour[22] == 2 and report.per_hour[23] == 2 and sum(report.per_hour) == 12
    assert report.outcomes["faq"] == 4 and report.outcomes["fallback"] == 4 and report.outcomes["other"] == 1
    assert report.question_count == 4 + 1 + 4 + 1
    assert report.answered_share == pytest.approx(3 / 10)  # the answer with 👎 is not "answered without staff"
    assert (report.thumbs_up, report.thumbs_down) == (2, 1)


def test_top_entries_have_titles_and_feedback():
    kb, first, second, messages = _sample()
    top = build_report(messages, PERIOD, kb).top_entries
    assert [(u.faq_id, u.title, u.answers, u.thumbs_up, u.thumbs_down) for u in top] == [
        (first.id, first.title, 3, 1, 1), (second.id, second.title, 1, 1, 0)]
    assert top[0].thumbs_down_rate == pytest.approx(1 / 3)


def test_an_entry_removed_from_the_knowledge_base_is_still_counted():
    kb, *_ = _sample()
    top = build_report([message(1, "旧问题", datetime(2026, 11, 20, 9, 0), "faq", "dispatch.gone_entry")], PERIOD, kb).top_entries
    assert (top[0].faq_id, top[0].title, top[0].in_knowledge_base) == ("dispatch.gone_entry", "dispatch.gone_entry", False)


def test_unanswered_questions_are_grouped_with_the_thumbs_down_answer():
    kb, first, second, messages = _sample()
    report = build_report(messages, PERIOD, kb)
    grouped = sorted(sorted(m.id for m in g.messages) for g in report.groups)
    assert grouped == [[2], [5, 6], [7]]  # fallbacks and the 👎 answer; not the /start command
    dorm = report.groups[0]
    assert (dorm.id, dorm.size, dorm.sessions, dorm.fallbacks, dorm.thumbs_down) == (1, 2, 2, 2, 0)
    assert set(dorm.examples) == {"研究生宿舍几点关门", "宿舍几点关门"}
    assert dorm.nearest_entry is not None and dorm.nearest_entry.id in kb.entries
    thumbs = next(g for g in report.groups if g.messages[0].id == 2)
    assert (thumbs.thumbs_down, thumbs.fallbacks) == (1, 0)
    assert [m.id for _, m in report.unanswered] == [m.id for g in report.groups for m in g.messages]


def test_is_unanswered():
    when = datetime(2026, 11, 20, 9, 0)
    assert is_unanswered(message(1, "x", when, "fallback"))
    assert is_unanswered(message(1, "x", when, "faq", "a.b", feedback=-1))
    assert not is_unanswered(message(1, "x", when, "faq", "a.b", feedback=1))
    assert not is_unanswered(message(1, "/help", when, "fallback"))


def test_empty_log():
    report = build_report([], PERIOD, project_kb())
    assert report.message_count == 0 and report.answered_share is None
    assert report.groups == [] and report.top_entries == [] and len(report.per_day) == 7


def _thread(kb):
    first, second = list(kb.entries.values())[:2]
    t = datetime(2026, 11, 21, 10, 0)
    from datetime import timedelta

    def at(minutes):
        return t + timedelta(minutes=minutes)

    return first, second, [
        message(1, "盖章怎么弄", at(0), "clarify", session="a"),
        message(2, '/choose_faq{"faq_id":"%s"}' % second.id, at(1), "faq", second.id, feedback=-1, session="a"),
        message(3, "档案的事", at(2), "clarify", session="b"),
        message(4, '/choose_faq{"faq_id":"%s"}' % first.id, at(3), "faq", first.id, session="b"),
        message(5, "还是不会", at(5), "clarify", session="c"),
        message(6, "算了", at(6), "fallback", session="c"),
        message(7, "/handoff", at(7), "handoff", session="c"),
        message(8, "昨天的问题", at(-120), "fallback", session="c"),
    ]


def test_a_button_press_settles_the_question_and_its_thumbs_down_names_the_entry():
    kb = project_kb()
    first, second, messages = _thread(kb)
    report = build_report(messages, PERIOD, kb)
    # questions: 3 clarify + 2 fallback + 1 handoff (the presses are not questions); settled: only b's (a's got 👎)
    assert (report.question_count, report.figures.answered) == (6, 1)
    picks = {c.message.id: c.picked for c in report.clarifications}
    assert picks == {1: second.id, 3: first.id, 5: None}
    disliked = next(g for g in report.groups if any(m.id == 2 for m in g.messages))
    assert disliked.phrasings == [("盖章怎么弄", 1)]  # the question asked, not the button payload
    assert disliked.answered_by == {second.id: 1}


def test_handoff_shows_what_was_asked_just_before():
    kb = project_kb()
    _, _, messages = _thread(kb)
    [handoff] = build_report(messages, PERIOD, kb).handoffs
    assert handoff.message.id == 7 and [m.id for m in handoff.before] == [5, 6]  # not the message two hours earlier


def test_entries_worst_first_and_the_previous_period():
    kb = project_kb()
    first, second = list(kb.entries.values())[:2]
    when = datetime(2026, 11, 20, 9, 0)
    messages = [message(i, "q", when, "faq", first.id, feedback=1 if i < 3 else None) for i in range(10)]
    messages += [message(10 + i, "q", when, "faq", second.id, feedback=-1 if i < 2 else None) for i in range(3)]
    previous = [message(100, "q", when, "fallback"), message(101, "q", when, "faq", first.id)]
    report = build_report(messages, PERIOD, kb, previous=previous)
    assert [u.faq_id for u in report.top_entries] == [second.id, first.id]
    assert report.previous.questions == 2 and report.previous.answered_share == 0.5 and report.previous.unanswered == 1


def test_phrasings_are_counted():
    kb = project_kb()
    when = datetime(2026, 11, 20, 9, 0)
    texts = ["就业推荐表在哪里领", "就业推荐表在哪里领？", "推荐表丢了怎么办", "就业推荐表在哪里领"]
    report = build_report([message(i, t, when, "fallback", session=str(i)) for i, t in enumerate(texts)], PERIOD, kb)
    [group] = report.groups
    assert group.phrasings == [("就业推荐表在哪里领", 3), ("推荐表丢了怎么办", 1)]


def test_a_thumbs_down_from_another_entry_stays_open_in_review(tmp_path):
    from gradbot.reporting.review import load_decisions, review_groups

    kb = project_kb()
    first, second = list(kb.entries.values())[:2]
    when = datetime(2026, 11, 20, 9, 0)
    messages = [message(1, first.questions[0], when, "faq", second.id, feedback=-1, session="a"),  # wrong entry answered
                message(2, second.questions[0], when, "faq", second.id, feedback=-1, session="b")]  # its own entry: content issue
    report = build_report(messages, PERIOD, kb)
    pending, done = review_groups(report, load_decisions(tmp_path, kb))
    assert [t for g in pending for t in g.questions] == [first.questions[0]]
    assert [t for g in done for t, _ in g.decided] == [second.questions[0]]


def test_a_question_sharing_nothing_with_the_knowledge_base_has_no_nearest_entry():
    kb = project_kb()
    messages = [message(1, "?", datetime(2026, 11, 21, 9, 0), "fallback"),
                message(2, "😀", datetime(2026, 11, 21, 9, 1), "fallback", session="b")]
    report = build_report(messages, PERIOD, kb)
    assert report.groups and all(g.nearest_entry is None for g in report.groups)
