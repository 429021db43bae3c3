"""Which messages carry a question (gradbot.handoff.questions)."""

from __future__ import annotations

import pytest
import yaml

from gradbot.handoff import questions
from gradbot.settings import PROJECT_ROOT


def _examples(path, intents):
    data = yaml.safe_load((PROJECT_ROOT / path).read_text(encoding="utf-8"))
    return [line.strip()[2:] for block in data["nlu"] if block.get("intent") in intents
            for line in block["examples"].splitlines() if line.strip().startswith("- ")]


@pytest.mark.parametrize("text", [
    "我想找老师，我的三方协议盖章被退回了",
    "我想找老师问一下三方协议盖章被退回了怎么办",
    "转人工，档案寄丢了怎么办",
    "找人工 户口迁移材料不全",
    "I want to talk to a human about my agreement stamp",
    "human please, my archive was lost",
])
def test_a_request_that_says_what_it_is_about_is_the_question(text):
    assert questions.question_in_request(text) == text


def test_bare_requests_carry_no_question():
    """Every way of asking for a person that the NLU learns from (none says what about)."""
    bare = _examples("nlu_data/nlu/support.yml", {"handoff"})
    assert len(bare) > 30
    assert [t for t in bare if questions.question_in_request(t)] == []
    assert questions.question_in_request("这个问题比较复杂，想找老师当面说") == ""


@pytest.mark.parametrize("text", ["好的谢谢", "ok", "OK!", "好", "👍", "🙏🙏", "收到，感谢老师！", "嗯嗯 好的", "明白了，谢谢",
                                  "thanks a lot", "老师您好", "拜拜"])
def test_acknowledgements_thanks_and_greetings_are_small_talk(text):
    assert questions.is_small_talk(text)


@pytest.mark.parametrize("text", ["那报到证还要办吗", "谢谢，那档案怎么办？", "好的，盖章要带身份证吗", "ok, where do I get the stamp?",
                                  "三方协议丢了", "档案"])
def test_messages_with_a_question_are_not_small_talk(text):
    assert not questions.is_small_talk(text)


def test_the_nlu_chit_chat_examples_are_small_talk():
    chit_chat = _examples("nlu_data/nlu/chitchat.yml", set(questions.CHIT_CHAT_INTENTS))
    assert len(chit_chat) > 100
    assert [t for t in chit_chat if not questions.is_small_talk(t)] == []
