"""``gradbot notify`` as staff use it: a file with a mistake, preview, fix, send (twice),
report, and a draft from an entry; on a real database."""

from __future__ import annotations

from sqlalchemy import func, select

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
    assert f"{path}:6: 错误：未知的状态" in err and "待审核" in err and "未做任何操作" in err

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
