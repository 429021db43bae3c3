"""What an entry is *not* for: checks that keep a near-miss question from a neighbour's answer.

A question can share many words with an entry and still be about something else:
another city's settlement is not Shanghai's, another university's procedure is not
ours. Three checks, all on the normalised question text:

- ``not_for``: phrases an entry declares it must not answer (``policies/*.yml``);
- places: an entry whose title or keywords name a place (上海, 西安, 北京 …), or whose
  ``local_to`` does (a subject each city sets itself: 失业金, 社保), only answers questions
  that name none of the known places or one of its own; a place typed in English or pinyin
  (Beijing, Xi'an, Hong Kong) counts as its Chinese name;
- other universities: a question about a named university other than XJTU is about
  that school's procedure, which no entry covers;
- a named company's hiring (its written test, pay, schedule) is that company's business,
  not the job-fair entry's;
- another field's contract or procedure (a flat's online contract, a lease, a tax or escrow
  agreement, a streamer's contract) shares words (网签, 违约金, 三方) with the employment
  agreement but is not about it: an entry is skipped when the question names such a field
  and the entry's own title, keywords and questions do not (the income-tax entry still
  answers 个税, the housing-fund entry 租房提取).

:func:`agrees_on_place` is the positive side of the place check: an entry bound to the
place the question names (the other-cities entry for 成都, 海口 …) is the natural answer
to a settlement question about that place, whatever topic the NLU guessed.
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
# The same places as English-typing students write them (pinyin or English exonyms), matched as
# whole words; each maps to the Chinese name entries use, so "settle in Beijing" is 北京 落户.
PLACES_EN = {
    "beijing": "北京", "tianjin": "天津", "shanghai": "上海", "chongqing": "重庆", "hebei": "河北", "shanxi": "山西",
    "liaoning": "辽宁", "jilin": "吉林", "heilongjiang": "黑龙江", "jiangsu": "江苏", "zhejiang": "浙江", "anhui": "安徽",
    "fujian": "福建", "jiangxi": "江西", "shandong": "山东", "henan": "河南", "hubei": "湖北", "hunan": "湖南",
    "guangdong": "广东", "hainan": "海南", "sichuan": "四川", "guizhou": "贵州", "yunnan": "云南", "shaanxi": "西安",
    "gansu": "甘肃", "qinghai": "青海", "inner mongolia": "内蒙古", "guangxi": "广西", "tibet": "西藏", "xizang": "西藏",
    "ningxia": "宁夏", "xinjiang": "新疆", "hong kong": "香港", "hongkong": "香港", "macau": "澳门", "macao": "澳门",
    "taiwan": "台湾", "xi'an": "西安", "xian": "西安", "shenzhen": "深圳", "guangzhou": "广州", "canton": "广州",
    "chengdu": "成都", "hangzhou": "杭州", "nanjing": "南京", "wuhan": "武汉", "suzhou": "苏州", "zhengzhou": "郑州",
    "changsha": "长沙", "hefei": "合肥", "qingdao": "青岛", "ningbo": "宁波", "xiamen": "厦门", "jinan": "济南",
    "shenyang": "沈阳", "dalian": "大连", "fuzhou": "福州", "kunming": "昆明", "lanzhou": "兰州", "dongguan": "东莞",
    "foshan": "佛山", "wuxi": "无锡", "shijiazhuang": "石家庄", "taiyuan": "太原", "harbin": "哈尔滨",
    "changchun": "长春", "nanchang": "南昌", "nanning": "南宁", "guiyang": "贵阳", "yinchuan": "银川", "xining": "西宁",
    "urumqi": "乌鲁木齐", "lhasa": "拉萨", "hohhot": "呼和浩特", "haikou": "海口", "sanya": "三亚", "zhuhai": "珠海",
    "changzhou": "常州", "wenzhou": "温州", "shaoxing": "绍兴", "jiaxing": "嘉兴", "xuzhou": "徐州", "yantai": "烟台",
    "luoyang": "洛阳", "baoji": "宝鸡", "xianyang": "咸阳", "yan'an": "延安", "yulin": "榆林", "hanzhong": "汉中",
    "weinan": "渭南", "xiong'an": "雄安", "xiongan": "雄安",
}
_PLACE_EN = re.compile(r"(?<![a-z'])(" + "|".join(sorted(map(re.escape, PLACES_EN), key=len, reverse=True)) + r")(?![a-z'])")
# Chinese name of our university and its short forms; any other "…大学" is another school.
OWN_SCHOOL = (
    "西安交通大学", "西安交大", "交通大学", "西交大", "交大", "西交",
    "xi'an jiaotong university", "xian jiaotong university", "xi'an jiaotong", "xian jiaotong", "jiaotong university", "xjtu",
)
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
    "岗位 hire hiring interview salary written test "
    # how many it takes on (招多少人, 名额, 扩招): the company's headcount, not the job-fair figures
    "招 名额 人数 录用 要多少人 要几个人 缺人 headcount recruit"
).split()
# Words of other fields whose contracts and procedures share words with ours.
OTHER_FIELDS = (
    "二手房 购房 买房 卖房 房屋买卖 商品房 房产 房贷 租房 房租 租赁 房东 退租 不租 续租 转租 租期 商铺 物业 装修 车贷 买车 "
    "电子税务局 税务局 纳税 个税 资金监管 托管协议 主播 经纪公司 艺人 合约机 宽带 话费 健身卡 驾校 网贷 信用卡 "
    "工程款 承包 加盟"
).split()
# other universities as English-typing students name them (whole words)
OTHER_SCHOOL_EN = re.compile(
    r"\b(tsinghua|peking university|pku|fudan|sjtu|shanghai jiao ?tong|zhejiang university|zju|nanjing university|"
    r"tongji|nankai|wuhan university|whu|hust|ustc|harbin institute of technology|nwpu|northwestern polytechnical|"
    r"xidian|northwest university|chang'an university|sun yat-sen)\b"
)
_UNIVERSITY = re.compile(r"([\u4e00-\u9fff]{2,8})大学(?!生)")
# a character before 大学 that ends no school's name: 读大学, 和大学毕业后, 国外大学, 名牌大学
_NOT_A_NAME_BEFORE = frozenset("和与及或在上读念考进入的了是个后前到去当这那该整所好外内点牌")


def _without_own_school(text: str) -> str:
    for own in OWN_SCHOOL:
        text = text.replace(own, "")
    return text


def is_place(name: str) -> bool:
    """True when ``name`` is one of the places the checks know (西安, 陕西, 北京 …)."""
    return name in PLACES or name in PLACE_ALIASES


def _places_in(text: str) -> set[str]:
    text = _without_own_school(text)
    found = {p for p in (*PLACES, *PLACE_ALIASES) if p in text}
    return {PLACE_ALIASES.get(p, p) for p in found} | {PLACES_EN[p] for p in _PLACE_EN.findall(text)}


# "上海以外城市落户", "除西安外", "other than Shanghai": a place an entry names to exclude it
_EXCEPT_PLACE = re.compile(r"除了?[\u4e00-\u9fff]{1,4}?(?:以外|之外|外)|[\u4e00-\u9fff]{1,4}?(?:以外|之外)|other than [a-z']+")


@lru_cache(maxsize=4096)
def entry_places(title: str, keywords: tuple[str, ...]) -> frozenset[str]:
    """Places an entry is bound to (named in its title or keywords, not as the place it excludes)."""
    return frozenset(_places_in(_EXCEPT_PLACE.sub(" ", normalize(" ".join((title, *keywords))))))


def names_other_school(text: str) -> bool:
    """True when the question is about a named university other than XJTU."""
    stripped = _without_own_school(normalize(text))
    if any(short in stripped for short in OTHER_SCHOOL_SHORT) or OTHER_SCHOOL_EN.search(stripped):
        return True
    return any(found.group(1)[-1] not in _NOT_A_NAME_BEFORE for found in _UNIVERSITY.finditer(stripped))


def asks_company_hiring(text: str) -> bool:
    """True when the question is about a named company's own hiring (test, pay, schedule)."""
    norm = normalize(text)
    named = [c for c in COMPANIES if c in norm]
    for company in sorted(named, key=len, reverse=True):  # 招商银行 names a bank, it does not hire by itself
        norm = norm.replace(company, " ")
    return bool(named) and any(w in norm for w in HIRING_WORDS)


def other_fields_named(text: str) -> list[str]:
    """The words of other fields' contracts and procedures (housing, tax …) that ``text`` names."""
    norm = normalize(text)
    return [word for word in OTHER_FIELDS if word in norm]


def out_of_scope_reason(text: str) -> str:
    """Why no entry may answer ``text`` ('' when some may): another school, a company's hiring."""
    if names_other_school(text):
        return "other_school"
    if asks_company_hiring(text):
        return "company_hiring"
    return ""


_OWN_SCHOOL_EN = re.compile(r"(?<![a-z])(" + "|".join(re.escape(o) for o in OWN_SCHOOL if o.isascii()) + r")(?![a-z])")


def with_chinese_place_names(text: str) -> str:
    """``text`` normalised, with places typed in English or pinyin written as the Chinese names
    entries use ("settle in Hangzhou" → "settle in 杭州"); our school's English name stays."""
    parts = _OWN_SCHOOL_EN.split(normalize(text))  # odd items: our school's name
    return "".join(part if odd else _PLACE_EN.sub(lambda found: PLACES_EN[found.group(1)], part)
                   for part, odd in zip(parts, [False, True] * len(parts)))


def agrees_on_place(entry: Entry, text: str) -> bool:
    """True when the question names a place and the entry is bound to it."""
    asked = _places_in(normalize(text))
    return bool(asked) and bool(asked & entry_places(entry.title, entry.keywords))


def without_places(text: str) -> str:
    """``text`` with the places it names taken out (what is asked about the place)."""
    norm = _PLACE_EN.sub(" ", normalize(text))
    for place in sorted((*PLACES, *PLACE_ALIASES), key=len, reverse=True):
        norm = norm.replace(place, " ")
    return norm


def excluded(entry: Entry, text: str) -> str:
    """Why ``entry`` must not answer ``text`` ('' when it may)."""
    norm = normalize(text)
    for phrase in entry.not_for:
        if normalize(phrase) in norm:
            return f"not_for:{phrase}"
    asked = _places_in(norm)
    bound = entry_places(entry.title, entry.keywords) | {PLACE_ALIASES.get(p, p) for p in entry.local_to}
    if asked and bound and not asked & bound:
        return "place:" + ",".join(sorted(asked))
    fields = other_fields_named(norm)
    if fields:
        own = _own_text(entry.title, entry.keywords, entry.questions)
        foreign = [word for word in fields if word not in own]
        if foreign:
            return "other_field:" + foreign[0]
    return ""


@lru_cache(maxsize=4096)
def _own_text(title: str, keywords: tuple[str, ...], questions: tuple[str, ...]) -> str:
    """What an entry itself is about (title, keywords, questions), normalised: not its answer."""
    return normalize(" ".join((title, *keywords, *questions)))
