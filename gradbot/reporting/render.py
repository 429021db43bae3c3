"""The report as one self-contained HTML page (inline CSS and SVG; no external files).

Every piece of student text and knowledge-base text goes through :func:`html.escape`.
"""

from __future__ import annotations

import html
from datetime import datetime

from gradbot.reporting.analysis import OUTCOME_LABELS, QUESTION_OUTCOMES, Report
from gradbot.reporting.kb_status import held_back_html, held_back_now
from gradbot.reporting.plots import messages_per_day_svg, messages_per_hour_svg

MAX_GROUPS_SHOWN = 40
STYLE = """
body{font-family:"Microsoft YaHei","PingFang SC","Noto Sans CJK SC","Source Han Sans SC",sans-serif;
  margin:2em auto;max-width:1000px;padding:0 1em;color:#222;line-height:1.5}
h1{font-size:1.6em;margin-bottom:.2em}h2{font-size:1.25em;margin-top:2em;border-bottom:2px solid #1565c0;padding-bottom:.2em}
.muted{color:#666;font-size:.9em}
.cards{display:flex;flex-wrap:wrap;gap:1em;margin:1em 0}
.card{flex:1 1 180px;border:1px solid #ddd;border-radius:8px;padding:.8em 1em;background:#fafafa}
.card .value{font-size:1.8em;font-weight:bold;color:#1565c0}
table{border-collapse:collapse;width:100%;margin:.5em 0}
th,td{border:1px solid #ddd;padding:.35em .6em;text-align:left;vertical-align:top}
th{background:#eef3fb}td.num{text-align:right;white-space:nowrap}
.chart svg{width:100%;height:auto;max-width:900px}
.group{border:1px solid #ddd;border-left:5px solid #e53935;border-radius:6px;padding:.6em 1em;margin:.8em 0}
.group h3{margin:.1em 0 .3em;font-size:1.05em}.group ul{margin:.3em 0}
.empty{padding:1em;background:#fff8e1;border:1px solid #ffe082;border-radius:6px}
"""


def _e(text: object) -> str:
    return html.escape(str(text), quote=True)


def _percent(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.0f}%"


def _summary(report: Report) -> str:
    cards = [
        ("学生消息", str(report.message_count), "该时间段内收到的消息条数"),
        ("对话（学生）数", str(report.session_count), "按匿名会话计，同一学生计一次"),
        ("无需人工直接解答", _percent(report.answered_share),
         f"知识库类问题 {report.question_count} 条中直接给出答案 {report.outcomes['faq']} 条"),
        ("反馈：有用 / 没用", f"{report.thumbs_up} / {report.thumbs_down}", "学生在回答下点的 👍 / 👎"),
    ]
    return '<div class="cards">' + "".join(
        f'<div class="card"><div>{_e(title)}</div><div class="value">{_e(value)}</div><div class="muted">{_e(note)}</div></div>'
        for title, value, note in cards) + "</div>"


def _outcomes(report: Report) -> str:
    rows = []
    total = report.message_count or 1
    ordered = [o for o in OUTCOME_LABELS if report.outcomes[o]]
    for outcome in ordered:
        count = report.outcomes[outcome]
        kind = "知识库问题" if outcome in QUESTION_OUTCOMES else ""
        rows.append(f"<tr><td>{_e(OUTCOME_LABELS[outcome])}</td><td><code>{_e(outcome)}</code></td><td>{kind}</td>"
                    f'<td class="num">{count}</td><td class="num">{count / total * 100:.1f}%</td></tr>')
    return ("<table><tr><th>结果</th><th>代码</th><th>类别</th><th>条数</th><th>占全部消息</th></tr>"
            + "".join(rows) + "</table>")


def _top_entries(report: Report) -> str:
    if not report.top_entries:
        return '<p class="empty">该时间段内没有由知识库条目直接回答的问题。</p>'
    rows = []
    for rank, usage in enumerate(report.top_entries, start=1):
        title = _e(usage.title) + ("" if usage.in_knowledge_base else ' <span class="muted">（条目已不在知识库中）</span>')
        rows.append(f'<tr><td class="num">{rank}</td><td>{title}</td><td><code>{_e(usage.faq_id)}</code></td>'
                    f'<td class="num">{usage.answers}</td><td class="num">{usage.thumbs_up}</td><td class="num">{usage.thumbs_down}</td></tr>')
    return ("<table><tr><th>#</th><th>条目标题</th><th>编号 id</th><th>回答次数</th><th>👍 有用</th><th>👎 没用</th></tr>"
            + "".join(rows) + "</table>")


def _groups(report: Report, csv_name: str | None) -> str:
    if not report.groups:
        return '<p class="empty">该时间段内没有未能回答或被点“没用”的问题。</p>'
    total = sum(g.size for g in report.groups)
    parts = [f"<p>共 {total} 条问题，按相似程度分成 {len(report.groups)} 组（组越大，越值得优先补充）。"
             "如果“最接近的现有条目”说的正是同一件事，只需把这些问法加到该条目的 <code>questions</code> 里；"
             "否则需要新增条目（相似度只是文字上的接近程度，请以内容为准）。</p>"]
    for group in report.groups[:MAX_GROUPS_SHOWN]:
        examples = "".join(f"<li>{_e(text)}</li>" for text in group.examples)
        more = group.size - len(group.examples)
        if group.nearest_entry is not None:
            nearest = (f"最接近的现有条目：{_e(group.nearest_entry.title)}（<code>{_e(group.nearest_entry.id)}</code>，"
                       f"相似度 {group.nearest_score:.2f}）")
        else:
            nearest = "知识库中没有可比较的条目"
        parts.append(
            f'<div class="group"><h3>第 {group.id} 组：{group.size} 条 · {group.sessions} 个对话'
            f'<span class="muted">（未能回答 {group.fallbacks}，回答被点 👎 没用 {group.thumbs_down}）</span></h3>'
            f"<div>代表问题：<strong>{_e(group.representative)}</strong></div>"
            f"<ul>{examples}</ul>"
            + (f'<div class="muted">另有 {more} 条相同或相似的问法</div>' if more > 0 else "")
            + f'<div class="muted">{nearest}</div></div>')
    hidden = len(report.groups) - MAX_GROUPS_SHOWN
    if hidden > 0:
        where = f"（见 CSV 文件 {_e(csv_name)}）" if csv_name else "（用 --csv 导出全部）"
        parts.append(f"<p class=\"muted\">另有 {hidden} 个较小的组未在此列出{where}。</p>")
    return "".join(parts)


def render_html(report: Report, generated_at: datetime | None = None, csv_name: str | None = None) -> str:
    """The whole page for ``report``."""
    period = f"{report.period.start:%Y-%m-%d} 至 {report.period.end:%Y-%m-%d}"
    generated = (generated_at or datetime.now()).strftime("%Y-%m-%d %H:%M")
    head = (f'<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8">'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<title>就业助手使用报告 {_e(period)}</title><style>{STYLE}</style></head><body>"
            f"<h1>就业助手使用报告</h1><p class=\"muted\">统计时间：{_e(period)}（北京时间）· 生成于 {_e(generated)}"
            " · 学生身份不记录，学号等已在记录时去除</p>" + held_back_html(held_back_now()))
    if report.message_count == 0:
        body = ('<p class="empty">该时间段内没有对话记录（没有学生消息）。请检查日期范围，'
                "或确认 Telegram 机器人正在运行并写入对话记录。</p>")
        return head + body + "</body></html>"
    body = "".join([
        "<h2>概览</h2>", _summary(report),
        "<h2>每日消息数</h2>",
        '<p class="muted">按回答结果分色：answered (faq) 直接回答，clarify 反问确认，fallback 未能回答，handoff 转人工，other 其他（问候、进度查询等）。</p>',
        f'<div class="chart">{messages_per_day_svg(report.per_day)}</div>',
        "<h2>一天中各小时的消息数</h2>",
        f'<div class="chart">{messages_per_hour_svg(report.per_hour)}</div>',
        "<h2>回答结果</h2>", _outcomes(report),
        "<h2>回答最多的知识库条目</h2>", _top_entries(report),
        "<h2>下一步该补充什么：未能回答或被点“没用”的问题（按相似度分组）</h2>", _groups(report, csv_name),
    ])
    return head + body + "</body></html>"
