"""action_office_hours with rasa_sdk's CollectingDispatcher and an injected clock."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.office_hours import ActionOfficeHours
from gradbot.office_hours import BEIJING
from gradbot.settings import PROJECT_ROOT


def tracker(text: str, confidence: float = 0.97) -> Tracker:
    latest = {"text": text, "intent": {"name": "ask_office_hours", "confidence": confidence}, "entities": [],
              "intent_ranking": [{"name": "ask_office_hours", "confidence": confidence}]}
    return Tracker("tg-9", {}, latest, [{"event": "user", "text": text, "parse_data": latest}], False, None, {}, "action_listen")


def ask(text: str, now: dt.datetime) -> tuple[str, dict]:
    dispatcher = CollectingDispatcher()
    events = ActionOfficeHours(clock=lambda: now).run(dispatcher, tracker(text), {})
    assert events == []
    texts = [m["text"] for m in dispatcher.messages if m.get("text")]
    payloads = [m["custom"]["gradbot"] for m in dispatcher.messages if m.get("custom")]
    assert len(texts) == 1 and len(payloads) == 1 and dispatcher.messages[-1].get("custom")
    return texts[0], payloads[0]


def at(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=BEIJING)


def test_national_day(policies: Path) -> None:
    text, payload = ask("10月1日你们上班吗", at(2026, 9, 28, 9, 0))
    assert text.startswith("10月1日（周四）是国庆节假期，办公室不上班。下一个工作日：10月8日（周四）8:00。")
    assert "📍 联系：就业创业中心指导部（205室）" in text and "205" in text
    assert payload["outcome"] == "office_hours" and payload["intent"] == "ask_office_hours"


def test_makeup_saturday(policies: Path) -> None:
    text, _ = ask("你们周六上班吗", at(2026, 10, 8, 16, 0))
    assert text.startswith("10月10日（周六）是国庆节调休上班日，照常办公：8:00–12:00、14:30–17:30。")


def test_2027_date_and_outside_hours(policies: Path) -> None:
    text, _ = ask("2027年1月1日上班吗", at(2026, 12, 31, 18, 0))
    assert "明天 2027年1月1日（周五）是工作日" in text
    assert "2027年的法定节假日安排还没有录入" in text
    now_text, _ = ask("现在有人吗", at(2026, 11, 27, 18, 0))
    assert now_text.startswith("现在（18:00）不在办公时间，下一个工作日：11月30日（周一）8:00（北京时间）。")


def test_english(policies: Path) -> None:
    text, _ = ask("What are your office hours?", at(2026, 11, 27, 10, 0))
    assert text.startswith("It is 10:00 now: the office is open until 12:00.")
    assert "Office hours (Beijing time): Mon–Fri 8:00–12:00, 14:30–17:30" in text and "📍 Contact:" in text


def test_staff_edits_take_effect(policies: Path) -> None:
    contacts = policies / "_contacts.yml"
    contacts.write_text(contacts.read_text(encoding="utf-8").replace(
        "    hours: 08:00-12:00, 14:30-17:30\n", "    hours: 周一至周五 09:00-11:00\n", 1), encoding="utf-8")
    (policies / "_calendar.yml").write_text("years:\n  2027:\n    holidays:\n      元旦: 2027-01-01 至 2027-01-03\n", encoding="utf-8")
    text, _ = ask("2027年1月1日上班吗", at(2026, 12, 31, 18, 0))
    assert text.startswith("明天 2027年1月1日（周五）是元旦假期，办公室不上班。下一个工作日：2027年1月4日（周一）9:00。")
    assert "2027年的法定节假日安排还没有录入" not in text


def test_free_text_hours_are_shown_as_written(policies: Path) -> None:
    contacts = policies / "_contacts.yml"
    contacts.write_text(contacts.read_text(encoding="utf-8").replace(
        "    hours: 08:00-12:00, 14:30-17:30\n", "    hours: 工作日办公，具体时间待确认\n", 1), encoding="utf-8")
    text, payload = ask("现在有人吗", at(2026, 11, 27, 10, 0))
    assert text.startswith("办公时间：工作日办公，具体时间待确认") and payload["outcome"] == "office_hours"


def test_a_doubtful_guess_without_hours_words_goes_to_the_fallback(policies: Path) -> None:
    dispatcher = CollectingDispatcher()
    action = ActionOfficeHours(clock=lambda: at(2026, 11, 27, 10, 0))
    events = action.run(dispatcher, tracker("帮我看看材料交上去没", confidence=0.46), {})
    assert events == [{"event": "followup", "name": "action_fallback", "timestamp": None}] and dispatcher.messages == []
    action.run(dispatcher, tracker("老师什么时候在", confidence=0.46), {})
    assert dispatcher.messages[-1]["custom"]["gradbot"]["outcome"] == "office_hours"


def test_every_training_example_counts_as_about_office_hours() -> None:
    import yaml

    from gradbot.office_hours.questions import is_about_office_hours

    data = yaml.safe_load((PROJECT_ROOT / "nlu_data" / "nlu" / "office_hours.yml").read_text(encoding="utf-8"))
    examples = [line[2:] for line in data["nlu"][0]["examples"].splitlines() if line.startswith("- ")]
    assert len(examples) > 60 and [e for e in examples if not is_about_office_hours(e)] == []
