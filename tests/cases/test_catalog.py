"""The case-type catalog in policies/_case_types.yml."""

from __future__ import annotations

import pytest

from gradbot.cases.catalog import CatalogError, load_catalog, parse_level


def test_issue_case_types_and_statuses_in_order():
    catalog = load_catalog()
    expected = {
        "dispatch": ("签约派遣", ["待提交", "学院已审核", "已鉴证盖章", "档案已寄出"]),
        "shanghai_settlement": ("上海落户", ["材料已提交", "学校已审核", "已盖章寄出"]),
        "abroad_registration": ("出国出境登记", ["已提交", "审核通过", "退回"]),
        "talent_recognition": ("西安人才认定", ["已报书院学院", "已报送中心", "已公布", "证书可领取"]),
    }
    for key, (name, statuses) in expected.items():
        case_type = catalog.get(key)
        assert case_type.name == name and [s.name for s in case_type.statuses] == statuses
        assert all(s.next_step for s in case_type.statuses)
    assert catalog.get("talent_recognition").contact == "market_office"
    assert catalog.get("dispatch").contact_for("master") == "guidance_205_graduate"


def test_lookup_by_key_name_alias_and_rejection():
    catalog = load_catalog()
    assert catalog.case_type("签约派遣").key == catalog.case_type("dispatch").key == "dispatch"
    assert catalog.case_type(" 出国登记 ").key == "abroad_registration"
    assert catalog.case_type("dispatch").status("Attested and stamped").name == "已鉴证盖章"
    with pytest.raises(CatalogError, match="未知事项"):
        catalog.case_type("体检")
    with pytest.raises(CatalogError, match="未知状态"):
        catalog.case_type("dispatch").status("已完成")


def test_parse_level():
    assert [parse_level(v) for v in ("本科", "硕士", "博士", "Undergraduate", "master", "PhD", "")] == [
        "undergraduate", "master", "doctor", "undergraduate", "master", "doctor", None]
    with pytest.raises(CatalogError):
        parse_level("大专")
