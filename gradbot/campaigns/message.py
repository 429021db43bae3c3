"""The reminder a student reads: the staff's text in their language, why they get it
("你的签约派遣事项当前为：待提交") and how to stop it, with the optional entry button."""

from __future__ import annotations

from typing import Any

from gradbot.campaigns.audience import Match
from gradbot.campaigns.definition import Campaign
from gradbot.cases.catalog import LEVEL_NAMES, LEVEL_NAMES_EN, Catalog
from gradbot.knowledge.formatting import entry_title
from gradbot.knowledge.schema import KnowledgeBase

CALLBACK_PREFIX = "cmp:"  # callback data of a campaign button: cmp:<campaign id>
HEADER = "【就业创业中心提醒】"
HEADER_EN = "[Employment Center reminder]"
STOP = "不想再收到提醒？发送 /mute，或在 /settings 中关闭。"
STOP_EN = "To stop reminders, send /mute or turn them off in /settings."


def reason(campaign: Campaign, match: Match, catalog: Catalog, english: bool) -> str:
    """Why this student gets the campaign, in one sentence."""
    audience = campaign.audience
    case_type = catalog.get(audience.case_type) if audience.case_type else None
    if case_type is not None and match.case_status:
        if english:
            status = next((s.name_en for s in case_type.statuses if s.name == match.case_status and s.name_en), match.case_status)
            return f"Why you get this: your {case_type.name_en or case_type.name} case is currently: {status}."
        return f"为什么收到：你的{case_type.name}事项当前为：{match.case_status}。"
    if audience.levels or audience.colleges:
        level = match.level if audience.levels else None
        if english:
            who = f"a {LEVEL_NAMES_EN[level]} graduate" if level else "a graduate"
            where = f" of {match.college}" if audience.colleges and match.college else ""
            return f"Why you get this: you are {who}{where}."
        where = match.college if audience.colleges and match.college else ""
        return f"为什么收到：你是{where}{LEVEL_NAMES[level] if level else ''}毕业生。"
    return ("Why you get this: your student ID is bound to this assistant." if english
            else "为什么收到：你已在本助手绑定学号。")


def render(campaign: Campaign, match: Match, catalog: Catalog) -> str:
    """The full text for this student (English when they use English and there is ``text_en``)."""
    english = match.language == "en" and bool(campaign.text_en)
    if english:
        return "\n\n".join((HEADER_EN, campaign.text_en.strip(), reason(campaign, match, catalog, True) + "\n" + STOP_EN))
    return "\n\n".join((HEADER, campaign.text.strip(), reason(campaign, match, catalog, False) + "\n" + STOP))


def reply_markup(campaign: Campaign, campaign_id: int, kb: KnowledgeBase, english: bool) -> dict[str, Any] | None:
    """The inline button offering the campaign's knowledge-base entry, or None."""
    entry = kb.entries.get(campaign.button or "")
    if entry is None:
        return None
    return {"inline_keyboard": [[{"text": entry_title(entry, english and bool(campaign.text_en)),
                                  "callback_data": f"{CALLBACK_PREFIX}{campaign_id}"}]]}
