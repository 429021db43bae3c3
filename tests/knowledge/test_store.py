"""Hot reload: edits take effect without a restart; a broken edit keeps the last good version."""

from __future__ import annotations

import logging

from gradbot.knowledge.store import KnowledgeStore
from kb_samples import CONTACTS, DISPATCH, NEW_ENTRY, RECRUIT


def test_first_snapshot_serves_every_file(policies):
    snapshot = KnowledgeStore(policies, reload_interval=0).snapshot()
    assert sorted(snapshot.kb.entries) == ["dispatch.agreement_stamp", "dispatch.archive_transfer", "recruit.job_fair"]
    assert snapshot.problems == [] and snapshot.version == 1
    assert snapshot.matcher.rank("三方协议在哪盖章", limit=1)[0].entry.id == "dispatch.agreement_stamp"


def test_unchanged_files_keep_the_same_snapshot(policies):
    store = KnowledgeStore(policies, reload_interval=0)
    assert store.snapshot() is store.snapshot()


def test_added_entry_is_served_and_matched_after_an_edit(policies, write):
    store = KnowledgeStore(policies, reload_interval=0)
    assert "dispatch.online_signing" not in store.snapshot().kb.entries
    write("dispatch.yml", DISPATCH + NEW_ENTRY)
    snapshot = store.snapshot()
    assert snapshot.version == 2 and "dispatch.online_signing" in snapshot.kb.entries
    assert snapshot.matcher.rank("网签怎么操作", limit=1)[0].entry.id == "dispatch.online_signing"


def test_changed_answer_is_served(policies, write):
    store = KnowledgeStore(policies, reload_interval=0)
    store.snapshot()
    write("recruit.yml", RECRUIT.replace("请看就业网的招聘日历。", "招聘会日程见就业网首页。"))
    assert store.snapshot().kb.entries["recruit.job_fair"].answer == "招聘会日程见就业网首页。"


def test_broken_edit_keeps_the_last_good_version_and_logs_file_and_line(policies, write, caplog):
    store = KnowledgeStore(policies, reload_interval=0)
    write("dispatch.yml", DISPATCH + NEW_ENTRY)
    good = store.snapshot()
    assert "dispatch.online_signing" in good.kb.entries

    broken = DISPATCH.replace("    title: 档案寄到哪里\n", "    title: 档案寄到哪里\n   contact guidance_205\n")
    path = write("dispatch.yml", broken)
    with caplog.at_level(logging.INFO, logger="gradbot.knowledge.store"):
        snapshot = store.snapshot()

    # still the entries of the last good version, including the one added before
    assert sorted(snapshot.kb.entries) == sorted(good.kb.entries)
    assert snapshot.kb.entries["dispatch.online_signing"].title == "网签怎么操作"
    errors = [p for p in snapshot.problems if p.severity == "error"]
    assert errors and errors[0].file == str(path) and errors[0].line > 0
    logged = caplog.text
    assert f"{path}:{errors[0].line}" in logged and "last good version keeps serving" in logged

    # fixing the file serves the fixed content
    write("dispatch.yml", DISPATCH)
    fixed = store.snapshot()
    assert "dispatch.online_signing" not in fixed.kb.entries and fixed.problems == []


def test_broken_file_does_not_block_edits_to_other_files(policies, write):
    store = KnowledgeStore(policies, reload_interval=0)
    store.snapshot()
    write("dispatch.yml", "topic: dispatch\nentries: [\n")
    write("recruit.yml", RECRUIT.replace("title: 招聘会在哪里看", "title: 招聘会和宣讲会"))
    snapshot = store.snapshot()
    assert snapshot.kb.entries["recruit.job_fair"].title == "招聘会和宣讲会"
    assert "dispatch.agreement_stamp" in snapshot.kb.entries


def test_invalid_entry_in_an_edit_keeps_the_whole_file_at_its_last_good_version(policies, write):
    store = KnowledgeStore(policies, reload_interval=0)
    store.snapshot()
    write("dispatch.yml", (DISPATCH + NEW_ENTRY).replace("updated: 2026-11-20", "updated: yesterday"))
    snapshot = store.snapshot()
    assert "dispatch.online_signing" not in snapshot.kb.entries
    assert "dispatch.agreement_stamp" in snapshot.kb.entries
    assert any("must be a date" in p.message for p in snapshot.problems)


def test_new_file_that_never_parsed_is_left_out(policies, write):
    store = KnowledgeStore(policies, reload_interval=0)
    store.snapshot()
    write("talent.yml", "topic: talent\nentries:\n  - id: talent.x\n    title: 缺字段\n")
    snapshot = store.snapshot()
    assert not any(e.startswith("talent.") for e in snapshot.kb.entries)
    assert len(snapshot.kb.entries) == 3


def test_deleted_file_is_no_longer_served(policies):
    store = KnowledgeStore(policies, reload_interval=0)
    store.snapshot()
    (policies / "recruit.yml").unlink()
    assert "recruit.job_fair" not in store.snapshot().kb.entries


def test_broken_contacts_file_keeps_the_last_good_contacts(policies, write):
    store = KnowledgeStore(policies, reload_interval=0)
    assert store.snapshot().kb.contacts["guidance_205"].room == "205"
    write("_contacts.yml", "contacts:\n  guidance_205:\n    room: '206'\n")
    snapshot = store.snapshot()
    assert snapshot.kb.contacts["guidance_205"].room == "205"
    write("_contacts.yml", CONTACTS.replace('room: "205"', 'room: "206"'))
    assert store.snapshot().kb.contacts["guidance_205"].room == "206"


def test_files_are_looked_at_no_more_often_than_the_interval(policies, write, monkeypatch):
    import gradbot.knowledge.store as store_module

    now = [1000.0]
    monkeypatch.setattr(store_module.time, "monotonic", lambda: now[0])
    store = KnowledgeStore(policies, reload_interval=2.0)
    first = store.snapshot()
    write("dispatch.yml", DISPATCH + NEW_ENTRY)
    now[0] += 1.0
    assert store.snapshot() is first  # within the interval: the files are not looked at
    now[0] += 1.5
    assert "dispatch.online_signing" in store.snapshot().kb.entries
