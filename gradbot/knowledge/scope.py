"""What an entry is *not* for: checks that keep a near-miss question from a neighbour's answer.

A question can share many words with an entry and still be about something else:
another city's settlement is not Shanghai's, another university's procedure is not
ours. Three checks, all on the normalised question text:

- ``not_for``: phrases an entry declares it must not answer (``policies/*.yml``);
- places: an entry whose title or keywords name a place (上海, 西安, 北京 …) only
  answers questions that name none of the known places or one of its own;
- other universities: a question about a named university other than XJTU is about
  that school's procedure, which no entry covers;
- a named company's hiring (its written test, pay, schedule) is that company's business,
  not the job-fair entry's.
"""

from __future__ import annotations

import re
from functools import lru_cache

from gradbot.knowledge.schema import Entry
from gradbot.textnorm import normalize

# Provinces and larger cities graduates move to; a region alias maps to the name entries use.
PLACES = (
    "北京 天津 上海 重庆 河北 山西 辽宁 吉林 黑龙江 江苏 浙江 安徽 福建 江西 山东 河南 湖北 湖南 广东 海南 四川 "
    "贵州 云南 陕西 甘肃 青海 内蒙古 广西 西藏 宁夏 新疆 香港 澳门 台湾 "
    "西安 深圳 广州 成都 杭州 南京 武汉 苏州 郑州 长沙 合肥 青岛 宁波 厦门 济南 沈阳 大连 福州 昆明 兰州 东莞 佛山 "
    "无锡 石家庄 太原 哈尔滨 长春 南昌 南宁 贵阳 银川 西宁 乌鲁木齐 拉萨 呼和浩特 海口 三亚 珠海 常州 温州 "
    "绍兴 嘉兴 徐州 烟台 洛阳 宝鸡 咸阳 延安 榆林 汉中 渭南 雄安"
).split()
PLACE_ALIASES = {"沪": "上海", "陕西": "西安"}
# Chinese name of our university and its short forms; any other "…大学" is another school.
OWN_SCHOOL = ("西安交通大学", "西安交大", "交通大学", "西交大", "交大", "西交")
OTHER_SCHOOL_SHORT = (
    "清华 北大 复旦 浙大 南大 上交 同济 西工大 西电 西北大学 长安大学 陕师大 西农 西北农林 华科 武大 中大 川大 人大 "
    "南开 天大 哈工大 中科大 北航 北理 北邮 厦大 山大 西南交大 北交大 西财 西外 西邮 西建大 西科大 西理工 西工程"
).split()
# Employers graduates often name; a question naming one together with a hiring word is refused.
COMPANIES = (
    "华为 腾讯 阿里 阿里巴巴 字节 字节跳动 百度 京东 美团 拼多多 网易 小米 快手 滴滴 蚂蚁 大疆 比亚迪 中兴 海康 宁德时代 "
    "国家电网 国网 南方电网 中石油 中石化 中海油 中国移动 中国联通 中国电信 中建 中铁 中车 航天 中航 商飞 "
    "工商银行 建设银行 农业银行 中国银行 招商银行 交通银行 微软 谷歌 苹果公司 英特尔 三星 西门子 隆基 陕汽 陕鼓 "
    "oppo vivo huawei tencent alibaba bytedance baidu microsoft google"
).split()
HIRING_WORDS = (
    "校招 秋招 春招 社招 实习生招聘 招聘 笔试 面试 网申 内推 宣讲 薪资 工资 待遇 年薪 月薪 开多少 录取 考试 体检 "
    "岗位 hire hiring interview salary written test"
).split()
_UNIVERSITY = re.compile(r"([\u4e00-\u9fff]{2,8})大学(?!生)")


def _without_own_school(text: str) -> str:
    for own in OWN_SCHOOL:
        text = text.replace(own, "")
    return text


def _places_in(text: str) -> set[str]:
    text = _without_own_school(text)
    found = {p for p in (*PLACES, *PLACE_ALIASES) if p in text}
    return {PLACE_ALIASES.get(p, p) for p in found}


@lru_cache(maxsize=4096)
def entry_places(title: str, keywords: tuple[str, ...]) -> frozenset[str]:
    """Places an entry is bound to (named in its title or keywords)."""
    return frozenset(_places_in(normalize(" ".join((title, *keywords)))))


def names_other_school(text: str) -> bool:
    """True when the question is about a named university other than XJTU."""
    stripped = _without_own_school(normalize(text))
    if any(short in stripped for short in OTHER_SCHOOL_SHORT):
        return True
    return bool(_UNIVERSITY.search(stripped))


def asks_company_hiring(text: str) -> bool:
    """True when the question is about a named company's own hiring (test, pay, schedule)."""
    norm = normalize(text)
    return any(c in norm for c in COMPANIES) and any(w in norm for w in HIRING_WORDS)


def excluded(entry: Entry, text: str) -> str:
    """Why ``entry`` must not answer ``text`` ('' when it may)."""
    norm = normalize(text)
    for phrase in entry.not_for:
        if normalize(phrase) in norm:
            return f"not_for:{phrase}"
    asked = _places_in(norm)
    bound = entry_places(entry.title, entry.keywords)
    if asked and bound and not asked & bound:
        return "place:" + ",".join(sorted(asked))
    return ""
