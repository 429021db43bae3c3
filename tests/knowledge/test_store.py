"""Hot reload: edits take effect without a restart; a broken edit keeps the last good version."""

from __future__ import annotations

import logging
from pathlib import Path

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
    assert any("updated 应是日期" in p.message for p in snapshot.problems)


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


# -- nothing `kb check` calls an error is served, whichever file it is in -----------------------


def _answers(snapshot) -> dict[str, str]:
    from gradbot.knowledge.formatting import format_answer

    return {entry_id: format_answer(entry, snapshot.kb) for entry_id, entry in snapshot.kb.entries.items()}


def _held(snapshot) -> dict[str, list[str]]:
    return {Path(item.file).name: [str(p) for p in item.problems] for item in snapshot.held_back}


def test_renamed_contact_key_changes_no_answer(policies, write):
    store = KnowledgeStore(policies, reload_interval=0)
    before = _answers(store.snapshot())
    assert "205室" in before["dispatch.agreement_stamp"]
    write("_contacts.yml", CONTACTS.replace("guidance_205:", "guidance205:"))
    snapshot = store.snapshot()
    assert _answers(snapshot) == before
    held = _held(snapshot)
    assert list(held) == ["_contacts.yml"]
    assert any("dispatch.yml:4:" in p and "联系方式 guidance_205 不在 _contacts.yml 里" in p for p in held["_contacts.yml"])
    write("_contacts.yml", CONTACTS.replace("就业创业中心市场部", "就业创业中心市场部（新址）"))
    fixed = store.snapshot()
    assert fixed.held_back == [] and "新址" in _answers(fixed)["recruit.job_fair"]


def test_contact_key_renamed_in_both_files_goes_live_together(policies, write):
    store = KnowledgeStore(policies, reload_interval=0)
    store.snapshot()
    write("_contacts.yml", CONTACTS.replace("market_office:", "market:"))
    write("recruit.yml", RECRUIT.replace("contact: market_office", "contact: market"))
    write("dispatch.yml", "topic: dispatch\nentries: [\n")  # an unrelated broken file does not stop it
    snapshot = store.snapshot()
    assert snapshot.kb.entries["recruit.job_fair"].contact == "market" and "market" in snapshot.kb.contacts
    assert list(_held(snapshot)) == ["dispatch.yml"] and "dispatch.agreement_stamp" in snapshot.kb.entries


def test_unknown_contact_in_an_edit_is_held_back(policies, write):
    store = KnowledgeStore(policies, reload_interval=0)
    before = _answers(store.snapshot())
    path = write("recruit.yml", RECRUIT.replace("contact: market_office", "contact: market_ofice").replace("请看就业网", "请看学校就业网"))
    snapshot = store.snapshot()
    assert _answers(snapshot) == before
    (item,) = snapshot.held_back
    assert item.file == str(path) and item.has_last_good
    assert any(p.file == str(path) and p.line == 4 and "market_ofice" in p.message for p in item.problems)


def test_duplicate_id_changes_no_answer(policies, write):
    store = KnowledgeStore(policies, reload_interval=0)
    before = _answers(store.snapshot())
    copy = NEW_ENTRY.replace("dispatch.online_signing", "dispatch.agreement_stamp").replace("网签怎么弄", "网签怎么办理")
    path = write("dispatch.yml", DISPATCH + copy)
    snapshot = store.snapshot()
    assert _answers(snapshot) == before
    assert any("id 重复" in p.message and p.file == str(path) for p in snapshot.held_back[0].problems)


def test_duplicate_id_in_another_file_holds_back_that_file_only(policies, write):
    store = KnowledgeStore(policies, reload_interval=0)
    before = _answers(store.snapshot())
    write("zzz.yml", RECRUIT.replace("topic: recruit", "topic: zzz").replace("title: 招聘会在哪里看", "title: 重复")
          .replace("最近有什么招聘会", "最近的招聘会").replace("宣讲会信息在哪看", "宣讲会在哪看"))
    write("recruit.yml", RECRUIT.replace("请看就业网的招聘日历。", "招聘会日程见就业网首页。"))
    snapshot = store.snapshot()
    assert snapshot.kb.entries["recruit.job_fair"].answer == "招聘会日程见就业网首页。"  # the good edit is live
    assert {k: v for k, v in _answers(snapshot).items() if k != "recruit.job_fair"} == {
        k: v for k, v in before.items() if k != "recruit.job_fair"}
    assert list(_held(snapshot)) == ["zzz.yml"] and not snapshot.held_back[0].has_last_good


def test_same_question_under_two_entries_is_held_back(policies, write):
    store = KnowledgeStore(policies, reload_interval=0)
    before = _answers(store.snapshot())
    write("recruit.yml", RECRUIT.replace("- 宣讲会信息在哪看", "- 三方协议在哪里盖章"))
    snapshot = store.snapshot()
    assert _answers(snapshot) == before and snapshot.kb.entries["recruit.job_fair"].questions[1] == "宣讲会信息在哪看"
    assert any("也出现在 dispatch.agreement_stamp 下" in p for p in _held(snapshot)["recruit.yml"])


def test_deleted_contacts_file_keeps_its_last_good_version(policies):
    store = KnowledgeStore(policies, reload_interval=0)
    before = _answers(store.snapshot())
    (policies / "_contacts.yml").unlink()
    snapshot = store.snapshot()
    assert _answers(snapshot) == before
    assert "文件不见了" in _held(snapshot)["_contacts.yml"][0]


# -- the last good version survives a restart ---------------------------------------------------


def test_restart_with_a_broken_file_serves_its_last_good_version(policies, write, tmp_path):
    saved = tmp_path / "kb_last_good"
    first = KnowledgeStore(policies, reload_interval=0, last_good_dir=saved)
    write("dispatch.yml", DISPATCH + NEW_ENTRY)
    before = _answers(first.snapshot())
    assert first.saved_path is not None and first.saved_path.exists()
    path = write("dispatch.yml", (DISPATCH + NEW_ENTRY).replace("    title: 档案寄到哪里\n", "     title: 档案寄到哪里\n"))

    restarted = KnowledgeStore(policies, reload_interval=0, last_good_dir=saved).snapshot()
    assert _answers(restarted) == before and "dispatch.online_signing" in restarted.kb.entries
    (item,) = restarted.held_back
    assert item.file == str(path) and item.has_last_good
    assert any(p.line > 0 and "多了 1 个空格" in p.message and p.entry_id == "dispatch.archive_transfer" for p in item.problems)
    assert restarted.kb.entries["dispatch.archive_transfer"].file == path  # messages name the real file


def test_restart_without_a_saved_version_says_nothing_of_the_file_is_served(policies, write, tmp_path):
    write("dispatch.yml", "topic: dispatch\nentries: [\n")
    snapshot = KnowledgeStore(policies, reload_interval=0, last_good_dir=tmp_path / "kb").snapshot()
    assert sorted(snapshot.kb.entries) == ["recruit.job_fair"]
    (item,) = snapshot.held_back
    assert not item.has_last_good and "none of it is served" in item.describe(english=True)[0]


def test_saved_versions_are_per_policies_directory(policies, tmp_path):
    other = tmp_path / "other"
    other.mkdir()
    (other / "recruit.yml").write_text(RECRUIT, encoding="utf-8")
    saved = tmp_path / "kb"
    KnowledgeStore(policies, reload_interval=0, last_good_dir=saved).snapshot()
    snapshot = KnowledgeStore(other, reload_interval=0, last_good_dir=saved).snapshot()
    assert sorted(snapshot.kb.entries) == ["recruit.job_fair"]


def test_a_corrupt_saved_file_is_ignored(policies, tmp_path):
    store = KnowledgeStore(policies, reload_interval=0, last_good_dir=tmp_path / "kb")
    store.saved_path.parent.mkdir(parents=True)
    store.saved_path.write_text("{not json", encoding="utf-8")
    assert len(store.snapshot().kb.entries) == 3


# -- _case_types.yml ------------------------------------------------------------------------------


def test_broken_case_types_edit_keeps_serving_the_last_good_catalog_text(policies, write):
    from kb_samples import CASE_TYPES

    write("_case_types.yml", CASE_TYPES)
    store = KnowledgeStore(policies, reload_interval=0)
    assert store.snapshot().case_types_text == CASE_TYPES
    path = write("_case_types.yml", CASE_TYPES + "  talent:\n    name: 人才认定\n    statuses: [已提交\n")
    snapshot = store.snapshot()
    assert snapshot.case_types_text == CASE_TYPES
    (item,) = snapshot.held_back
    assert item.file == str(path) and item.problems[0].line > 0 and "YAML 语法错误" in item.problems[0].message


def test_case_types_naming_an_unknown_contact_are_held_back(policies, write):
    from kb_samples import CASE_TYPES

    write("_case_types.yml", CASE_TYPES)
    store = KnowledgeStore(policies, reload_interval=0)
    store.snapshot()
    write("_case_types.yml", CASE_TYPES.replace("default_contact: guidance_205", "default_contact: guidance_999"))
    snapshot = store.snapshot()
    assert snapshot.case_types_text == CASE_TYPES
    assert any("_case_types.yml:13:" in p and "guidance_999" in p for p in _held(snapshot)["_case_types.yml"])


# -- saying it loudly ---------------------------------------------------------------------------------


def test_held_back_edit_is_announced_with_file_and_line(policies, write):
    import io

    from gradbot.knowledge.store import announce_held_back

    store = KnowledgeStore(policies, reload_interval=0)
    store.snapshot()
    path = write("recruit.yml", RECRUIT.replace("    title: 招聘会在哪里看", "    title：招聘会在哪里看"))
    stream = io.StringIO()
    announce_held_back(store.snapshot().held_back, stream)
    text = stream.getvalue()
    assert "有修改未生效" in text and "held back" not in text  # staff read Chinese only
    assert f"{path}:5: [recruit.job_fair] 错误：title 后面是中文冒号" in text


def test_saved_versions_of_directories_that_are_gone_are_removed(policies, tmp_path):
    import shutil

    gone = tmp_path / "gone"
    shutil.copytree(policies, gone)
    saved = tmp_path / "kb"
    old = KnowledgeStore(gone, reload_interval=0, last_good_dir=saved)
    old.snapshot()
    shutil.rmtree(gone)
    store = KnowledgeStore(policies, reload_interval=0, last_good_dir=saved)
    store.snapshot()
    assert sorted(saved.glob("*.json")) == [store.saved_path]


def test_watcher_announces_a_held_back_edit_and_its_fix(policies, write):
    import io
    import time as clock

    from gradbot.knowledge.store import watch_held_back

    store = KnowledgeStore(policies, reload_interval=0)
    stream = io.StringIO()
    watch_held_back(store, interval=0.01, stream=stream)
    path = write("recruit.yml", RECRUIT + "  - id: [\n")
    deadline = clock.monotonic() + 10
    while f"{path}:" not in stream.getvalue() and clock.monotonic() < deadline:
        clock.sleep(0.02)
    assert "知识库：有修改未生效" in stream.getvalue() and f"{path}:" in stream.getvalue()
    write("recruit.yml", RECRUIT)
    while "所有修改均已生效" not in stream.getvalue() and clock.monotonic() < deadline:
        clock.sleep(0.02)
    assert "所有修改均已生效" in stream.getvalue()
