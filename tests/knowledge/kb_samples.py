"""Sample knowledge-base files for the knowledge tests (imported by name; unique module name)."""

from __future__ import annotations

CONTACTS = """\
contacts:
  guidance_205:
    name: 就业创业中心指导部（205室）
    room: "205"
    hours: 08:00-12:00, 14:30-17:30
  market_office:
    name: 就业创业中心市场部
"""

DISPATCH = """\
topic: dispatch
topic_name: 签约与派遣
entries:
  - id: dispatch.agreement_stamp
    title: 三方协议盖章顺序和地点
    questions:
      - 三方协议在哪里盖章？
      - 三方协议盖章的顺序是什么
      - 就业协议书先让单位盖章还是先学校盖章
    answer: |
      先单位盖章，再学院签意见，最后到205室盖学校鉴证章。
    contact: guidance_205
    source: 测试
    updated: 2026-11-01

  - id: dispatch.archive_transfer
    title: 档案寄到哪里
    questions:
      - 档案寄到哪里了
      - 怎么查档案的机要号
      - 毕业后档案怎么转
    answer: 档案按毕业去向登记的地址机要寄出。
    contact: guidance_205
    source: 测试
    updated: 2026-11-01
"""

RECRUIT = """\
topic: recruit
topic_name: 招聘活动
entries:
  - id: recruit.job_fair
    title: 招聘会在哪里看
    questions:
      - 最近有什么招聘会
      - 宣讲会信息在哪看
    answer: 请看就业网的招聘日历。
    contact: market_office
    source: 测试
    updated: 2026-11-01
"""

NEW_ENTRY = """
  - id: dispatch.online_signing
    title: 网签怎么操作
    questions:
      - 网签怎么弄
      - 网签流程是什么样的
    answer: 在国家大学生就业服务平台接受单位的网签邀约。
    contact: guidance_205
    source: 测试
    updated: 2026-11-20
"""

CASE_TYPES = """\
case_types:
  dispatch:
    name: 签约派遣
    aliases: [派遣, 三方协议]
    contact:
      default: guidance_205
    statuses:
      - name: 待提交
        next_step: 请交到学院审核。
      - name: 已鉴证盖章
        next_step: 请完成毕业去向登记。
handoff:
  default_contact: guidance_205
"""
