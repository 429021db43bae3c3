"""The staff-readable summary of an import: counts, then changed, stale and rejected rows with reasons."""

from __future__ import annotations

from gradbot.cases.importer import ImportReport


def format_report(report: ImportReport, limit: int = 50) -> str:
    """A staff-readable summary: counts, then rejected and stale rows with reasons."""
    plan = report.plan
    c = plan.counts()
    lines = [
        f"文件 {plan.source}（{plan.encoding}）：新增 {c['new']} 行，变更 {c['changed']} 行，未变 {c['unchanged']} 行，"
        f"较旧未覆盖 {c['stale']} 行，拒绝 {c['rejected']} 行；新学生 {c['new_students']} 人，"
        f"学生信息更新 {c['updated_students']} 人。",
    ]
    if plan.ignored_columns:
        lines.append(f"忽略的列：{'、'.join(plan.ignored_columns)}")
    sections = (
        ("变更", [(p.row.row, p.row.student_id, "；".join(p.changes)) for p in plan.rows("changed")]),
        ("较旧未覆盖", [(p.row.row, p.row.student_id, p.reason) for p in plan.rows("stale")]),
        ("拒绝（请修改后重新导入）", [(r.row, r.student_id, r.reason) for r in plan.rejected]),
    )
    for title, items in sections:
        if not items:
            continue
        lines.append(f"{title}：")
        for number, student_id, text in items[:limit]:
            lines.append(f"  第 {number} 行 {student_id or '-'}：{text}")
        if len(items) > limit:
            lines.append(f"  …… 另有 {len(items) - limit} 行")
    if report.refused:
        lines.append(report.refused)
    elif report.applied and report.result:
        r = report.result
        lines.append(f"已写入：新增事项 {r.new_cases}，更新事项 {r.changed_cases}，历史记录 {r.history_rows}，"
                     f"待发送通知 {r.notifications}。")
    else:
        lines.append("以上为预览，数据库未改动；确认无误后加 --apply 写入。")
    return "\n".join(lines)
