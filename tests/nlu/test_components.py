"""The custom NLU components: normaliser and binding-code detector."""

from __future__ import annotations

import pytest
from rasa.shared.nlu.constants import ENTITIES, INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from gradbot.nlu.bind_code import BindCodeDetector, code_in
from gradbot.nlu.normalizer import ChineseNormalizer


def test_normalizer_turns_traditional_and_full_width_into_simplified() -> None:
    message = Message(data={TEXT: "三方協議在哪裡蓋章？ＯＦＦＥＲ"})
    ChineseNormalizer().process([message])
    assert message.get(TEXT) == "三方协议在哪里盖章?offer"


def test_normalizer_leaves_intent_triggers_alone() -> None:
    message = Message(data={TEXT: '/bind{"bind_code":"K7PQM2XA"}'})
    ChineseNormalizer().process([message])
    assert message.get(TEXT) == '/bind{"bind_code":"K7PQM2XA"}'


def test_normalizer_processes_training_data() -> None:
    data = TrainingData([Message(data={TEXT: "報到證", INTENT: "ask_dispatch"})])
    ChineseNormalizer().process_training_data(data)
    assert data.training_examples[0].get(TEXT) == "报到证"


@pytest.mark.parametrize("text,code", [("K7PQ-M2XA", "K7PQM2XA"), (" k7pqm2xa ", "K7PQM2XA"), ("AB12 CD34", "AB12CD34")])
def test_code_only_messages_are_recognised(text: str, code: str) -> None:
    assert code_in(text) == code


@pytest.mark.parametrize("text", ["shanghai", "12345678", "三方协议K7PQM2XA", "K7PQ-M2XA-9", "ABCDEFG1"])
def test_other_messages_are_not_codes(text: str) -> None:
    assert code_in(text) is None


def test_detector_sets_bind_intent_and_entity() -> None:
    message = Message(data={TEXT: "K7PQ-M2XA", INTENT: {"name": "out_of_scope", "confidence": 0.6},
                            INTENT_RANKING_KEY: [{"name": "out_of_scope", "confidence": 0.6}]})
    BindCodeDetector().process([message])
    assert message.get(INTENT) == {"name": "bind", "confidence": 1.0}
    assert message.get(INTENT_RANKING_KEY)[0]["name"] == "bind"
    assert message.get(ENTITIES)[0]["value"] == "K7PQM2XA"
