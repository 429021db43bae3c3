"""The report as one self-contained HTML page (inline CSS and SVG; no external files), in Chinese.

The page is a list of sections (:func:`sections`); each is ``section(title, body)`` from
one function, so a new part of the report (e.g. :mod:`gradbot.reporting.handoff`) is one
more call in :func:`sections`. Every piece of student text and knowledge-base text goes
through :func:`html.escape`. Times are Beijing time.
"""

from __future__ import annotations

import html
from datetime import datetime
from typing import Sequence

from gradbot.db.models import BEIJING
from gradbot.reporting.analysis import OUTCOME_LABELS, QUESTION_OUTCOMES, Figures, Report, picked_entry
from gradbot.reporting.campaigns import CampaignCounts
from gradbot.reporting.campaigns import render_html as campaigns_html
from gradbot.reporting.data import LoggedMessage
from gradbot.reporting.handoff import HandoffFigures, handoff_section
from gradbot.reporting.kb_status import held_back_html, held_back_now
from gradbot.reporting.plots import legend_html, messages_per_day_svg, messages_per_hour_svg

MAX_GROUPS_SHOWN = 40
MAX_PHRASINGS_SHOWN = 12
MAX_THREADS_SHOWN = 30
MAX_PICK_ROWS = 20
MAX_TEXT_SHOWN = 200  # a student's message longer than this is cut on the page (the CSV keeps it whole)
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
tr.bad td{background:#fff0f0}
.up{color:#2e7d32}.down{color:#c62828}
.chart svg{width:100%;height:auto;max-width:900px}
.swatch{display:inline-block;width:.9em;height:.9em;margin:0 .3em 0 .8em;vertical-align:-.1em;border-radius:2px}
.group{border:1px solid #ddd;border-left:5px solid #e53935;border-radius:6px;padding:.6em 1em;margin:.8em 0}
.group h3{margin:.1em 0 .3em;font-size:1.05em}.group ul{margin:.3em 0}
.thread{border-left:3px solid #fb8c00;padding:.2em .8em;margin:.6em 0}
.empty{padding:1em;background:#fff8e1;border:1px solid #ffe082;border-radius:6px}
code{background:#f3f3f3;padding:0 .2em;border-radius:3px}
"""


def _e(text: object) -> str:
    return html.escape(str(text), quote=True)


def _said(text: str) -> str:
    """A student's message, escaped, cut after :data:`MAX_TEXT_SHOWN` characters (a pasted essay
    must not fill the page)."""
    if len(text) <= MAX_TEXT_SHOWN:
        return _e(text)
    return _e(text[:MAX_TEXT_SHOWN]) + f'…<span class="muted">（共 {len(text)} 字）</span>'


def _percent(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.0f}%"


def section(title: str, body: str, note: str = "") -> str:
    """One section of the page: a heading, an optional grey note, and its HTML."""
    return f"<h2>{_e(title)}</h2>" + (f'<p class="muted">{note}</p>' if note else "") + body


def _change(now: float | int | None, before: float | int | None, percent: bool = False, good_when_up: bool = True) -> str:
    if now is None or before is None:
        return "—"
    delta = now - before
    if abs(delta) < 1e-9:
        return "持平"
    arrow = "↑" if delta > 0 else "↓"
    css = "up" if (delta > 0) == good_when_up else "down"
    amount = f"{abs(delta) * 100:.0f} 个百分点" if percent else f"{abs(delta):g}"
    return f'<span class="{css}">{arrow} {amount}</span>'


def _summary(report: Report) -> str:
    f = report.figures
    cards = [
        ("学生消息", str(f.messages), "该时间段内收到的消息条数"),
        ("对话（学生）数", str(f.sessions), "按匿名会话计，同一学生计一次"),
        ("无需人工直接解答", _percent(f.answered_share),
         f"知识库类问题 {f.questions} 条中，{f.answered} 条直接答复或学生点选后答复、且未被点 👎"),
        ("反馈：有用 / 没用", f"{f.thumbs_up} / {f.thumbs_down}", "学生在回答下点的 👍 / 👎"),
    ]
    return '<div class="cards">' + "".join(
        f'<div class="card"><div>{_e(title)}</div><div class="value">{_e(value)}</div><div class="muted">{_e(note)}</div></div>'
        for title, value, note in cards) + "</div>"


def _comparison(report: Report) -> str:
    before = report.previous
    if before is None or report.previous_period is None:
        return ""
    p = report.previous_period
    now = report.figures
    rows: list[tuple[str, object, object, str]] = []

    def add(label: str, get, percent: bool = False, good_when_up: bool = True) -> None:  # type: ignore[no-untyped-def]
        a, b = get(now), get(before)
        shown = (lambda v: _percent(v)) if percent else (lambda v: str(v))
        rows.append((label, shown(a), shown(b), _change(a, b, percent, good_when_up)))

    add("学生消息", lambda x: x.messages)
    add("对话（学生）数", lambda x: x.sessions)
    add("知识库类问题", lambda x: x.questions)
    add("无需人工直接解答", Figures.answered_share.fget, percent=True)  # type: ignore[attr-defined]
    add("👎 没用", lambda x: x.thumbs_down, good_when_up=False)
    add("未能回答或被点 👎 的问题", lambda x: x.unanswered, good_when_up=False)
    add("转人工", lambda x: x.handoffs, good_when_up=False)
    body = "".join(f'<tr><td>{_e(label)}</td><td class="num">{_e(a)}</td><td class="num">{_e(b)}</td><td class="num">{change}</td></tr>'
                   for label, a, b, change in rows)
    return (f'<p class="muted">上一周期：{p.start:%Y-%m-%d} 至 {p.end:%Y-%m-%d}（同样天数）。'
            + ("上一周期没有对话记录。" if before.messages == 0 else "") + "</p>"
            "<table><tr><th>指标</th><th>本周期</th><th>上一周期</th><th>变化</th></tr>" + body + "</table>")


def _outcomes(report: Report) -> str:
    rows = []
    total = report.message_count or 1
    for outcome in [o for o in OUTCOME_LABELS if report.outcomes[o]]:
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
        css = ' class="bad"' if usage.thumbs_down and usage.thumbs_down_rate >= 0.2 else ""
        rows.append(f'<tr{css}><td class="num">{rank}</td><td>{title}</td><td><code>{_e(usage.faq_id)}</code></td>'
                    f'<td class="num">{usage.answers}</td><td class="num">{usage.thumbs_up}</td><td class="num">{usage.thumbs_down}</td>'
                    f'<td class="num">{_percent(usage.thumbs_down_rate) if usage.answers else "—"}</td></tr>')
    return ("<table><tr><th>#</th><th>条目标题</th><th>编号 id</th><th>回答次数</th><th>👍 有用</th><th>👎 没用</th><th>👎 比例</th></tr>"
            + "".join(rows) + "</table>")


def _groups(report: Report, csv_name: str | None) -> str:
    decided = (f"另有 {report.decided_groups} 组已在 <code>gradbot review</code> 中处理过（加入条目、建为草稿或标为不归我们管），不再列出。"
               if report.decided_groups else "")
    if not report.groups:
        return f'<p class="empty">该时间段内没有需要处理的未能回答或被点“没用”的问题。{decided}</p>'
    total = sum(g.size for g in report.groups)
    parts = [f"<p>共 {total} 条问题，按主题分成 {len(report.groups)} 组（组越大，越值得优先补充）。"
             "如果“最接近的现有条目”说的正是同一件事，把这些问法加到该条目的 <code>questions</code> 里；"
             "否则新建一个条目。用 <code>.venv/bin/gradbot review</code> 可以逐组处理：加入条目、建为草稿，"
             f"或标为“不归我们管”（以后不再出现）。{decided}</p>"]
    for group in report.groups[:MAX_GROUPS_SHOWN]:
        shown = group.phrasings[:MAX_PHRASINGS_SHOWN]
        phrasings = "".join(f"<li>{_said(text)} <span class=\"muted\">（{times} 次）</span></li>" for text, times in shown)
        hidden = len(group.phrasings) - len(shown)
        if group.nearest_entry is not None:
            nearest = (f"最接近的现有条目：{_e(group.nearest_entry.title)}（<code>{_e(group.nearest_entry.id)}</code>，"
                       f"相似度 {group.nearest_score:.2f}）")
        else:
            nearest = "知识库中没有可比较的条目"
        disliked = ""
        if group.answered_by:
            disliked = ('<div>被点 👎 的回答来自：' + "、".join(
                f"{_e(report.entry_titles.get(faq_id, faq_id))}（<code>{_e(faq_id)}</code>，{n} 次）" for faq_id, n in group.answered_by.most_common())
                + "</div>")
        parts.append(
            f'<div class="group"><h3>第 {group.id} 组：{group.size} 条 · {group.sessions} 个对话'
            f'<span class="muted">（未能回答 {group.fallbacks}，回答被点 👎 没用 {group.thumbs_down}）</span></h3>'
            f"<div>代表问题：<strong>{_said(group.representative)}</strong></div>"
            f"<div>学生的问法（{len(group.phrasings)} 种）：</div><ul>{phrasings}</ul>"
            + (f'<div class="muted">另有 {hidden} 种问法（见 CSV 或 gradbot review）</div>' if hidden > 0 else "")
            + disliked
            + f'<div class="muted">{nearest} · 处理：<code>gradbot review --group {group.id} …</code></div></div>')
    hidden_groups = len(report.groups) - MAX_GROUPS_SHOWN
    if hidden_groups > 0:
        where = f"（见 CSV 文件 {_e(csv_name)}）" if csv_name else "（用 --csv 导出全部）"
        parts.append(f"<p class=\"muted\">另有 {hidden_groups} 个较小的组未在此列出{where}。</p>")
    return "".join(parts)


def _clarifications(report: Report) -> str:
    items = report.clarifications
    if not items:
        return '<p class="empty">该时间段内助手没有反问确认。</p>'
    picked: dict[str, list[str]] = {}
    unpicked: list[str] = []
    for c in items:
        (picked.setdefault(c.picked, []) if c.picked else unpicked).append(c.message.text)
    pressed = sum(len(v) for v in picked.values())
    rows = "".join(
        f'<tr><td>{_e(report.entry_titles.get(faq_id, faq_id))}<br><code>{_e(faq_id)}</code></td><td class="num">{len(texts)}</td>'
        f"<td>{'、'.join(_said(t) for t in list(dict.fromkeys(texts))[:5])}</td></tr>"
        for faq_id, texts in sorted(picked.items(), key=lambda kv: (-len(kv[1]), kv[0]))[:MAX_PICK_ROWS])
    more = (f'<p class="muted">另有 {len(picked) - MAX_PICK_ROWS} 个条目各被点选的次数较少，未列出。</p>'
            if len(picked) > MAX_PICK_ROWS else "")
    table = ("<table><tr><th>学生点选的条目</th><th>次数</th><th>学生原来的问法（可考虑加到该条目的 questions）</th></tr>"
             + rows + "</table>" + more) if rows else ""
    others = (f"<p>没有点按钮（改问别的或离开）的 {len(unpicked)} 次，原问题："
              + "、".join(_said(t) for t in list(dict.fromkeys(unpicked))[:10]) + "</p>") if unpicked else ""
    return (f"<p>助手反问确认 {len(items)} 次，其中学生点了按钮 {pressed} 次（{_percent(pressed / len(items))}）。</p>"
            + table + others)


def _handoff_threads(report: Report) -> str:
    threads = report.handoffs
    if not threads:
        return '<p class="empty">该时间段内没有学生要求转人工。</p>'
    parts = [f"<p>共 {len(threads)} 次。下面是每次转人工前 30 分钟内同一对话里学生发的消息（最多 5 条）：</p>"]
    for thread in threads[:MAX_THREADS_SHOWN]:
        before = "".join(f"<li>{m.created_at:%H:%M} {_thread_line(report, m)}</li>" for m in thread.before)
        parts.append(f'<div class="thread"><div>{thread.message.created_at:%m-%d %H:%M} 转人工'
                     f'（“{_said(thread.message.text)}”）</div>'
                     + (f"<ul>{before}</ul>" if before else '<div class="muted">之前没有提问，一开始就要求转人工</div>') + "</div>")
    if len(threads) > MAX_THREADS_SHOWN:
        parts.append(f'<p class="muted">另有 {len(threads) - MAX_THREADS_SHOWN} 次未列出。</p>')
    return "".join(parts)


def _thread_line(report: Report, message: LoggedMessage) -> str:
    """One earlier message of a conversation: a button press by the entry it chose, an answer with its entry."""
    picked = picked_entry(message)
    if picked:
        return f'<span class="muted">点选按钮：</span>{_e(report.entry_titles.get(picked, picked))}' + _feedback_mark(message)
    if message.outcome == "faq" and message.faq_id:
        answered = report.entry_titles.get(message.faq_id, message.faq_id)
        return f'{_said(message.text)} <span class="muted">（已回答：{_e(answered)}）</span>' + _feedback_mark(message)
    return f'{_said(message.text)} <span class="muted">（{_e(OUTCOME_LABELS.get(message.outcome or "", "其他"))}）</span>'


def _feedback_mark(message: LoggedMessage) -> str:
    return {1: " 👍 有用", -1: ' <span class="down">👎 没用</span>'}.get(message.feedback or 0, "")


def sections(report: Report, csv_name: str | None = None, handoff: HandoffFigures | None = None,
             campaigns: Sequence[CampaignCounts] = ()) -> list[str]:
    """The page's sections in order; a new part of the report is one more entry here."""
    return [
        section("概览", _summary(report)),
        section("与上一周期比较", _comparison(report)) if report.previous is not None else "",
        section("每日消息数", f'<div class="chart">{messages_per_day_svg(report.per_day)}</div>',
                note="纵轴：消息条数；横轴：日期（月-日，北京时间）。颜色：" + legend_html()),
        section("一天中各小时的消息数", f'<div class="chart">{messages_per_hour_svg(report.per_hour)}</div>',
                note="纵轴：消息条数；横轴：几点（0–23 时，北京时间）。"),
        section("回答结果", _outcomes(report)),
        section("知识库条目：回答次数和反馈（👎 多的在前）", _top_entries(report),
                note="按“没用”的可能性排序（👎 比例，并考虑回答次数）；红色行的 👎 比例在 20% 以上，请检查回答是否清楚、是否过时。"),
        section("下一步该补充什么：未能回答或被点“没用”的问题（按主题分组）", _groups(report, csv_name)),
        section("反问确认后学生选了什么", _clarifications(report)),
        section("转人工之前学生问了什么", _handoff_threads(report)),
        handoff_section(handoff) if handoff is not None else "",
        campaigns_html(campaigns),
    ]


def render_html(report: Report, generated_at: datetime | None = None, csv_name: str | None = None,
                handoff: HandoffFigures | None = None, campaigns: Sequence[CampaignCounts] = ()) -> str:
    """The whole page for ``report`` (with the staff-handoff section when ``handoff`` is given and
    the reminder campaigns of the period);
    ``generated_at`` is shown in Beijing time (default: now)."""
    period = f"{report.period.start:%Y-%m-%d} 至 {report.period.end:%Y-%m-%d}"
    moment = generated_at or datetime.now(BEIJING)
    if moment.tzinfo is not None:
        moment = moment.astimezone(BEIJING)
    head = (f'<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8">'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<title>就业助手使用报告 {_e(period)}</title><style>{STYLE}</style></head><body>"
            f"<h1>就业助手使用报告</h1><p class=\"muted\">统计时间：{_e(period)}（北京时间）· 生成于 {moment:%Y-%m-%d %H:%M}（北京时间）"
            " · 学生身份不记录，学号等已在记录时去除</p>" + held_back_html(held_back_now()))
    if report.message_count == 0:
        body = ('<p class="empty">该时间段内没有对话记录（没有学生消息）。请检查日期范围，'
                "或确认 Telegram 机器人正在运行并写入对话记录。</p>")
        return head + body + campaigns_html(campaigns) + "</body></html>"
    return head + "".join(sections(report, csv_name, handoff, campaigns)) + "</body></html>"
