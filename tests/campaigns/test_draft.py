"""``notify new --from ENTRY_ID``: a draft that parses, around the entry's next deadline."""

from __future__ import annotations

import dataclasses
import datetime as dt

from gradbot.campaigns.definition import parse_campaign
from gradbot.campaigns.draft import draft_text
from gradbot.knowledge.schema import Deadline


def test_draft_from_an_entry_with_a_deadline_parses(tmp_path, catalog, kb):
    entry = dataclasses.replace(kb.entries["dispatch.agreement_stamp"], deadlines=(
        Deadline(dt.date(2026, 5, 1), "旧截止"), Deadline(dt.date(2026, 6, 20), "协议提交截止", "Agreement due")))
    path = tmp_path / "draft.yml"
    path.write_text(draft_text(entry, catalog, dt.date(2026, 6, 1)), encoding="utf-8")
    campaign, problems = parse_campaign(path, catalog, kb, today=dt.datetime(2026, 6, 1, 12))
    assert campaign is not None, problems
    assert campaign.button == entry.id and campaign.audience.case_type == "dispatch"
    assert campaign.send_at == dt.datetime(2026, 6, 17, 9, 0) and "协议提交截止" in campaign.text
    assert "Agreement due" in campaign.text_en


def test_draft_without_deadline_has_no_send_at(tmp_path, catalog, kb):
    path = tmp_path / "draft.yml"
    path.write_text(draft_text(kb.entries["general.office_contact"], catalog, dt.date(2026, 6, 1)), encoding="utf-8")
    campaign, problems = parse_campaign(path, catalog, kb)
    assert campaign is not None and campaign.send_at is None and campaign.audience.case_type is None
