"""Turn entries and contacts into the texts students read (Chinese or English)."""

from __future__ import annotations

from gradbot.knowledge.schema import Contact, Entry, KnowledgeBase


def contact_block(contact: Contact | None, english: bool = False) -> str:
    """One or two lines naming the office, room, phone and hours."""
    if contact is None:
        return ""
    if english:
        parts = [contact.name_en or contact.name]
        if contact.room:
            parts.append(f"Room {contact.room}")
        if contact.phone:
            parts.append(f"Tel: {contact.phone}")
        if contact.hours_en or contact.hours:
            parts.append(contact.hours_en or contact.hours)
        lines = ["📍 Contact: " + " | ".join(parts)]
        if contact.note_en:
            lines.append(contact.note_en)
        return "\n".join(lines)
    parts = [contact.name]
    if contact.room and contact.room not in contact.name:
        parts.append(f"{contact.room}室")
    if contact.phone:
        parts.append(f"电话：{contact.phone}")
    if contact.hours:
        parts.append(contact.hours)
    lines = ["📍 联系：" + "｜".join(parts)]
    if contact.note:
        lines.append(contact.note)
    return "\n".join(lines)


def format_answer(entry: Entry, kb: KnowledgeBase, english: bool = False) -> str:
    """The answer with its contact and the date it was last checked."""
    contact = kb.contacts.get(entry.contact)
    if english:
        body = entry.answer_en.strip() if entry.answer_en else "(English answer not available yet; the Chinese answer follows.)\n" + entry.answer.strip()
        checked = f"🕒 Last checked: {entry.updated.isoformat()}"
    else:
        body = entry.answer.strip()
        checked = f"🕒 信息核对日期：{entry.updated.isoformat()}"
    return "\n\n".join(part for part in (body, contact_block(contact, english), checked) if part)


def entry_title(entry: Entry, english: bool = False) -> str:
    """The entry's button title in the student's language."""
    return (entry.title_en or entry.title) if english else entry.title


def topics_overview(kb: KnowledgeBase, english: bool = False) -> str:
    """A one-line list of what the assistant can help with."""
    if english:
        return ("employment agreements and dispatch, online signing, graduation destination registration and archives, "
                "Shanghai hukou settlement, study-abroad registration, Xi'an talent recognition, selected graduates (选调生), "
                "job fairs and the employment website, and your own case status")
    names = [name for name in kb.topics.values() if name]
    return "、".join(names + ["本人办理进度查询"])
