"""Office contacts from ``policies/_contacts.yml``, formatted for a chat line.

The file belongs to the knowledge base; this reader is tolerant: the file may be
missing, keep its entries at the top level or under ``contacts:``, and each entry may
be a plain string or a mapping (name, location/room, phone, hours, email, note…).
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
_FIELDS_ZH = (("location", "地点"), ("room", "地点"), ("address", "地点"), ("phone", "电话"),
              ("hours", "时间"), ("email", "邮箱"), ("note", ""))
_FIELDS_EN = (("location_en", "Where"), ("location", "Where"), ("room", "Where"), ("phone", "Phone"),
              ("hours_en", "Hours"), ("hours", "Hours"), ("email", "Email"), ("note_en", ""))

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


def format_contact(key: str | None, english: bool = False) -> str:
    """A one-line description of contact ``key``; a built-in default if the file lacks it."""
    if not key:
        return ""
    entry = load_contacts().get(key)
    if isinstance(entry, str):
        return entry.strip()
    if isinstance(entry, dict):
        name = str((entry.get("name_en") if english else None) or entry.get("name") or entry.get("title") or "")
        parts, seen_labels = [], set()
        for field_name, label in (_FIELDS_EN if english else _FIELDS_ZH):
            value = entry.get(field_name)
            if value in (None, "") or (label and label in seen_labels):
                continue
            seen_labels.add(label)
            parts.append(f"{label}: {value}" if english and label else f"{label}：{value}" if label else str(value))
        joined = ("; " if english else "；").join(str(p).strip() for p in parts)
        if name and joined:
            return f"{name.strip()} ({joined})" if english else f"{name.strip()}（{joined}）"
        if name or joined:
            return (name or joined).strip()
    zh, en = _FALLBACK.get(key, (key, key))
    return en if english else zh
