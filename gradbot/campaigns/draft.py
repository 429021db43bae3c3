"""``gradbot notify new --from ENTRY_ID``: a draft campaign file built from a knowledge-base
entry (its title, its next deadline, the entry as the button), for staff to finish."""

from __future__ import annotations

import datetime as dt

from gradbot.cases.catalog import Catalog
from gradbot.knowledge.deadlines import next_deadline
from gradbot.knowledge.schema import Entry


def _quoted(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def draft_name(entry: Entry, today: dt.date) -> str:
    """``2026-11-27-dispatch-agreement_stamp``: today's date and the entry id."""
    return f"{today:%Y-%m-%d}-{entry.id.replace('.', '-')}"


def draft_text(entry: Entry, catalog: Catalog, today: dt.date) -> str:
    """The YAML of a draft campaign (comments in Chinese say what to fill in)."""
    deadline = next_deadline(entry.deadlines, today)
    if deadline is not None:
        text = f"提醒：{deadline.label}的截止日期是 {deadline.date:%Y年%-m月%-d日}。{entry.title}，详见下方按钮。"
        text_en = (f"Reminder: {deadline.label_en or deadline.label} is due on {deadline.date:%d %B %Y}. "
                   f"{entry.title_en or entry.title}: see the button below.")
        send_at = f"{max(deadline.date - dt.timedelta(days=3), today + dt.timedelta(days=1)):%Y-%m-%d} 09:00"
        when = f"send_at: {send_at}              # 北京时间；截止日前三天上午 9 点（请核对）"
    else:
        text = f"提醒：{entry.title}，详见下方按钮。"
        text_en = f"Reminder: {entry.title_en or entry.title}. See the button below."
        when = "# send_at: 2026-06-01 09:00      # 北京时间；不写则发送后立即推送（免打扰时段除外）"
    case_type = catalog.get(entry.topic)
    audience = [
        "audience:                          # 只写需要的条件；学生须同时满足所有条件",
        "  level: [本科]                    # 本科 / 硕士 / 博士",
        "  # college: [电信学院]",
    ]
    if case_type is not None:
        statuses = ", ".join(s.name for s in case_type.statuses[:1])
        audience += [f"  case_type: {case_type.key}              # {case_type.name}",
                     f"  status: [{statuses}]                # 该事项当前状态（可选：{'、'.join(s.name for s in case_type.statuses)}）"]
    else:
        audience += ["  # case_type: dispatch             # 事项（policies/_case_types.yml）",
                     "  # status: [待提交]"]
    lines = [
        f"# 草稿：由知识库条目 {entry.id} 生成（{today:%Y-%m-%d}）。请核对文字、时间和对象，",
        "# 然后运行 gradbot notify preview 本文件 检查，确认后 gradbot notify send 本文件。",
        f"name: {draft_name(entry, today)}",
        when,
        *audience,
        f"text: {_quoted(text)}",
        f"text_en: {_quoted(text_en)}",
        f"button: {entry.id}",
        "urgent: false                      # true：免打扰时段（22:00–08:00）也发送，仅限当晚截止等紧急情况",
    ]
    return "\n".join(lines) + "\n"
