"""The stack's shared secrets: from the environment, or generated once into a private file."""

from __future__ import annotations

import dataclasses
import stat
from pathlib import Path

import pytest

from gradbot.service_tokens import TokenMissing, action_server_token, rasa_api_token
from gradbot.settings import Settings


def settings(tmp_path: Path, **values: str) -> Settings:
    return dataclasses.replace(Settings(), data_dir=tmp_path, **{"rasa_api_token": "", "action_server_token": "", **values})


def test_the_environment_wins(tmp_path: Path) -> None:
    assert rasa_api_token(settings(tmp_path, rasa_api_token="from-env"), create=True) == "from-env"
    assert not (tmp_path / "secrets").exists()


def test_generated_once_into_a_file_only_the_owner_reads(tmp_path: Path) -> None:
    first = action_server_token(settings(tmp_path), create=True)
    again = action_server_token(settings(tmp_path))
    assert first == again and len(first) >= 40
    assert first != rasa_api_token(settings(tmp_path), create=True)  # one secret per server
    path = tmp_path / "secrets" / "action-server-token"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700


def test_a_loosened_file_is_tightened(tmp_path: Path) -> None:
    token = rasa_api_token(settings(tmp_path), create=True)
    path = tmp_path / "secrets" / "rasa-api-token"
    path.chmod(0o644)
    assert rasa_api_token(settings(tmp_path)) == token
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_no_token_yet_says_how_to_get_one(tmp_path: Path) -> None:
    with pytest.raises(TokenMissing, match="RASA_API_TOKEN.*gradbot serve"):
        rasa_api_token(settings(tmp_path))
