"""The stack's generated Rasa endpoints file, and its supervision of the servers."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
import yaml

from gradbot.service_tokens import ACTION_TOKEN_HEADER
from gradbot.settings import Settings
from gradbot.stack import endpoints_yaml, free_port, port_of


def settings(tmp_path: Path, tracker_url: str = "") -> Settings:
    return dataclasses.replace(Settings(), data_dir=tmp_path, tracker_store_url=tracker_url)


def test_default_tracker_store_is_sqlite_in_the_data_dir(tmp_path: Path) -> None:
    config = yaml.safe_load(endpoints_yaml(settings(tmp_path), "http://127.0.0.1:1234/webhook", "tok"))
    assert config["action_endpoint"]["url"] == "http://127.0.0.1:1234/webhook"
    assert config["tracker_store"] == {"type": "SQL", "dialect": "sqlite", "db": str(tmp_path / "rasa-tracker.db")}


def test_redis_tracker_store(tmp_path: Path) -> None:
    config = yaml.safe_load(endpoints_yaml(settings(tmp_path, "redis://:s3cret@127.0.0.1:6379/2"), "http://a/webhook", "tok"))
    assert config["tracker_store"]["type"] == "redis" and config["tracker_store"]["db"] == 2
    assert config["tracker_store"]["port"] == 6379 and config["tracker_store"]["password"] == "s3cret"


def test_postgresql_tracker_store(tmp_path: Path) -> None:
    config = yaml.safe_load(endpoints_yaml(settings(tmp_path, "postgresql://bot@127.0.0.1:5432/test"), "http://a/webhook", "tok"))
    assert config["tracker_store"]["dialect"] == "postgresql" and config["tracker_store"]["db"] == "test"


def test_unknown_tracker_store_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="RASA_TRACKER_STORE_URL"):
        endpoints_yaml(settings(tmp_path, "mongodb://x"), "http://a/webhook", "tok")


def test_rasa_sends_the_action_server_secret_and_no_domain(tmp_path: Path) -> None:
    token = 'a"b: c'  # quoted safely whatever it holds
    endpoint = yaml.safe_load(endpoints_yaml(settings(tmp_path), "http://127.0.0.1:1/webhook", token))["action_endpoint"]
    assert endpoint["headers"] == {ACTION_TOKEN_HEADER: token}
    assert endpoint["enable_selective_domain"] is True


def test_ports() -> None:
    assert port_of("http://127.0.0.1:5005", 1) == 5005 and port_of("http://rasa", 5005) == 5005
    assert 0 < free_port() < 65536


def test_a_crashed_action_server_is_restarted(tmp_path: Path) -> None:
    import os
    import signal
    import time

    from gradbot.stack import RasaStack, _get

    stack = RasaStack(settings(tmp_path), start_rasa=False, supervise=True)
    with stack:
        first = stack.processes[0][1]
        os.killpg(first.pid, signal.SIGKILL)
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            current = stack.processes[0][1]
            if current is not first and current.poll() is None:
                try:
                    if _get(f"http://127.0.0.1:{stack.action_port}/health"):
                        break
                except OSError:
                    pass
            time.sleep(0.5)
        else:
            pytest.fail("the action server was not restarted within 90 s")
    assert stack.processes == [] and current.poll() is not None  # stopped with the stack
