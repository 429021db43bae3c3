"""The HTML page: self-contained, escaped, and complete."""

from __future__ import annotations

import re
from datetime import datetime
from html.parser import HTMLParser

from gradbot.reporting.analysis import build_report
from gradbot.reporting.render import render_html
from helpers_reporting import PERIOD, message, project_kb

EVIL = '<script>alert("x")</script><img src=x onerror=1>宿舍几点关门'


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))


def _page():
    kb = project_kb()
    entry = next(iter(kb.entries.values()))
    messages = [
        message(1, entry.questions[0], datetime(2026, 11, 20, 9, 0), "faq", entry.id),
        message(2, EVIL, datetime(2026, 11, 21, 21, 0), "fallback", session="b"),
        message(3, "研究生宿舍几点关门", datetime(2026, 11, 22, 21, 0), "fallback", session="c"),
        message(4, "校医院在哪里", datetime(2026, 11, 22, 8, 0), "fallback", session="c"),
    ]
    return entry, render_html(build_report(messages, PERIOD, kb), generated_at=datetime(2026, 11, 27, 8, 0))


def test_student_text_is_escaped():
    _, page = _page()
    assert "<script" not in page and "<img" not in page
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&lt;img src=x onerror=1&gt;宿舍几点关门" in page


def test_page_is_self_contained():
    _, page = _page()
    parser = _Tags()
    parser.feed(page)
    tags = {t for t, _ in parser.tags}
    assert "script" not in tags and "link" not in tags and "iframe" not in tags
    assert not [a for _, a in parser.tags if "src" in a]  # no images or scripts loaded from anywhere
    external = [(t, k, v) for t, a in parser.tags for k, v in a.items()
                if str(v).startswith(("http:", "https:", "//")) and not k.startswith("xmlns")]
    assert external == []
    assert "@import" not in page and not re.search(r"url\((?!#)", page)
    assert page.count("<svg") == 2  # per day and per hour, inline


def test_page_shows_figures_entries_and_groups():
    entry, page = _page()
    assert "2026-11-20 至 2026-11-26" in page
    assert entry.title in page and entry.id in page
    assert "25%" in page  # 1 of 4 knowledge-base questions answered directly
    groups = re.findall(r"第 (\d+) 组：(\d+) 条", page)
    assert groups == [("1", "2"), ("2", "1")]
    assert "代表问题" in page and "校医院在哪里" in page and "最接近的现有条目" in page


def test_empty_log_says_so():
    page = render_html(build_report([], PERIOD, project_kb()))
    assert "没有对话记录" in page and "<svg" not in page and page.rstrip().endswith("</html>")


def test_generated_time_is_beijing():
    from datetime import timezone

    page = render_html(build_report([], PERIOD, project_kb()), generated_at=datetime(2026, 11, 27, 1, 30, tzinfo=timezone.utc))
    assert "生成于 2026-11-27 09:30（北京时间）" in page


def test_page_shows_what_to_fix_and_what_students_did():
    from tests.reporting.week_sample import PERIOD as WEEK
    from tests.reporting.week_sample import PREVIOUS, week

    kb = project_kb()
    report = build_report(week(kb), WEEK, kb, previous=week(kb, PREVIOUS, seed=3, scale=0.8), previous_period=PREVIOUS)
    page = render_html(report)
    assert "与上一周期比较" in page and f"{PREVIOUS.start:%Y-%m-%d} 至 {PREVIOUS.end:%Y-%m-%d}" in page
    worst = report.top_entries[0]
    assert worst.thumbs_down > 0 and page.index(worst.title) < page.index(report.top_entries[-1].title)
    assert "👎 比例" in page and re.search(r"（[2-9] 次）", page)  # phrasings with how often they were asked
    assert "被点 👎 的回答来自" in page
    assert "反问确认后学生选了什么" in page and "学生点了按钮" in page
    assert "转人工之前学生问了什么" in page and page.count('class="thread"') == min(len(report.handoffs), 30)
    for english in ("messages", "answered (faq)", "date (Beijing)", "hour of day"):
        assert english not in page  # the page reads as one language


def test_a_pasted_long_message_is_cut_on_the_page():
    kb = project_kb()
    entry = next(iter(kb.entries.values()))
    long_text = ("三方协议在哪里盖章？我想问一下" * 100)[:1000]
    messages = [
        message(1, long_text, datetime(2026, 11, 21, 9, 0), "faq", entry.id),
        message(2, "/human", datetime(2026, 11, 21, 9, 1), "handoff"),
        message(3, "宿舍" + "几点关门" * 300, datetime(2026, 11, 22, 21, 0), "fallback", session="b"),
    ]
    page = render_html(build_report(messages, PERIOD, kb), generated_at=datetime(2026, 11, 27, 8, 0))
    assert "转人工之前学生问了什么" in page and "（共 1000 字）" in page and "（共 1202 字）" in page
    assert long_text not in page and long_text[:200] in page
