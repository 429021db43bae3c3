"""Office contacts from ``policies/_contacts.yml``, formatted for a chat line.

The file belongs to the knowledge base; this reader is tolerant: the file may be
missing, keep its entries at the top level or under ``contacts:``, and each entry may
be a plain string or a mapping (name/name_en, room, phone, hours/hours_en, note/note_en).
"""

from __future__ import annotations

import logging
from pathlib import Path

import yaml

from gradbot.settings import get_settings

log = logging.getLogger(__name__)

CONTACTS_FILE = "_contacts.yml"
_FALLBACK = {
    "guidance_205": ("就业创业中心指导部（205 室）", "Employment and Entrepreneurship Center, guidance office (room 205)"),
    "market_office": ("就业创业中心市场部", "Employment and Entrepreneurship Center, market office"),
}

_cache: dict[Path, tuple[float, dict]] = {}


def load_contacts(path: Path | None = None) -> dict:
    """The contacts mapping (key -> str or dict); empty when the file is missing or broken."""
    path = Path(path or get_settings().policies_dir / CONTACTS_FILE)
    try:
        mtime = path.stat().st_mtime
    except OSError:
        return {}
    cached = _cache.get(path)
    if cached and cached[0] == mtime:
        return cached[1]
    try:
        with path.open(encoding="utf-8") as handle:
            data = yaml.safe_load(handle) or {}
    except (OSError, yaml.YAMLError) as exc:
        log.warning("cannot read %s: %s", path, exc)
        return {}
    if isinstance(data, dict) and isinstance(data.get("contacts"), dict):
        data = data["contacts"]
    if isinstance(data, list):  # a list of {key: ..., ...}
        data = {str(item.get("key") or item.get("id")): item for item in data if isinstance(item, dict)}
    contacts = data if isinstance(data, dict) else {}
    _cache[path] = (mtime, contacts)
    return contacts


def _field(entry: dict, name: str, english: bool) -> str:
    value = (entry.get(f"{name}_en") if english else None) or entry.get(name) or ""
    return str(value).strip()


def format_contact(key: str | None, english: bool = False, full: bool = False) -> str:
    """The office for contact ``key``: name, room and phone (``full`` adds hours and the note).

    A built-in name is used when the file or the key is missing; "" for no key.
    """
    if not key:
        return ""
    entry = load_contacts().get(key)
    if isinstance(entry, str):
        return entry.strip()
    if not isinstance(entry, dict):
        zh, en = _FALLBACK.get(key, _FALLBACK["guidance_205"] if key.startswith("guidance_205") else (key, key))
        return en if english else zh
    name = _field(entry, "name", english) or key
    room = str(entry.get("room") or "").strip()
    phone = str(entry.get("phone") or "").strip()
    parts = [name]
    if room and room not in name:
        parts.append(f"Room {room}" if english else f"{room}室")
    if phone:
        parts.append(f"Tel: {phone}" if english else f"电话：{phone}")
    if full and _field(entry, "hours", english):
        parts.append(_field(entry, "hours", english))
    text = (" | " if english else "｜").join(parts)
    if full and _field(entry, "note", english):
        text += "\n" + _field(entry, "note", english)
    return text
