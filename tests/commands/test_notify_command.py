"""``gradbot notify`` as staff use it: a file with a mistake, preview, fix, send (twice),
report, and a draft from an entry; on a real database."""

from __future__ import annotations

import datetime as dt
import re

from sqlalchemy import func, select

from gradbot import outbox, preferences
from gradbot.campaigns.delivery import skip_reason
from gradbot.cli import main
from gradbot.db.engine import sessions
from gradbot.db.models import OutboxMessage
from tests.support.campaigns import add_students, write_campaign


def outbox_rows(url):
    with sessions(url).begin() as session:
        return session.execute(select(func.count()).select_from(OutboxMessage)).scalar_one()


def test_mistake_preview_fix_send_twice_report(cases_db, tmp_path, capsys):
    add_students(cases_db, 1000, 3)
    add_students(cases_db, 2000, 1, college="机械学院")
    path = write_campaign(tmp_path, extra="urgent: 是\n")
    path.write_text(path.read_text(encoding="utf-8").replace("[待提交]", "[待审核]"), encoding="utf-8")

    assert main(["notify", "preview", str(path)]) == 1
    err = capsys.readouterr().err
    assert f"{path}:6: 错误：未知状态“待审核”" in err and "未做任何操作" in err

    path.write_text(path.read_text(encoding="utf-8").replace("[待审核]", "[待提交]"), encoding="utf-8")
    assert main(["notify", "preview", str(path)]) == 0
    out = capsys.readouterr().out
    assert "符合条件的已绑定学生：3" in out and "将发送：3" in out and "21******00" in out
    assert "你的签约派遣事项当前为：待提交" in out and "currently: Not yet submitted" in out
    assert "紧急：免打扰时段" in out and "没有排队任何消息" in out
    assert outbox_rows(cases_db) == 0  # preview changes nothing

    assert main(["notify", "send", str(path)]) == 0
    assert "本次新排队 3" in capsys.readouterr().out
    assert main(["notify", "send", str(path)]) == 0
    assert "本次新排队 0；此前已排队 3" in capsys.readouterr().out
    assert outbox_rows(cases_db) == 3

    assert main(["notify", "report", "2026-dispatch-pending"]) == 0
    line = capsys.readouterr().out.splitlines()[1].split()
    assert line[0] == "2026-dispatch-pending" and line[3:] == ["紧急", "3", "3", "0", "0", "0", "0", "0", "0"]
    assert main(["notify", "report", "no-such-campaign"]) == 1


def test_new_from_entry_writes_a_draft_that_previews(cases_db, tmp_path, capsys):
    out = tmp_path / "draft.yml"
    assert main(["notify", "new", "--from", "dispatch.agreement_stamp", "--out", str(out)]) == 0
    assert "button: dispatch.agreement_stamp" in out.read_text(encoding="utf-8")
    assert main(["notify", "new", "--from", "dispatch.agreement_stamp", "--out", str(out)]) == 1  # no overwrite
    assert main(["notify", "new", "--from", "dispatch.nope"]) == 1
    assert main(["notify", "preview", str(out)]) == 0
    capsys.readouterr()


def _muted_in_preview_and_report(path, capsys) -> tuple[int, int, list[str]]:
    assert main(["notify", "preview", str(path)]) == 0
    preview = int(re.search(r"已关闭提醒（不发送）：(\d+)", capsys.readouterr().out).group(1))
    assert main(["notify", "report", "2026-dispatch-pending"]) == 0
    columns = capsys.readouterr().out.splitlines()[1].split()[-8:]  # matched waiting sent blocked muted skipped failed pressed
    return preview, int(columns[4]), columns


def _set_reminders(url, student, on):
    with sessions(url).begin() as session:
        preferences.update(session, student, reminders=on)


async def test_preview_and_report_count_muted_students_alike(cases_db, tmp_path, capsys):
    (a, _), (b, _), (c, _), _ = add_students(cases_db, 3000, 4)
    path = write_campaign(tmp_path)
    _set_reminders(cases_db, a, False)  # muted before the campaign is sent
    assert main(["notify", "preview", str(path)]) == 0
    assert "已关闭提醒（不发送）：1" in capsys.readouterr().out
    assert main(["notify", "send", str(path)]) == 0
    assert "已关闭提醒（不排队）1" in capsys.readouterr().out
    preview, report, columns = _muted_in_preview_and_report(path, capsys)
    assert (preview, report) == (1, 1) and columns[:3] == ["4", "3", "0"]  # matched 4, waiting 3

    _set_reminders(cases_db, b, False)  # muted after it was queued, before delivery
    assert _muted_in_preview_and_report(path, capsys)[:2] == (2, 2)

    async def send(message):
        return None

    with sessions(cases_db).begin() as session:
        due = outbox.pending_ids(session, 10, kinds=("campaign",), now=dt.datetime(2100, 1, 1))
    for outbox_id in due:  # the delivery the running assistant does (b is skipped there)
        await outbox.deliver(sessions(cases_db), outbox_id, send, check=skip_reason)
    _set_reminders(cases_db, c, False)  # muted after it reached them: they were reached, not muted
    preview, report, columns = _muted_in_preview_and_report(path, capsys)
    assert (preview, report) == (2, 2) and columns[:3] == ["4", "0", "2"]  # c and d reached

    _set_reminders(cases_db, a, True)  # reminders on again: the next send queues a
    assert main(["notify", "send", str(path)]) == 0
    assert "本次新排队 1" in capsys.readouterr().out
    preview, report, columns = _muted_in_preview_and_report(path, capsys)
    assert (preview, report) == (1, 1) and columns[:3] == ["4", "1", "2"]
