"""Turn entries and contacts into the texts students read (Chinese or English)."""

from __future__ import annotations

from gradbot.knowledge.schema import Contact, Entry, KnowledgeBase
from gradbot.office_hours.hours import describe_contact_hours

PLACEHOLDER_MARK = "请管理员填写"  # in a value of _contacts.yml: not filled in yet, never shown to students


def is_placeholder(value: str) -> bool:
    """Whether a contact value is the "待确认（请管理员填写）" placeholder rather than real data."""
    return PLACEHOLDER_MARK in value


def contact_line(contact: Contact, english: bool = False, full: bool = False) -> str:
    """Office name, room and phone on one line (placeholders left out); ``full`` adds the hours and, below, the note."""
    name = (contact.name_en or contact.name) if english else contact.name
    parts = [name]
    if contact.room and contact.room not in name and not is_placeholder(contact.room):
        numbered = contact.room.isalnum() and contact.room.isascii()  # "205", not "各学院办公室"
        parts.append((f"Room {contact.room}" if numbered else contact.room) if english else
                     (f"{contact.room}室" if numbered else contact.room))
    if contact.phone and not is_placeholder(contact.phone):
        parts.append(f"Tel: {contact.phone}" if english else f"电话：{contact.phone}")
    hours = describe_contact_hours(contact, english)
    if full and hours:
        parts.append(hours)
    text = (" | " if english else "｜").join(parts)
    note = (contact.note_en if english else contact.note) if full else ""
    return f"{text}\n{note}" if note else text


def contact_block(contact: Contact | None, english: bool = False) -> str:
    """The contact paragraph under an answer (empty without a contact)."""
    if contact is None:
        return ""
    return ("📍 Contact: " if english else "📍 联系：") + contact_line(contact, english, full=True)


def format_answer(entry: Entry, kb: KnowledgeBase, english: bool = False) -> str:
    """The answer under the question it answers (the entry's title), with its contact and the date it was last checked.

    The title comes first so that a student given a neighbouring entry sees at once that it
    answers another question, and does not act on it.
    """
    contact = kb.contacts.get(entry.contact)
    if english:
        heading = f"About: {entry_title(entry, True)}"
        body = entry.answer_en.strip() if entry.answer_en else "(English answer not available yet; the Chinese answer follows.)\n" + entry.answer.strip()
        checked = f"🕒 Last checked: {entry.updated.isoformat()}"
    else:
        heading = f"【{entry.title}】"
        body = entry.answer.strip()
        checked = f"🕒 信息核对日期：{entry.updated.isoformat()}"
    return "\n\n".join(part for part in (heading, body, contact_block(contact, english), checked) if part)


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
