"""Reading Rasa NLU files: both example forms, intents and metadata, in file order."""

from __future__ import annotations

from pathlib import Path

from gradbot.nlu_data import NluExample, nlu_examples


def test_block_strings_and_lists_with_metadata_are_read_in_order(tmp_path: Path) -> None:
    path = tmp_path / "nlu.yml"
    path.write_text(
        'version: "3.1"\n'
        "nlu:\n"
        "- intent: greet\n"
        "  examples: |\n"
        "    - 你好\n"
        "    - 老师好\n"
        "- intent: ask_dispatch\n"
        "  examples:\n"
        "  - text: 违约金要交多少\n"
        "    metadata: {entry: dispatch.breach_penalty, source: https://example.org/1}\n"
        "  - 没有元数据的问法\n"
        "- synonym: 三方\n"
        "  examples: |\n"
        "    - 三方协议\n",
        encoding="utf-8",
    )
    assert nlu_examples(path) == [
        NluExample("greet", "你好"),
        NluExample("greet", "老师好"),
        NluExample("ask_dispatch", "违约金要交多少", {"entry": "dispatch.breach_penalty", "source": "https://example.org/1"}),
        NluExample("ask_dispatch", "没有元数据的问法"),
        NluExample("", "三方协议"),
    ]


def test_an_empty_file_has_no_examples(tmp_path: Path) -> None:
    path = tmp_path / "empty.yml"
    path.write_text("", encoding="utf-8")
    assert nlu_examples(path) == []
