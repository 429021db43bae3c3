"""Writing files of ``policies/`` that staff edit too: one writer at a time, never half a file.

:func:`policies_lock` serialises the assistant's own writers (``gradbot review``, the
bot's ``/faq``) with an exclusive ``flock`` on ``policies/.write.lock``;
:func:`write_atomically` replaces a file through a temporary file in the same folder, so
the knowledge store and editors only ever see the old or the new content;
:func:`append_to_list` adds an item to a YAML list as text, keeping everything else.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import tempfile
from pathlib import Path
from typing import Callable, Iterator

import yaml

LOCK_FILE = ".write.lock"


@contextlib.contextmanager
def policies_lock(policies_dir: Path) -> Iterator[None]:
    """Hold the lock of ``policies_dir`` for a read-change-write of one of its files."""
    with open(Path(policies_dir) / LOCK_FILE, "a+") as handle:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


def write_atomically(path: Path, text: str) -> None:
    """Replace ``path`` with ``text`` (UTF-8) in one step, keeping the file's permissions."""
    path = Path(path)
    handle, temp = tempfile.mkstemp(prefix=f".{path.name}-", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.write(text)
            out.flush()
            os.fsync(out.fileno())
        os.chmod(temp, path.stat().st_mode & 0o777 if path.exists() else 0o644)
        os.replace(temp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temp)
        raise


def yaml_quoted(text: str) -> str:
    """``text`` as a one-line double-quoted YAML scalar that reads back exactly."""
    return yaml.safe_dump(text, allow_unicode=True, default_style='"', width=1 << 20).strip().removesuffix("...").strip()


def append_to_list(text: str, key: str, render: Callable[[int], str], header: str) -> str:
    """``text`` with one item added at the end of its top-level ``key:`` block list.

    ``render(column)`` gives the item's text with its ``-`` at ``column`` (the column of the
    items already there, else 2). An empty ``text`` becomes ``header`` (which ends with
    ``key:``) plus the item. The list must be the file's last key, so an item appended at
    the end belongs to it. ValueError (Chinese / English) otherwise; YAMLError for broken YAML.
    """
    if not text.strip():
        return header + render(2)
    root = yaml.compose(text, Loader=yaml.SafeLoader)
    keys = [str(k.value) for k, _ in root.value] if isinstance(root, yaml.MappingNode) else []
    if key not in keys:
        raise ValueError(f"文件里没有 {key}: 列表")
    if keys[-1] != key:
        raise ValueError(f"{key}: 必须是文件里最后一个字段")
    node = dict((str(k.value), v) for k, v in root.value)[key]
    empty_scalar = isinstance(node, yaml.ScalarNode) and node.tag.endswith(":null")
    if empty_scalar or (isinstance(node, yaml.SequenceNode) and node.flow_style and not node.value):
        start, end = node.start_mark.index, node.end_mark.index  # "key: []" or "key:" → a block list
        text = text[:start].rstrip(" ") + text[end:]
        column = 2
    elif isinstance(node, yaml.SequenceNode) and not node.flow_style and node.value:
        column = max(node.value[0].start_mark.column - 2, 0)  # the column of the existing items' "-"
    else:
        raise ValueError(f"{key}: 下面必须是每项以 “- ” 开头的列表")
    if not text.endswith("\n"):
        text += "\n"
    return text + render(column)
