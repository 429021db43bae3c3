"""Start and stop the Rasa server and the action server as child processes.

``with RasaStack(settings) as stack:`` starts the action server, then the Rasa server
(REST channel and HTTP API) on free or configured ports, waits until both answer, and
stops both on exit. Their output goes to ``data/logs/``.
"""

from __future__ import annotations

import logging
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from types import TracebackType
from urllib.error import URLError
from urllib.parse import urlparse
from urllib.request import Request, urlopen

from gradbot.settings import Settings
from gradbot.training import latest_model

log = logging.getLogger(__name__)


class StackError(RuntimeError):
    """A server did not start; the message says which and where its log is."""


def free_port() -> int:
    """A TCP port on 127.0.0.1 that is free right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _get(url: str, timeout: float = 2.0) -> bytes:
    with urlopen(url, timeout=timeout) as response:  # noqa: S310 - loopback only
        return response.read()


def endpoints_yaml(settings: Settings, action_url: str) -> str:
    """The Rasa endpoints file: the action server, and a persistent tracker store.

    Conversations live in the tracker store, so they survive a model reload
    (``gradbot train --reload``) and a restart: SQLite under the data directory by default,
    or ``RASA_TRACKER_STORE_URL`` (``redis://host:port/db`` or a PostgreSQL URL).
    """
    lines = ["action_endpoint:", f'  url: "{action_url}"', "tracker_store:"]
    url = urlparse(settings.tracker_store_url) if settings.tracker_store_url else None
    if url is None:
        lines += ["  type: SQL", '  dialect: "sqlite"', f'  db: "{settings.data_dir / "rasa-tracker.db"}"']
    elif url.scheme == "redis":
        lines += ["  type: redis", f'  url: "{url.hostname or "127.0.0.1"}"', f"  port: {url.port or 6379}",
                  f"  db: {int((url.path or '/0').strip('/') or 0)}", "  record_exp: 2592000"]
        if url.password:
            lines.append(f'  password: "{url.password}"')
    elif url.scheme.startswith("postgresql"):
        lines += ["  type: SQL", '  dialect: "postgresql"', f'  url: "{url.hostname or "127.0.0.1"}"', f"  port: {url.port or 5432}",
                  f'  db: "{url.path.strip("/")}"', f'  username: "{url.username or ""}"']
        if url.password:
            lines.append(f'  password: "{url.password}"')
    else:
        raise ValueError(f"RASA_TRACKER_STORE_URL must be redis://… or postgresql://…, got scheme {url.scheme!r}")
    return "\n".join(lines) + "\n"


def reload_model(rasa_url: str, model: Path, timeout: float = 300.0) -> None:
    """Ask a running Rasa server to load ``model`` (conversations are kept)."""
    body = ('{"model_file": "%s"}' % model.resolve()).encode()
    request = Request(rasa_url.rstrip("/") + "/model", data=body, method="PUT", headers={"Content-Type": "application/json"})
    with urlopen(request, timeout=timeout):  # noqa: S310
        pass


class RasaStack:
    """The Rasa server and the action server as managed child processes."""

    def __init__(self, settings: Settings, rasa_port: int | None = None, action_port: int | None = None,
                 start_rasa: bool = True, model: Path | None = None) -> None:
        self.settings = settings
        self.action_port = action_port or free_port()
        self.rasa_port = rasa_port or free_port()
        self.start_rasa = start_rasa
        self.model = model
        self.processes: list[tuple[str, subprocess.Popen]] = []
        self.log_dir = settings.data_dir / "logs"

    @property
    def action_url(self) -> str:
        return f"http://127.0.0.1:{self.action_port}/webhook"

    @property
    def rasa_url(self) -> str:
        return f"http://127.0.0.1:{self.rasa_port}"

    def _spawn(self, name: str, command: list[str], env: dict[str, str]) -> subprocess.Popen:
        self.log_dir.mkdir(parents=True, exist_ok=True)
        log_file = open(self.log_dir / f"{name}.log", "ab")  # noqa: SIM115 - closed with the process
        process = subprocess.Popen(command, cwd=self.settings.project_root, env=env, stdout=log_file,
                                   stderr=subprocess.STDOUT, start_new_session=True)
        log_file.close()
        self.processes.append((name, process))
        return process

    def _wait(self, name: str, process: subprocess.Popen, url: str, timeout: float, ready: bytes | None = None) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise StackError(f"{name} exited with code {process.returncode}; see {self.log_dir / (name + '.log')}")
            try:
                body = _get(url)
                if ready is None or ready in body:
                    return
            except (URLError, OSError):
                pass
            time.sleep(0.3)
        raise StackError(f"{name} did not answer at {url} within {timeout:.0f}s; see {self.log_dir / (name + '.log')}")

    def start(self) -> "RasaStack":
        """Start the servers and wait until they answer (raises :class:`StackError`)."""
        env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="2", RASA_TELEMETRY_ENABLED="false",
                   ACTION_SERVER_URL=self.action_url, PYTHONUNBUFFERED="1")
        action = self._spawn("action-server", [sys.executable, "-m", "rasa_sdk", "--actions", "actions",
                                               "--port", str(self.action_port)], env)
        self._wait("action-server", action, f"http://127.0.0.1:{self.action_port}/health", 60)
        if self.start_rasa:
            model = self.model or latest_model(self.settings.models_dir)
            if model is None:
                raise StackError("no trained model in models/: run `gradbot train` (or `make model`)")
            endpoints = self.settings.data_dir / "run" / "endpoints.yml"
            endpoints.parent.mkdir(parents=True, exist_ok=True)
            endpoints.write_text(endpoints_yaml(self.settings, self.action_url), encoding="utf-8")
            endpoints.chmod(0o600)  # may hold a tracker-store password
            rasa = self._spawn("rasa-server", [
                sys.executable, "-m", "rasa", "run", "--enable-api", "--model", str(model),
                "--port", str(self.rasa_port), "--interface", "127.0.0.1",
                "--endpoints", str(endpoints), "--credentials", "credentials.yml",
            ], env)
            self._wait("rasa-server", rasa, f"{self.rasa_url}/status", 180, ready=b"model_file")
        log.info("stack up: rasa %s, actions %s", self.rasa_url if self.start_rasa else "-", self.action_url)
        return self

    def stop(self) -> None:
        """Stop the servers (SIGTERM, then SIGKILL after 10 s)."""
        for name, process in reversed(self.processes):
            if process.poll() is None:
                try:
                    os.killpg(process.pid, signal.SIGTERM)
                except ProcessLookupError:
                    continue
                try:
                    process.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    os.killpg(process.pid, signal.SIGKILL)
                    process.wait()
            log.debug("%s stopped", name)
        self.processes.clear()

    def __enter__(self) -> "RasaStack":
        try:
            return self.start()
        except BaseException:
            self.stop()
            raise

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self.stop()


def port_of(url: str, default: int) -> int:
    """The port of an http URL (``default`` when none is given)."""
    return urlparse(url).port or default
