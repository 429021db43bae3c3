"""Conversations end to end: the real Rasa server and action server, over the REST channel.

Needs the trained model (``make test`` trains it first); skipped with a notice otherwise.
The servers run with a temporary data directory, so the case database is a fresh SQLite file.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Iterator
from urllib.request import Request, urlopen

import pytest

from gradbot.stack import RasaStack
from gradbot.training import latest_model
from tests.support.stack import running_stack

pytestmark = pytest.mark.e2e

CASES = """学号,姓名,学历层次,学院,事项,状态,备注,更新时间
2191000001,张三,本科,电信学部,签约派遣,档案已寄出,机要号 JY123,2026-06-20 10:00
2191000002,李四,硕士,能动学院,上海落户,已盖章寄出,EMS 1234,2026-06-22 10:00
"""


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RasaStack]:
    with running_stack(tmp_path_factory, "e2e-data") as running:
        yield running


def say(stack: RasaStack, sender: str, text: str,
        metadata: dict[str, Any] | None = None) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    body = json.dumps({"sender": sender, "message": text, **({"metadata": metadata} if metadata else {})}).encode()
    request = Request(stack.rasa_url + "/webhooks/rest/webhook", data=body, headers={"Content-Type": "application/json"})
    with urlopen(request, timeout=60) as response:  # noqa: S310 - loopback
        messages = json.loads(response.read())
    payloads = [m["custom"]["gradbot"] for m in messages if isinstance(m.get("custom"), dict)]
    assert len(payloads) == 1, messages
    return [m for m in messages if not m.get("custom")], payloads[0]


def test_a_policy_question_is_answered_from_the_knowledge_base(stack: RasaStack) -> None:
    shown, payload = say(stack, "e2e-1", "报到证取消了吗？还要去补办吗")
    assert payload["outcome"] == "faq" and payload["faq_id"] == "dispatch.report_card"
    assert payload["intent"] == "ask_dispatch"
    assert "📍" in "\n\n".join(m.get("text", "") for m in shown)


def test_a_clarification_button_payload_answers_that_entry(stack: RasaStack) -> None:
    _, payload = say(stack, "e2e-2", '/choose_faq{"faq_id":"shanghai.timeline"}')
    assert payload["outcome"] == "faq" and payload["faq_id"] == "shanghai.timeline"


def test_out_of_scope_is_refused_politely(stack: RasaStack) -> None:
    shown, payload = say(stack, "e2e-3", "今天食堂有什么好吃的")
    assert payload["outcome"] == "fallback"
    assert "抱歉" in shown[0]["text"]


def test_greeting_in_english(stack: RasaStack) -> None:
    shown, payload = say(stack, "e2e-4", "hello")
    assert payload["outcome"] == "greet" and "Career Center" in shown[0]["text"]


def test_bind_then_status_shows_only_own_cases(stack: RasaStack, tmp_path: Path) -> None:
    from gradbot.cases.binding import issue_code
    from gradbot.db.engine import sessions, upgrade
    from tests.support.database import import_sheet

    sheet = tmp_path / "cases.csv"
    sheet.write_text(CASES, encoding="utf-8")
    upgrade()
    import_sheet(sheet, apply=True)
    with sessions().begin() as session:
        code = issue_code(session, "2191000001")[0]

    _, payload = say(stack, "e2e-5", "我的派遣办到哪一步了")
    assert payload["outcome"] == "case_status"
    shown, payload = say(stack, "e2e-5", f'/bind{{"bind_code":"{code}"}}')
    assert payload["outcome"] == "bind"
    shown, payload = say(stack, "e2e-5", "/case_status")
    text = "\n".join(m.get("text", "") for m in shown)
    assert payload["outcome"] == "case_status" and "档案已寄出" in text and "上海落户" not in text


def test_personal_requests_from_a_group_write_nothing(stack: RasaStack, tmp_path: Path) -> None:
    from sqlalchemy import func, select

    from gradbot.cases.binding import issue_code
    from gradbot.db.engine import sessions
    from gradbot.db.models import BindAttempt, BindCode, HandoffRequest, TelegramBinding
    from tests.support.database import import_sheet

    sheet = tmp_path / "cases.csv"
    sheet.write_text(CASES, encoding="utf-8")
    import_sheet(sheet, apply=True)
    with sessions().begin() as session:
        code = issue_code(session, "2191000002")[0]
    group = {"chat_type": "group"}
    for text, outcome in ((f"我的绑定码是 {code}", "bind"), (f'/bind{{"bind_code":"{code}"}}', "bind"),
                          ("转人工", "handoff"), ("/handoff", "handoff"), ("/case_status", "case_status")):
        shown, payload = say(stack, "e2e-7", text, group)
        assert payload["outcome"] == outcome, text
        assert "私聊" in shown[0]["text"], text
    with sessions().begin() as session:
        for table in (TelegramBinding, BindAttempt, HandoffRequest):
            count = session.execute(select(func.count()).select_from(table).where(table.telegram_user_id == "e2e-7"))
            assert count.scalar_one() == 0, table.__tablename__
        assert session.execute(select(BindCode.used_at).where(BindCode.student_id == "2191000002")).scalars().all() == [None]
    _, payload = say(stack, "e2e-7", f'/bind{{"bind_code":"{code}"}}', {"chat_type": "private"})
    with sessions().begin() as session:
        bound = session.execute(select(TelegramBinding.student_id).where(TelegramBinding.telegram_user_id == "e2e-7"))
        assert bound.scalars().all() == ["2191000002"]


def test_a_model_reload_keeps_the_conversation(stack: RasaStack) -> None:
    from gradbot.stack import reload_model

    say(stack, "e2e-6", "你好")
    say(stack, "e2e-6", "网签怎么操作")
    tracker_url = f"{stack.rasa_url}/conversations/e2e-6/tracker?token={stack.api_token}"  # the API is locked
    with urlopen(tracker_url, timeout=30) as response:  # noqa: S310
        before = len(json.loads(response.read())["events"])
    reload_model(stack.rasa_url, latest_model(stack.settings.models_dir), stack.api_token)
    with urlopen(tracker_url, timeout=30) as response:  # noqa: S310
        after = len(json.loads(response.read())["events"])
    assert after >= before > 5
    _, payload = say(stack, "e2e-6", "谢谢")
    assert payload["outcome"] == "thanks"
