"""The report's notice of knowledge-base edits held back: a broken edit the assistant does not serve.

:func:`held_back_now` asks the knowledge store (the same checks and the same saved last
good versions as the running assistant); :func:`held_back_html` and :func:`held_back_text`
render it for the page and the console ("" and [] when every edit is live).
"""

from __future__ import annotations

import html
import logging

from gradbot.knowledge.store import HeldBack, default_store

log = logging.getLogger(__name__)
STYLE = "border:1px solid #e53935;border-left:6px solid #e53935;border-radius:6px;padding:.6em 1em;background:#ffebee"


def held_back_now() -> list[HeldBack]:
    """The knowledge-base edits held back now (empty when every edit is live or the check fails)."""
    try:
        return default_store().snapshot().held_back
    except Exception:  # the report must not fail because of this notice
        log.warning("could not check the knowledge base for held-back edits", exc_info=True)
        return []


def held_back_html(held_back: list[HeldBack]) -> str:
    """A red box naming each held-back file and its errors with file and line ("" when none)."""
    if not held_back:
        return ""
    items = []
    for item in held_back:
        head, *problems = item.describe()
        lines = "".join(f"<li><code>{html.escape(p.strip())}</code></li>" for p in problems)
        items.append(f"<li>{html.escape(head)}<ul>{lines}</ul></li>")
    return (f'<div style="{STYLE}"><h2 style="margin-top:.2em">知识库有修改未生效</h2>'
            "<p>下列文件的最新修改有错误，助手没有采用，仍在使用上一个正确的版本。请按提示改正后运行 "
            "<code>gradbot kb check</code>，显示“0 个错误”后几秒内生效。</p>"
            f"<ul>{''.join(items)}</ul></div>")


def held_back_text(held_back: list[HeldBack]) -> list[str]:
    """The same notice as console lines ([] when none)."""
    if not held_back:
        return []
    lines = ["知识库有修改未生效（仍在使用上一个正确的版本）："]
    for item in held_back:
        lines += ["  " + line for line in item.describe()]
    return lines
