"""CSV export of the questions that fell back or got 👎, for the team to work through.

UTF-8 with a byte-order mark so Excel shows the Chinese correctly. Cells that Excel would
read as a formula (starting with ``=``, ``+``, ``-``, ``@``) get a leading apostrophe.
"""

from __future__ import annotations

import csv
from pathlib import Path

from gradbot.reporting.analysis import OUTCOME_LABELS, Report

HEADER = ("组号", "组内条数", "代表问题", "时间（北京时间）", "结果", "反馈", "学生问题", "被点👎的回答条目", "识别意图", "置信度",
          "最接近的现有条目", "条目相似度")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: object) -> str:
    """Text for a spreadsheet cell that Excel will not run as a formula."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


def unanswered_rows(report: Report) -> list[list[str]]:
    """One row per unanswered message, grouped (the CSV body)."""
    rows = []
    for group, message in report.unanswered:
        feedback = {1: "👍", -1: "👎"}.get(message.feedback or 0, "")
        outcome = OUTCOME_LABELS.get(message.outcome or "", message.outcome or "")
        rows.append([
            str(group.id), str(group.size), safe_cell(group.representative), f"{message.created_at:%Y-%m-%d %H:%M}",
            outcome, feedback, safe_cell(message.text), message.faq_id if message.feedback == -1 and message.faq_id else "",
            message.intent or "",
            "" if message.confidence is None else f"{message.confidence:.2f}",
            group.nearest_entry.id if group.nearest_entry else "",
            f"{group.nearest_score:.2f}" if group.nearest_entry else "",
        ])
    return rows


def write_unanswered_csv(report: Report, path: Path) -> int:
    """Write the CSV (UTF-8 with BOM); returns the number of question rows."""
    rows = unanswered_rows(report)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADER)
        writer.writerows(rows)
    return len(rows)
