"""Fixtures for campaign tests: the project's own case-type catalog and knowledge base."""

from __future__ import annotations

import pytest

from gradbot.cases.catalog import load_catalog
from gradbot.knowledge.loader import load_directory
from gradbot.settings import PROJECT_ROOT

POLICIES = PROJECT_ROOT / "policies"


@pytest.fixture(scope="session")
def catalog():
    return load_catalog(POLICIES / "_case_types.yml")


@pytest.fixture(scope="session")
def kb():
    knowledge, problems = load_directory(POLICIES)
    assert not [p for p in problems if p.severity == "error"]
    return knowledge


from tests.bot.conftest import api, bot_db, rasa, settings  # noqa: E402,F401 - the fake Bot API, fake Rasa and bot settings
