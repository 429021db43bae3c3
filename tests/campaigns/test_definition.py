"""Campaign files: a good one parses; each mistake is an error on its own line."""

from __future__ import annotations

import datetime as dt

import pytest

from gradbot.campaigns.definition import Audience, parse_campaign

TODAY = dt.datetime(2026, 5, 1, 12, 0)


def parse(tmp_path, text, catalog, kb):
    path = tmp_path / "c.yml"
    path.write_text(text, encoding="utf-8")
    return parse_campaign(path, catalog, kb, today=TODAY)


GOOD = """\
name: 2026-dispatch-pending
send_at: 2026-06-01 09:00
audience:
  level: [本科, master]
  college: [电信学院, 机械学院]
  case_type: 签约派遣
  status: [待提交, Reviewed by your school]
text: 距离离校还有三周……
text_en: Three weeks before you leave …
button: dispatch.agreement_stamp
urgent: false
"""


def test_a_good_file_parses_with_names_normalised(tmp_path, catalog, kb):
    campaign, problems = parse(tmp_path, GOOD, catalog, kb)
    assert problems == []
    assert campaign.audience == Audience(levels=("undergraduate", "master"), colleges=("电信学院", "机械学院"),
                                         case_type="dispatch", statuses=("待提交", "学院已审核"))
    assert (campaign.send_at, campaign.urgent, campaign.button) == (dt.datetime(2026, 6, 1, 9, 0), False, "dispatch.agreement_stamp")
    assert campaign.fingerprint() == parse(tmp_path, GOOD, catalog, kb)[0].fingerprint()


@pytest.mark.parametrize("old, new, line, words", [
    ("level: [本科, master]", "level: [本科, 专科]", 4, "未知的层次“专科”"),
    ("case_type: 签约派遣", "case_type: 签约", 6, "未知事项“签约”"),
    ("[待提交, Reviewed by your school]", "[待提交, 未提交]", 7, "未知状态“未提交”"),
    ("button: dispatch.agreement_stamp", "button: dispatch.agreement_stamps", 10, "是不是 dispatch.agreement_stamp？"),
    ("send_at: 2026-06-01 09:00", "send_at: 6月1日", 2, "send_at 应是北京时间"),
    ("urgent: false", "urgent: maybe", 11, "urgent 应是 true 或 false"),
    ("urgent: false", "urgnet: true", 11, "没有 “urgnet” 这个字段"),
    ("name: 2026-dispatch-pending", "name: 2026 dispatch", 1, "不能有空格"),
    ("  college: [电信学院, 机械学院]", "  colleges: [电信学院]", 5, "audience 里没有 “colleges” 这一项"),
])
def test_each_mistake_is_reported_on_its_line(tmp_path, catalog, kb, old, new, line, words):
    campaign, problems = parse(tmp_path, GOOD.replace(old, new), catalog, kb)
    errors = [p for p in problems if p.severity == "error"]
    assert campaign is None and len(errors) == 1
    assert errors[0].line == line and words in errors[0].message, errors[0]


def test_status_without_case_type_and_missing_text_are_errors(tmp_path, catalog, kb):
    campaign, problems = parse(tmp_path, "name: x\naudience:\n  status: [待提交]\n", catalog, kb)
    messages = [str(p) for p in problems if p.severity == "error"]
    assert campaign is None
    assert any(":3:" in m and "就要写 case_type" in m for m in messages)
    assert any("缺少字段 text" in m for m in messages)


def test_yaml_syntax_error_names_the_line(tmp_path, catalog, kb):
    campaign, problems = parse(tmp_path, 'name: x\ntext: "不闭合\n', catalog, kb)
    assert campaign is None and problems[0].line == 2 and "引号" in problems[0].message


def test_warnings_do_not_stop_a_campaign(tmp_path, catalog, kb):
    campaign, problems = parse(tmp_path, "name: everyone\nsend_at: 2026-04-01 09:00\ntext: 你好\n", catalog, kb)
    assert campaign is not None and campaign.audience == Audience()
    warnings = " | ".join(p.message for p in problems)
    assert all(p.severity == "warning" for p in problems)
    assert "已经过了" in warnings and "text_en" in warnings and "所有已绑定的学生" in warnings
