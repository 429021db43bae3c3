"""Reading Rasa NLU training files (``nlu_data/``, ``build/kb_nlu.yml``).

Rasa accepts a block's examples in two forms: a block string of ``- text`` lines, or a
list of ``{text, metadata}`` mappings (``nlu_data/real/`` uses the list, for each
question's entry and source). :func:`nlu_examples` reads both, in file order, for every
part of the project that reads training texts (leak checks, duplicate skipping, the real
students' questions, the small-talk words of the staff handoff).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml


@dataclass(frozen=True)
class NluExample:
    """One training example: its block's intent ('' for a block without one), text and metadata."""

    intent: str
    text: str
    metadata: dict[str, Any] = field(default_factory=dict)


def nlu_examples(path: Path) -> list[NluExample]:
    """Every example of the Rasa NLU YAML file ``path``, in order (raises on an unreadable file)."""
    data = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
    found: list[NluExample] = []
    for block in (data.get("nlu") or []) if isinstance(data, dict) else []:
        if not isinstance(block, dict):
            continue
        intent = str(block.get("intent") or "")
        examples = block.get("examples") or ""
        if isinstance(examples, list):
            for example in examples:
                if isinstance(example, dict):
                    metadata = example.get("metadata")
                    found.append(NluExample(intent, str(example.get("text", "")), metadata if isinstance(metadata, dict) else {}))
                else:
                    found.append(NluExample(intent, str(example)))
            continue
        found += [NluExample(intent, line.strip()[2:]) for line in str(examples).splitlines() if line.strip().startswith("- ")]
    return found
