"""Helpers for campaign tests and benchmarks: bound students in bulk, campaign files, and
the campaign messages a fake Bot API received."""

from __future__ import annotations

import datetime as dt
import textwrap
from pathlib import Path
from typing import Iterable

from sqlalchemy import insert

from gradbot.campaigns.message import HEADER, HEADER_EN
from gradbot.db.engine import sessions, upgrade
from gradbot.db.models import Case, Student, TelegramBinding, utcnow

DISPATCH_PENDING = """\
name: {name}
audience:
  level: [本科]
  college: [电信学院]
  case_type: dispatch
  status: [待提交]
text: 距离离校还有三周，你的就业协议还没有提交学院审核。
text_en: Three weeks before you leave, your employment agreement is not yet with your school.
button: dispatch.agreement_stamp
{extra}
"""


def add_students(url: str, first_user_id: int, count: int, *, level: str = "undergraduate", college: str = "电信学院",
                 status: str | None = "待提交", bound: bool = True, prefix: str = "21") -> list[tuple[str, int]]:
    """``count`` students (ids ``<prefix><8 digits>``) with a dispatch case in ``status`` (None: no case),
    each bound to Telegram user ``first_user_id + i`` when ``bound``; returns (student id, user id) pairs."""
    upgrade(url)
    now = utcnow()
    pairs = [(f"{prefix}{first_user_id + i:08d}", first_user_id + i) for i in range(count)]
    with sessions(url).begin() as session:
        session.execute(insert(Student.__table__), [
            {"student_id": sid, "name": "学生", "level": level, "college": college, "created_at": now, "updated_at": now}
            for sid, _ in pairs])
        if status is not None:
            session.execute(insert(Case.__table__), [
                {"student_id": sid, "case_type": "dispatch", "status": status, "note": "", "updated_at": now,
                 "created_at": now} for sid, _ in pairs])
        if bound:
            session.execute(insert(TelegramBinding.__table__), [
                {"telegram_user_id": str(uid), "student_id": sid, "bound_at": now, "blocked": False} for sid, uid in pairs])
    return pairs


def write_campaign(directory: Path, name: str = "2026-dispatch-pending", extra: str = "",
                   template: str = DISPATCH_PENDING) -> Path:
    """A campaign file (the dispatch-pending example unless ``template``), with ``extra`` lines appended."""
    path = Path(directory) / f"{name}.yml"
    path.write_text(template.format(name=name, extra=textwrap.dedent(extra)), encoding="utf-8")
    return path


def campaign_texts(api, chat_ids: Iterable[int]) -> dict[int, int]:
    """How many campaign reminders each chat received (successful ``sendMessage`` calls)."""
    return {chat_id: sum(text.startswith((HEADER, HEADER_EN)) for text in api.texts_to(chat_id)) for chat_id in chat_ids}


def beijing(text: str) -> dt.datetime:
    """``2026-06-01 10:00`` Beijing time as naive UTC (for injected clocks)."""
    return dt.datetime.fromisoformat(text) - dt.timedelta(hours=8)
