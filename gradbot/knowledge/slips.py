"""Point at the real cause of the commonest slips staff make when editing the YAML by hand.

PyYAML says where parsing failed, in parser terms, often on a line after the slip (or not
at all: a list line indented one space too far is silently glued to the line above).
:func:`layout_slips` reads the raw lines for the slips seen most often:

- a field or list line indented one space too far or too little (any indentation that
  matches no field above it);
- a field name followed by a full-width colon ``：`` instead of ``: `` (also ``- id：…``).

:func:`continuation_hint` explains a text line that lost its indentation (a line of
``answer: |`` written at the left margin), and :func:`entry_above` names the entry a line
belongs to, so a syntax error can say which entry to open.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from gradbot.knowledge.schema import CONTACT_FIELDS, OPTIONAL_ENTRY_FIELDS, REQUIRED_ENTRY_FIELDS

_KEY = re.compile(r"(?P<key>[A-Za-z_][\w-]*)[ \t]*:(?:[ \t]+(?P<value>.*))?$")
_FULL_WIDTH_KEY = re.compile(r"(?P<key>[A-Za-z_][\w-]*)[ \t]*：")
_BLOCK_SCALAR = re.compile(r"^[|>][-+0-9]*\s*(#.*)?$")
_ENTRY_ID = re.compile(r"^\s*(?:-\s+)?id\s*[:：]\s*(?P<id>\S+)")
_SETTINGS_KEY = re.compile(r"^  (?P<key>[A-Za-z_][\w-]*)\s*:\s*(#.*)?$")
_FIRST_WORD = re.compile(r"^\s*(?:-\s+)?(?P<word>[A-Za-z_][\w-]*)")
# field names of the three kinds of file: a line starting with one of them is a field that lost its ':'
FIELD_NAMES = frozenset(REQUIRED_ENTRY_FIELDS + OPTIONAL_ENTRY_FIELDS + CONTACT_FIELDS + (
    "topic", "topic_name", "entries", "contacts", "case_types", "aliases", "statuses", "next_step", "next_step_en",
    "default", "undergraduate", "master", "doctor", "handoff", "default_contact", "levels", "desk", "desk_en"))


@dataclass(frozen=True)
class Slip:
    """A slip found on ``line`` (1-based), with what to do about it."""

    line: int
    message: str


@dataclass
class _Line:
    number: int
    indent: int
    kind: str  # "key", "item", "full_width" or "text"
    key: str = ""
    value: str = ""
    content_indent: int = 0  # for "- key: value" items: where the key starts
    full_width: bool = False  # "- key：value": a list item whose field name has a full-width colon


def _classify(number: int, raw: str) -> _Line | None:
    text = raw.rstrip("\r\n")
    stripped = text.strip()
    if not stripped or stripped.startswith("#"):
        return None
    indent = len(text) - len(text.lstrip(" "))
    body = text[indent:]
    if body == "-" or body.startswith("- "):
        rest = body[1:].lstrip(" ")
        content_indent = indent + (len(body) - len(rest))
        match = _KEY.match(rest)
        if match:
            return _Line(number, indent, "item", match["key"], (match["value"] or "").strip(), content_indent)
        match = _FULL_WIDTH_KEY.match(rest)
        if match and match["key"] in FIELD_NAMES:  # "- id：…" (a question such as "- QQ：…" is text)
            return _Line(number, indent, "item", match["key"], rest[match.end():].strip(), content_indent, full_width=True)
        return _Line(number, indent, "item", value=rest.strip() or "", content_indent=0)
    match = _KEY.match(body)
    if match:
        return _Line(number, indent, "key", match["key"], (match["value"] or "").strip())
    match = _FULL_WIDTH_KEY.match(body)
    if match:
        return _Line(number, indent, "full_width", match["key"])
    return _Line(number, indent, "text")


def _spaces(count: int) -> str:
    return f"{count} 个空格"


def _opens_block(value: str) -> bool:
    return value == "" or value.startswith("#")


def layout_slips(text: str) -> list[Slip]:
    """Indentation that matches no field above, and full-width colons after field names.

    Lines inside ``|``/``>`` text blocks and continuation lines of a long value are not
    looked at: any indentation is right there.
    """
    slips: list[Slip] = []
    levels: dict[int, tuple[int, str]] = {0: (0, "key")}  # open indentation -> (the line that opened it, its kind)
    child_of: int | None = None  # indentation of a "key:" with nothing after it
    block_of: int | None = None  # indentation of a "key: |" whose text follows
    for number, raw in enumerate(text.splitlines(), start=1):
        line = _classify(number, raw)
        if line is None:
            continue
        if block_of is not None:
            if line.indent > block_of:
                continue
            block_of = None
        if line.kind == "text":
            continue
        indent = line.indent
        allowed = indent in levels or (child_of is not None and (indent > child_of or (line.kind == "item" and indent == child_of)))
        if not allowed:
            kind = "item" if line.kind == "item" else "key"
            nearest = min(levels, key=lambda level: (abs(level - indent), levels[level][1] != kind, -level))
            difference = indent - nearest
            above = levels[nearest][0]
            if line.kind == "full_width" and difference > 1:
                continue  # text continuing a value above ("Note：…"), which YAML reads as part of it
            if abs(difference) == 1:
                how = "多了 1 个空格" if difference > 0 else "少了 1 个空格"
            else:
                how = f"{'多' if difference > 0 else '少'}了 {abs(difference)} 个空格"
            slips.append(Slip(number, f"缩进不对：这一行缩进{how}（{_spaces(indent)}）；请与第 {above} 行"
                                      f"（{_spaces(nearest)}，它所属的字段或列表项）对齐"))
            if line.content_indent:
                line.content_indent -= difference
            indent = nearest
        elif line.kind == "full_width" or line.full_width:
            slips.append(Slip(number, f"{line.key} 后面是中文冒号“：”；请写成 “{line.key}: ”"
                                      "（英文冒号加一个空格）"))
        for level in [level for level in levels if level > indent]:
            del levels[level]
        levels[indent] = (number, "item" if line.kind == "item" else "key")
        child_of = block_of = None
        if line.kind == "item" and line.content_indent:
            levels[line.content_indent] = (number, "key")
            key_indent, value = line.content_indent, line.value
        elif line.kind == "item":
            if not line.value:
                child_of = indent
            continue
        else:
            key_indent, value = indent, line.value
        if line.kind == "full_width" or line.full_width:
            continue
        if _opens_block(value):
            child_of = key_indent
        elif _BLOCK_SCALAR.match(value):
            block_of = key_indent
    return slips


def continuation_hint(text: str, line_number: int) -> str:
    """Advice when ``line_number`` is plain text where a field was expected, else ""."""
    lines = text.splitlines()
    if not 1 <= line_number <= len(lines):
        return ""
    line = _classify(line_number, lines[line_number - 1])
    if line is None or line.kind != "text":
        return ""
    first = _FIRST_WORD.match(lines[line_number - 1])
    if first and first["word"] in FIELD_NAMES:
        return ""  # a field that lost its ':'; the caller's hint says so
    for number in range(line_number - 1, 0, -1):
        above = _classify(number, lines[number - 1])
        if above is None or above.kind == "text":
            continue
        key = above.key or "该项"
        if above.kind in ("key", "item") and above.key and not _opens_block(above.value):
            indent = (above.content_indent or above.indent) + 2
            return (f"这一行不是 “字段: 值”；如果它是第 {number} 行 {key} 的文字的延续，"
                    f"请像那段文字一样缩进（{indent} 个空格）；如果它是字段，请写成 “字段: 值”")
        return ""
    return ""


def entry_above(text: str, line_number: int, settings_file: bool = False) -> str:
    """The id of the entry ``line_number`` is in (the nearest ``id:`` above), or "".

    In a settings file (``_contacts.yml``, ``_case_types.yml``) the block is named by its
    key, two spaces in (``guidance_205``, ``dispatch``).
    """
    pattern = _SETTINGS_KEY if settings_file else _ENTRY_ID
    lines = text.splitlines()
    for number in range(min(line_number, len(lines)), 0, -1):
        match = pattern.match(lines[number - 1])
        if match:
            return match.group(1)
    return ""
