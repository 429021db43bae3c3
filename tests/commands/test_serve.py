"""``gradbot serve`` as an operator runs it: up on RASA_URL's port, locked internal APIs, clean stop.

One real start (action server + Rasa server with the trained model) shared by the tests of
this module; the last test stops it with SIGTERM.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, Iterator
from urllib.error import HTTPError
from urllib.request import ProxyHandler, Request, build_opener

import pytest

from gradbot.service_tokens import ACTION_TOKEN_HEADER
from gradbot.settings import get_settings
from gradbot.stack import free_port
from gradbot.training import latest_model

LOOPBACK = build_opener(ProxyHandler({}))


def call(url: str, body: dict | None = None, headers: dict[str, str] | None = None, method: str | None = None) -> tuple[int, Any]:
    data = json.dumps(body).encode() if body is not None else None
    request = Request(url, data=data, method=method, headers={"Content-Type": "application/json", **(headers or {})})
    try:
        with LOOPBACK.open(request, timeout=60) as response:
            return response.status, json.loads(response.read() or b"null")
    except HTTPError as error:
        return error.code, None


class Served:
    def __init__(self, process: subprocess.Popen, data_dir: Path, rasa_port: int, action_port: int) -> None:
        self.process, self.data_dir = process, data_dir
        self.rasa_url = f"http://127.0.0.1:{rasa_port}"
        self.action_url = f"http://127.0.0.1:{action_port}/webhook"

    def secret(self, name: str) -> str:
        return (self.data_dir / "secrets" / name).read_text().strip()


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    if latest_model(get_settings().models_dir) is None:
        pytest.skip("no trained model (run `make model`)")
    data_dir = tmp_path_factory.mktemp("serve-data")
    rasa_port, action_port = free_port(), free_port()
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "RASA_API_TOKEN", "ACTION_SERVER_TOKEN",
                                                              "TELEGRAM_BOT_TOKEN")}
    env.update(GRADBOT_DATA_DIR=str(data_dir), RASA_URL=f"http://127.0.0.1:{rasa_port}",
               ACTION_SERVER_URL=f"http://127.0.0.1:{action_port}/webhook")
    log = open(data_dir / "serve.out", "wb")
    process = subprocess.Popen([sys.executable, "-m", "gradbot.cli", "serve"], env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 300
        while b"SIGTERM stops" not in (data_dir / "serve.out").read_bytes():
            if process.poll() is not None or time.monotonic() > deadline:
                pytest.fail("gradbot serve did not come up:\n" + (data_dir / "serve.out").read_text(errors="replace")[-3000:])
            time.sleep(0.5)
        yield Served(process, data_dir, rasa_port, action_port)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        log.close()


def test_the_rest_channel_answers_through_the_action_server(served: Served) -> None:
    status, messages = call(served.rasa_url + "/webhooks/rest/webhook", {"sender": "serve-1", "message": "报到证取消了吗？"})
    assert status == 200
    payloads = [m["custom"]["gradbot"] for m in messages if "gradbot" in (m.get("custom") or {})]
    assert payloads and payloads[0]["outcome"] == "faq"  # answered by the custom action, so Rasa sent the secret


def test_the_rasa_api_needs_its_token(served: Served) -> None:
    token = served.secret("rasa-api-token")
    assert call(served.rasa_url + "/status")[0] == 401
    assert call(served.rasa_url + "/status?token=wrong")[0] == 401
    assert call(served.rasa_url + "/conversations/serve-1/tracker")[0] == 401
    assert call(served.rasa_url + "/model", {"model_file": "/tmp/other.tar.gz"}, method="PUT")[0] == 401
    status, body = call(served.rasa_url + f"/conversations/serve-1/tracker?token={token}")
    assert status == 200 and body["sender_id"] == "serve-1"


def test_reload_uses_the_token(served: Served) -> None:
    from gradbot.stack import reload_model

    model = latest_model(get_settings().models_dir)
    with pytest.raises(HTTPError) as refused:
        reload_model(served.rasa_url, model, "wrong")
    assert refused.value.code == 401
    reload_model(served.rasa_url, model, served.secret("rasa-api-token"))


def test_the_action_server_needs_the_secret_and_listens_on_loopback_only(served: Served) -> None:
    forged = {"next_action": "action_case_status", "sender_id": "123456789", "version": "3.6.21",
              "tracker": {"sender_id": "123456789", "slots": {}, "latest_message": {}, "events": [],
                          "paused": False, "followup_action": None, "active_loop": {}, "latest_action_name": None},
              "domain": {}}
    assert call(served.action_url, forged)[0] == 401
    assert call(served.action_url, forged, {ACTION_TOKEN_HEADER: "wrong"})[0] == 401
    assert call(served.action_url.replace("/webhook", "/actions"))[0] == 401
    status, body = call(served.action_url, forged, {ACTION_TOKEN_HEADER: served.secret("action-server-token")})
    assert status == 200 and body["responses"]
    listening = subprocess.run(["ss", "-ltnH"], capture_output=True, text=True).stdout
    port = served.action_url.split(":")[2].split("/")[0]
    addresses = {line.split()[3].rsplit(":", 1)[0] for line in listening.splitlines() if line.split()[3].endswith(":" + port)}
    assert addresses == {"127.0.0.1"}


def test_secrets_are_private(served: Served) -> None:
    for path in [*(served.data_dir / "secrets").iterdir(), served.data_dir / "run" / "endpoints.yml"]:
        assert path.stat().st_mode & 0o077 == 0, path


def test_sigterm_stops_both_servers_and_exits_zero(served: Served) -> None:
    served.process.send_signal(signal.SIGTERM)
    assert served.process.wait(timeout=60) == 0
    for url in (served.rasa_url, served.action_url):
        port = int(url.split(":")[2].split("/")[0])
        with socket.socket() as sock:
            assert sock.connect_ex(("127.0.0.1", port)) != 0, f"{url} still answers"
    assert b"servers stopped" in (served.data_dir / "serve.out").read_bytes()
