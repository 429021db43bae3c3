"""What an entry is not for: not_for phrases, places, other universities."""

from __future__ import annotations

import datetime as dt

from gradbot.knowledge.schema import Entry
from gradbot.knowledge.scope import (
    agrees_on_place,
    entry_places,
    excluded,
    names_other_school,
    out_of_scope_reason,
    without_places,
)


def entry(title: str, keywords: tuple[str, ...] = (), not_for: tuple[str, ...] = (), local_to: tuple[str, ...] = ()) -> Entry:
    return Entry("shanghai.x", title, ("q",), "a", "guidance_205", "s", dt.date(2026, 11, 27), keywords=keywords, not_for=not_for,
                 local_to=local_to)


def test_other_universities_are_recognised_but_ours_is_not():
    assert names_other_school("西北工业大学的三方在哪盖章")
    assert names_other_school("西电毕业生档案怎么转")
    assert names_other_school("清华派遣流程")
    assert not names_other_school("西安交通大学的三方在哪盖章")
    assert not names_other_school("交大毕业生上海落户")
    assert not names_other_school("大学生志愿服务西部计划怎么报名")
    assert not names_other_school("三方协议在哪盖章")
    # 大学 after a word that ends no school's name
    assert not names_other_school("在校大学生参军入伍和大学毕业后参军入伍有什么区别")
    assert not names_other_school("我上大学期间当过兵，毕业还能入伍吗")
    assert not names_other_school("国外大学毕业回国要登记吗")
    assert names_other_school("西北大学毕业生档案怎么转")


def test_an_entry_bound_to_a_place_does_not_answer_another_place():
    shanghai = entry("上海落户申请条件")
    assert entry_places(shanghai.title, shanghai.keywords) == {"上海"}
    assert excluded(shanghai, "成都本科落户要什么").startswith("place:")
    assert excluded(shanghai, "在沪工作落户条件") == ""
    assert excluded(shanghai, "应届生落户条件") == ""  # no place named: may answer
    assert excluded(shanghai, "西安交大毕业去上海落户") == ""  # our school's name is not a place
    unbound = entry("三方协议解约")
    assert excluded(unbound, "杭州的公司想解约") == ""


def test_not_for_phrases_exclude_the_entry_whatever_the_script():
    party = entry("党组织关系转接", not_for=("党费", "入党申请"))
    assert excluded(party, "黨費怎麼交") == "not_for:党费"
    assert excluded(party, "毕业了组织关系转到哪") == ""


def test_a_named_companys_hiring_is_recognised():
    from gradbot.knowledge.scope import asks_company_hiring

    assert asks_company_hiring("华为今年秋招什么时候笔试")
    assert asks_company_hiring("腾讯的校招流程")
    assert not asks_company_hiring("秋招一般几月开始")  # no company named
    assert not asks_company_hiring("华为的三方违约金能少交吗")  # a company, but not its hiring
    # its headcount is its hiring too (not the job-fair figures), in Chinese or English
    assert asks_company_hiring("华为今年招多少人")
    assert asks_company_hiring("腾讯今年校招名额多少")
    assert asks_company_hiring("How many people will Huawei recruit this year?")
    assert not asks_company_hiring("招商银行的三方违约金能少交吗")  # 招 of the bank's own name is no hiring word


def test_another_fields_contract_is_not_for_an_entry_that_does_not_speak_of_it():
    agreement = entry("三方协议违约金", keywords=("违约金", "网签"))
    assert excluded(agreement, "二手房网签在哪里办理") == "other_field:二手房"
    assert excluded(agreement, "租房合同违约金要交多少") == "other_field:租房"
    assert excluded(agreement, "合同签了两年，提前退租要赔多少") == "other_field:退租"  # a lease, whatever it is called
    assert excluded(agreement, "三方违约金要交多少") == ""
    # an entry about that field answers it: the income-tax entry speaks of 个税, the housing fund of 租房
    tax = entry("个人所得税", keywords=("个税", "纳税"))
    assert excluded(tax, "实习被扣的个税能退吗") == ""
    assert excluded(tax, "二手房交易要交多少税") == "other_field:二手房"


def test_what_no_entry_may_answer():
    assert out_of_scope_reason("二手房网签在哪里办理") == ""  # left to each entry (excluded)
    assert out_of_scope_reason("西工大的三方在哪盖章") == "other_school"
    assert out_of_scope_reason("华为秋招笔试考什么") == "company_hiring"
    assert out_of_scope_reason("网签怎么操作") == ""
    assert out_of_scope_reason("三方违约金要交多少") == ""


def test_an_entry_agrees_with_the_place_it_is_bound_to():
    cities = entry("上海以外城市落户", keywords=("成都", "海口"))
    assert agrees_on_place(cities, "户口迁入海口要什么条件")
    assert not agrees_on_place(cities, "户口迁回原籍怎么办")  # no place named
    assert not agrees_on_place(entry("三方协议解约"), "成都的公司要解约")  # the entry is bound to no place
    assert "海口" not in without_places("户口迁入海口要什么条件") and "户口" in without_places("户口迁入海口要什么条件")


def test_places_typed_in_english_are_the_chinese_places():
    from gradbot.knowledge.scope import with_chinese_place_names

    shanghai = entry("上海落户申请条件")
    assert excluded(shanghai, "Can I settle in Beijing?") == "place:北京"
    assert excluded(shanghai, "How do I settle in Shanghai?") == ""
    cities = entry("上海以外城市落户", keywords=("成都", "杭州"))
    assert agrees_on_place(cities, "I got a job in Chengdu, can my hukou move there?")
    assert with_chinese_place_names("Settling in Hangzhou or Xi'an?") == "settling in 杭州 or 西安?"
    assert "beijing" not in without_places("Can I settle in Beijing") and "settle" in without_places("Can I settle in Beijing")
    # whole words only, and our own school's English name is not a place
    assert excluded(shanghai, "Where is the Xi'an Jiaotong University career office?") == ""
    assert with_chinese_place_names("XJTU in Xi'an") == "xjtu in 西安"
    assert excluded(shanghai, "I want to change my sexiang plan") == ""  # "xian" inside a word is no place


def test_other_universities_named_in_english():
    assert names_other_school("How do I apply for a master's at Tsinghua University?")
    assert not names_other_school("Where does Xi'an Jiaotong University stamp the agreement?")
    assert not names_other_school("Where does the university stamp the agreement?")


def test_a_place_an_entry_names_to_exclude_does_not_bind_it():
    cities = entry("上海以外城市落户（北京、深圳等）", keywords=("成都落户",))
    assert entry_places(cities.title, cities.keywords) == {"北京", "深圳", "成都"}
    assert excluded(cities, "How many points do I need to settle in Shanghai?") == "place:上海"
    assert not agrees_on_place(cities, "上海落户要多少分")
    assert entry_places("Settling in cities other than Shanghai", ()) == frozenset()


def test_an_entry_local_to_a_place_leaves_other_places_their_own_rules():
    benefit = entry("失业金怎么领", keywords=("失业金",), local_to=("西安",))
    assert excluded(benefit, "北京失业金领取标准") == "place:北京"
    assert excluded(benefit, "江苏徐州市失业补助金怎么领取") == "place:徐州,江苏"
    assert excluded(benefit, "陕西失业金怎么领") == ""  # 陕西 is 西安 to the checks
    assert excluded(benefit, "失业金怎么领") == ""
    assert not agrees_on_place(benefit, "西安失业金怎么领")  # local_to binds, it does not pull questions in
