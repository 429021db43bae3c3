"""The case actions with rasa_sdk's CollectingDispatcher and hand-built trackers."""

from __future__ import annotations

from pathlib import Path

import pytest
from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy import select

from actions.cases import ActionBind, ActionCaseStatus, ActionHandoff, ActionUnbind
from gradbot.cases.binding import issue_code
from gradbot.db.engine import sessions
from gradbot.db.models import HandoffRequest
from tests.support.database import import_sheet
from tests.support.rasa_responses import rendered_texts

ROWS = """学号,姓名,学历层次,学院,事项,状态,备注,更新时间
2191000001,张三,本科,电信学部,签约派遣,已鉴证盖章,,2026-05-20 10:00
2191000001,张三,本科,电信学部,出国出境登记,退回,录取通知书不清晰,2026-05-21 10:00
2191000002,李四,硕士,能动学院,上海落户,已盖章寄出,EMS 1234,2026-05-22 10:00
"""


def make_tracker(text: str, sender: str = "tg-42", intent: str = "case_status", entities=None,
                 slots=None, events=None, chat_type: str | None = None) -> Tracker:
    latest = {"text": text, "intent": {"name": intent, "confidence": 0.93},
              "intent_ranking": [{"name": intent, "confidence": 0.93}], "entities": entities or []}
    metadata = {"chat_type": chat_type} if chat_type else {}
    return Tracker(sender, slots or {"bind_code": None}, latest,
                   events if events is not None else [{"event": "user", "text": text, "parse_data": latest,
                                                       "metadata": metadata}],
                   False, None, {}, "action_listen")


def run(action, tracker: Tracker):
    dispatcher = CollectingDispatcher()
    events = action.run(dispatcher, tracker, {})
    texts = rendered_texts(dispatcher.messages)
    payloads = [m["custom"]["gradbot"] for m in dispatcher.messages if m.get("custom")]
    assert len(payloads) == 1 and dispatcher.messages[-1].get("custom"), "payload must come last, exactly once"
    return texts, payloads[0], events


@pytest.fixture
def loaded(cases_db, tmp_path: Path) -> str:
    path = tmp_path / "cases.csv"
    path.write_text(ROWS, encoding="utf-8")
    import_sheet(path, apply=True)
    return cases_db


def code_for(student_id: str) -> str:
    with sessions().begin() as session:
        return issue_code(session, student_id)[0]


def test_status_when_not_bound_explains_binding_and_ignores_typed_student_id(loaded):
    texts, payload, _ = run(ActionCaseStatus(), make_tracker("我的进度 学号2191000002"))
    assert "绑定" in texts[0] and "不能按学号查询" in texts[0]
    assert "上海落户" not in texts[0] and "EMS" not in texts[0]
    assert payload == {"outcome": "case_status", "faq_id": None, "options": [], "intent": "case_status",
                       "confidence": 0.93}


def test_bind_then_status_shows_exactly_own_cases(loaded):
    code = code_for("2191000001")
    texts, payload, events = run(ActionBind(), make_tracker(f"绑定 {code.lower()}", intent="bind"))
    assert "绑定成功" in texts[0] and "21******01" in texts[0] and "2191000001" not in texts[0]
    assert payload["outcome"] == "bind" and events == [SlotSet("bind_code", None)]

    texts, payload, _ = run(ActionCaseStatus(), make_tracker("我的进度？2191000002"))
    reply = texts[0]
    assert "签约派遣：已鉴证盖章" in reply and "出国出境登记：退回" in reply
    assert "录取通知书不清晰" in reply and "下一步" in reply and "2026-05-21 10:00" in reply
    assert "本科生签约派遣" in reply  # the office for this student's level
    assert "上海落户" not in reply and "EMS" not in reply  # never the typed student's data
    assert payload["outcome"] == "case_status"


def test_status_in_english_when_message_is_english(loaded):
    run(ActionBind(), make_tracker("/bind", intent="bind", entities=[{"entity": "bind_code", "value": code_for("2191000002")}]))
    texts, _, _ = run(ActionCaseStatus(), make_tracker("what is the status of my case?"))
    assert "Shanghai hukou application: Stamped and sent" in texts[0] and "EMS 1234" in texts[0]


def test_bind_wrong_code_lockout_and_no_code(loaded):
    texts, _, _ = run(ActionBind(), make_tracker("/bind", intent="bind"))
    assert "绑定码" in texts[0] and "205" in texts[0]
    for attempt in range(4):
        texts, _, _ = run(ActionBind(), make_tracker("/bind", intent="bind", entities=[{"entity": "bind_code", "value": "AAAA-2222"}]))
        assert "不正确" in texts[0] and f"{4 - attempt} 次" in texts[0]
    texts, _, _ = run(ActionBind(), make_tracker("AAAA-3333", intent="bind"))
    assert "错误次数过多" in texts[0] and "分钟后再试" in texts[0]
    # even a valid code is refused while locked out
    texts, _, _ = run(ActionBind(), make_tracker(code_for("2191000001"), intent="bind"))
    assert "错误次数过多" in texts[0]


def test_unbind(loaded):
    run(ActionBind(), make_tracker(code_for("2191000001"), intent="bind"))
    texts, payload, _ = run(ActionUnbind(), make_tracker("/unbind", intent="unbind"))
    assert "已解除绑定" in texts[0] and payload["outcome"] == "bind"
    texts, _, _ = run(ActionCaseStatus(), make_tracker("我的进度"))
    assert "签约派遣" not in texts[0] and "绑定" in texts[0]
    texts, _, _ = run(ActionUnbind(), make_tracker("/unbind", intent="unbind"))
    assert "没有绑定" in texts[0]


def test_handoff_records_request_with_level_office(loaded):
    run(ActionBind(), make_tracker(code_for("2191000002"), intent="bind"))
    events = [{"event": "user", "text": "我的落户材料寄到哪里了"}, {"event": "user", "text": "/handoff"}]
    texts, payload, _ = run(ActionHandoff(), make_tracker("/handoff", intent="handoff", events=events))
    assert "研究生" in texts[0] and payload["outcome"] == "handoff"
    texts, _, _ = run(ActionHandoff(), make_tracker("talk to a human please", sender="tg-unbound", intent="handoff"))
    assert "contact" in texts[0].lower() and "Room 205" in texts[0]
    with sessions().begin() as session:
        requests = session.execute(select(HandoffRequest).order_by(HandoffRequest.id)).scalars().all()
    assert [(r.telegram_user_id, r.student_id, r.level, r.text) for r in requests] == [
        ("tg-42", "2191000002", "master", "我的落户材料寄到哪里了"),
        ("tg-unbound", None, None, "talk to a human please"),
    ]


def test_database_error_gives_polite_busy_reply(monkeypatch, tmp_path, caplog):
    from gradbot.settings import get_settings

    blocker = tmp_path / "not-a-dir"
    blocker.write_text("x")
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{blocker}/sub/db.sqlite")
    get_settings.cache_clear()
    try:
        code = "K7PQ-M2XA"
        texts, payload, _ = run(ActionBind(), make_tracker(f"/bind {code}", intent="bind"))
        assert "系统繁忙" in texts[0] and payload["outcome"] == "bind"
        texts, payload, _ = run(ActionCaseStatus(), make_tracker("我的进度"))
        assert "系统繁忙" in texts[0] and payload["outcome"] == "case_status"
        texts, _, _ = run(ActionHandoff(), make_tracker("转人工", intent="handoff"))
        assert "系统繁忙" in texts[0] and "205" in texts[1]
        assert "failed" in caplog.text and code not in caplog.text and "K7PQM2XA" not in caplog.text
    finally:
        get_settings.cache_clear()


def test_bind_without_code_when_already_bound_says_so(loaded):
    code = code_for("2191000001")
    run(ActionBind(), make_tracker(code, intent="bind"))
    texts, payload, _ = run(ActionBind(), make_tracker("/bind", intent="bind"))
    assert "已绑定" in texts[0] and "21******01" in texts[0] and "/unbind" in texts[0]
    assert payload["outcome"] == "bind"


@pytest.mark.parametrize("chat_type", ["group", "supergroup"])
def test_personal_actions_in_a_group_refuse_and_write_nothing(loaded, chat_type):
    from gradbot.db.models import BindAttempt, BindCode, TelegramBinding

    code = code_for("2191000001")
    in_group = dict(sender="tg-group-member", chat_type=chat_type)
    for action, tracker, outcome in (
        (ActionBind(), make_tracker(f"@bot 绑定 {code}", intent="bind", **in_group), "bind"),
        (ActionHandoff(), make_tracker("@bot 转人工", intent="handoff", **in_group), "handoff"),
        (ActionCaseStatus(), make_tracker("@bot 我的进度", **in_group), "case_status"),
        (ActionUnbind(), make_tracker("@bot 解除绑定", intent="unbind", **in_group), "bind"),
    ):
        texts, payload, _ = run(action, tracker)
        assert texts == ["为保护你的隐私，个人事项（办理进度、绑定学号、转人工）请私聊我办理。"]
        assert payload["outcome"] == outcome
    with sessions().begin() as session:
        assert session.execute(select(HandoffRequest)).scalars().all() == []
        assert session.execute(select(TelegramBinding)).scalars().all() == []
        assert session.execute(select(BindAttempt)).scalars().all() == []
        assert session.execute(select(BindCode.used_at)).scalars().all() == [None]  # the code is still unused
    texts, _, _ = run(ActionBind(), make_tracker(code, intent="bind", chat_type="private"))
    assert "绑定成功" in texts[0]  # the same code works in the private chat


def test_every_response_an_action_names_is_in_the_domain():
    import re

    from tests.support.rasa_responses import responses

    names = set()
    for path in (Path(__file__).resolve().parents[2] / "actions").glob("*.py"):
        names |= set(re.findall(r'utter\(dispatcher, [^,]+, (?:f?"([a-z_]+)")', path.read_text(encoding="utf-8")))
    assert names and {n for n in names if f"utter_{n}" not in responses() or f"utter_{n}_en" not in responses()} == set()
