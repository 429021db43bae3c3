"""What the actions read from the tracker: the language of a button press or command."""

from __future__ import annotations

from rasa_sdk import Tracker

from actions.payload import wants_english


def _tracker(*texts: str) -> Tracker:
    """A tracker whose user messages are ``texts`` in order (the last one is the latest)."""
    events = [{"event": "user", "text": text, "parse_data": {"text": text}} for text in texts]
    return Tracker("tg-7", {}, {"text": texts[-1]}, events, False, None, {}, "action_listen")


def test_typed_text_decides_the_language() -> None:
    assert wants_english(_tracker("How do I apply for Shanghai hukou?"))
    assert not wants_english(_tracker("上海落户怎么申请"))


def test_a_button_press_keeps_the_language_of_the_question_before_it() -> None:
    choose = '/choose_faq{"faq_id":"shanghai.eligibility"}'
    assert wants_english(_tracker("How do I apply for Shanghai hukou?", choose))
    assert wants_english(_tracker("How do I apply for Shanghai hukou?", choose, "/handoff"))
    assert not wants_english(_tracker("How do I apply for Shanghai hukou?", "上海落户怎么申请", choose))


def test_a_command_with_nothing_typed_before_is_chinese() -> None:
    assert not wants_english(_tracker("/case_status"))
    assert not wants_english(_tracker('/bind{"bind_code":"K7PQM2XA"}'))
