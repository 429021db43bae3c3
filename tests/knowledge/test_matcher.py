"""Ranking entries by similarity to a question."""

from __future__ import annotations

from gradbot.knowledge.loader import load_directory
from gradbot.knowledge.matcher import Matcher, features
from gradbot.knowledge.schema import KnowledgeBase


def test_features_are_normalised_words_and_character_ngrams():
    simplified = features("三方协议在哪里盖章？")
    assert "c:三方" in simplified and "c:协议在" in simplified and "c:？" not in simplified
    assert any(f.startswith("w:") for f in simplified)
    assert features("三方協議在哪裡蓋章?") == simplified  # Traditional and half-width punctuation
    assert features("ＷＨＥＲＥ") == features("where")


def test_rank_finds_the_entry_of_a_paraphrase(policies):
    matcher = Matcher(load_directory(policies)[0])
    best = matcher.rank("三方协议应该先让谁盖章", limit=3)
    assert best[0].entry.id == "dispatch.agreement_stamp"
    assert best[0].score > best[1].score >= best[-1].score and 0 < best[0].score <= 1
    assert matcher.rank("机要号怎么查")[0].entry.id == "dispatch.archive_transfer"
    assert matcher.rank("有招聘会吗")[0].entry.id == "recruit.job_fair"


def test_rank_with_topics_and_limit(policies):
    matcher = Matcher(load_directory(policies)[0])
    assert {m.entry.topic for m in matcher.rank("三方协议在哪里盖章", topics={"recruit"})} == {"recruit"}
    assert len(matcher.rank("三方协议在哪里盖章", limit=1)) == 1
    assert len(matcher.rank("三方协议在哪里盖章", limit=10)) == 3


def test_traditional_chinese_question_matches(policies):
    matcher = Matcher(load_directory(policies)[0])
    assert matcher.rank("檔案寄到哪裡了")[0].entry.id == "dispatch.archive_transfer"


def test_empty_question_or_knowledge_base():
    assert Matcher(KnowledgeBase()).rank("三方协议") == []


def test_blank_question(policies):
    assert Matcher(load_directory(policies)[0]).rank("   ") == []


def test_coverage_counts_the_question_words_an_entry_speaks_about(policies):
    matcher = Matcher(load_directory(policies)[0])
    entries = {e.id: e for e in matcher.entries}
    stamp = entries["dispatch.agreement_stamp"]
    share, substantial = matcher.coverage("三方协议在哪里盖章", stamp)
    assert share > 0.8 and substantial
    share_off, _ = matcher.coverage("三方协议影响考研和公务员吗", stamp)
    assert share_off < share  # 考研, 公务员: words the entry never uses


def test_a_single_shared_character_is_not_substantial(policies):
    matcher = Matcher(load_directory(policies)[0])
    entries = {e.id: e for e in matcher.entries}
    _, substantial = matcher.coverage("章", entries["dispatch.agreement_stamp"])
    assert not substantial
    assert matcher.coverage("", entries["dispatch.agreement_stamp"]) == (0.0, False)


def test_most_of_a_long_word_earns_half_the_credit(policies):
    matcher = Matcher(load_directory(policies)[0])
    stamp = {e.id: e for e in matcher.entries}["dispatch.agreement_stamp"]
    whole, _ = matcher.coverage("三方协议盖章顺序", stamp)
    slip, _ = matcher.coverage("三方协议书盖章顺序", stamp)  # 三方协议书: the entry only says 三方协议
    unknown, _ = matcher.coverage("资金监管盖章顺序", stamp)
    assert whole > slip > unknown


def test_an_english_word_stays_one_word():
    from gradbot.knowledge.matcher import content_words

    # jieba alone splits "three" at the dictionary word "hr" (t hr ee)
    assert content_words("Who stamps the three-party agreement?") == ["stamps", "three", "party", "agreement"]
    assert content_words("I'm moving to Xi'an, where's my dang'an?") == ["moving", "xian", "dangan"]
    assert content_words("offer接受了") == ["offer", "接受"]


def test_english_function_words_and_inflections_do_not_lower_coverage():
    import datetime as dt

    from gradbot.knowledge.schema import Entry

    stamp = Entry("dispatch.agreement_stamp", "三方协议盖章顺序", ("三方协议在哪里盖章",), "先单位盖章。", "guidance_205", "s",
                  dt.date(2026, 11, 1), title_en="Employment agreement: stamping order",
                  answer_en="The employer stamps first, then the university.")
    other = Entry("recruit.job_fair", "招聘会", ("最近有什么招聘会",), "看就业网。", "market_office", "s", dt.date(2026, 11, 1))
    matcher = Matcher(KnowledgeBase(entries={e.id: e for e in (stamp, other)}))
    plain, _ = matcher.coverage("stamp order", stamp)
    asked, substantial = matcher.coverage("Who stamps it first, me or them? What's the order?", stamp)
    assert substantial and plain == 1.0 and asked == 1.0  # stamps → stamp; who, it, me, or, them: the question's frame
    assert matcher.coverage("stamp order for a visa", stamp)[0] < 1.0  # visa: a word the entry never uses


def test_the_entry_classifier_prefers_the_entry_a_question_belongs_to(policies):
    matcher = Matcher(load_directory(policies)[0], out_of_scope=["华为今年校招多少人", "考研国家线什么时候出"])
    classes, _ = matcher.prepare()
    assert "@out_of_scope" in classes and "dispatch.agreement_stamp" in classes
    assert matcher.classifier_lead("三方协议应该先让谁盖章", "dispatch.agreement_stamp") > 0
    assert matcher.classifier_lead("三方协议应该先让谁盖章", "recruit.job_fair") < 0
    # closest to a known out-of-scope question: no entry is the classifier's first choice
    assert matcher.classifier_lead("考研国家线几号出", "dispatch.agreement_stamp") < 0
    assert matcher.classifier_lead("三方协议", "no.such_entry") == 0.0
    assert matcher.classifier_lead("   ", "dispatch.agreement_stamp") == 0.0


def test_the_classifier_of_a_one_or_two_class_knowledge_base(policies):
    kb = load_directory(policies)[0]
    only = KnowledgeBase(topics=kb.topics, entries={"dispatch.agreement_stamp": kb.entries["dispatch.agreement_stamp"]})
    assert Matcher(only).classifier_lead("三方协议在哪里盖章", "dispatch.agreement_stamp") == 0.0
    assert Matcher(KnowledgeBase()).prepare() == ([], None)
    two = Matcher(only, out_of_scope=["考研国家线什么时候出"])
    assert two.classifier_lead("三方协议在哪里盖章", "dispatch.agreement_stamp") > 0
    assert two.classifier_lead("考研国家线几号出", "dispatch.agreement_stamp") < 0
