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


def test_lock_store_for_several_rasa_servers(tmp_path: Path) -> None:
    shared = dataclasses.replace(settings(tmp_path, "postgresql://bot@127.0.0.1:5432/test"),
                                 lock_store_url="redis://:pw@127.0.0.1:6380/4")
    config = yaml.safe_load(endpoints_yaml(shared, "http://a/webhook", "tok"))
    assert config["lock_store"] == {"type": "redis", "url": "127.0.0.1", "port": 6380, "db": 4, "password": "pw",
                                    "key_prefix": "gradbot"}
    assert "lock_store" not in yaml.safe_load(endpoints_yaml(settings(tmp_path), "http://a/webhook", "tok"))
    with pytest.raises(ValueError, match="LOCK_STORE_URL"):
        endpoints_yaml(dataclasses.replace(shared, lock_store_url="postgresql://x/y"), "http://a/webhook", "tok")


def test_several_rasa_servers_need_the_shared_stores(tmp_path: Path) -> None:
    from gradbot.stack import check_scale_out

    check_scale_out(settings(tmp_path), 1)
    with pytest.raises(ValueError, match="RASA_TRACKER_STORE_URL .* and LOCK_STORE_URL"):
        check_scale_out(settings(tmp_path), 2)  # SQLite, no lock store
    with pytest.raises(ValueError, match="LOCK_STORE_URL"):
        check_scale_out(settings(tmp_path, "redis://127.0.0.1:6379/2"), 2)
    check_scale_out(dataclasses.replace(settings(tmp_path, "redis://127.0.0.1:6379/2"), lock_store_url="redis://h/1"), 2)


def test_servers_of_a_kind_on_consecutive_ports(tmp_path: Path) -> None:
    from gradbot.stack import RasaStack

    stack = RasaStack(settings(tmp_path), rasa_port=6005, action_port=6055, rasa_servers=3, action_servers=2)
    assert stack.rasa_urls == ["http://127.0.0.1:6005", "http://127.0.0.1:6006", "http://127.0.0.1:6007"]
    assert stack.action_urls == ["http://127.0.0.1:6055/webhook", "http://127.0.0.1:6056/webhook"]
    assert stack.rasa_url == "http://127.0.0.1:6005" and stack.action_port == 6055


def test_the_bot_finds_the_servers_serve_starts() -> None:
    base = Settings()
    two = dataclasses.replace(base, rasa_url="http://127.0.0.1:5005", rasa_servers=2)
    assert two.rasa_urls == ("http://127.0.0.1:5005", "http://127.0.0.1:5006")
    listed = dataclasses.replace(two, rasa_urls_list="http://10.0.0.2:5005/, http://10.0.0.3:5005")
    assert listed.rasa_urls == ("http://10.0.0.2:5005", "http://10.0.0.3:5005")
    with pytest.raises(ValueError, match="RASA_URLS"):
        _ = dataclasses.replace(base, rasa_urls_list="10.0.0.2:5005").rasa_urls
