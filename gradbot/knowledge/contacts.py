"""Office contacts for case replies, from the knowledge base's ``policies/_contacts.yml``.

The contacts are read through the knowledge base's hot-reloading store
(:func:`gradbot.knowledge.store.default_store`) and formatted as under answers
(:func:`gradbot.knowledge.formatting.contact_line`); a built-in name stands in when
the file or the key is missing.
"""

from __future__ import annotations

from gradbot.knowledge.formatting import contact_line
from gradbot.knowledge.store import default_store

_FALLBACK = {
    "guidance_205": ("就业创业中心指导部（205 室）", "Employment and Entrepreneurship Center, guidance office (room 205)"),
    "market_office": ("就业创业中心市场部", "Employment and Entrepreneurship Center, market office"),
}


def format_contact(key: str | None, english: bool = False, full: bool = False) -> str:
    """The office for contact ``key``: name, room and phone (``full`` adds hours and the note).

    A built-in name is used when the file or the key is missing; "" for no key.
    """
    if not key:
        return ""
    contact = default_store().snapshot().kb.contacts.get(key)
    if contact is None:
        zh, en = _FALLBACK.get(key, _FALLBACK["guidance_205"] if key.startswith("guidance_205") else (key, key))
        return en if english else zh
    return contact_line(contact, english, full)
