"""Start and stop the Rasa server and the action server as child processes.

``with RasaStack(settings) as stack:`` starts the action server, then the Rasa server
(REST channel and HTTP API) on free or configured ports, waits until both answer, and
stops both on exit. Their output goes to ``data/logs/``.
"""

from __future__ import annotations

import json
import logging
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from urllib.error import URLError
from urllib.parse import ParseResult, urlencode, urlparse
from urllib.request import ProxyHandler, Request, build_opener

from gradbot.service_tokens import ACTION_TOKEN_HEADER, action_server_token, rasa_api_token
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


_LOOPBACK = build_opener(ProxyHandler({}))  # never send loopback traffic through HTTP_PROXY


def _get(url: str, timeout: float = 2.0) -> bytes:
    with _LOOPBACK.open(url, timeout=timeout) as response:
        return response.read()


def endpoints_yaml(settings: Settings, action_url: str, action_token: str) -> str:
    """The Rasa endpoints file: the action server (with its secret), a persistent tracker store,
    and, with ``LOCK_STORE_URL``, Rasa's Redis lock store.

    Conversations live in the tracker store, so they survive a model reload
    (``gradbot train --reload``) and a restart: SQLite under the data directory by default,
    or ``RASA_TRACKER_STORE_URL`` (``redis://host:port/db`` or a PostgreSQL URL). Several Rasa
    servers share conversations through a tracker store on PostgreSQL or Redis and take turns
    on one conversation through the Redis lock store (:func:`check_scale_out`).
    """
    lines = _action_endpoint_lines(action_url, action_token) + _tracker_store_lines(settings)
    if settings.lock_store_url:
        lines += _lock_store_lines(settings.lock_store_url)
    return "\n".join(lines) + "\n"


def check_scale_out(settings: Settings, rasa_servers: int) -> None:
    """Refuse several Rasa servers without the stores that let them share conversations
    (raises ``ValueError`` saying what is missing)."""
    if rasa_servers <= 1:
        return
    missing = []
    if not urlparse(settings.tracker_store_url).scheme.startswith(("postgresql", "redis")):
        missing.append("RASA_TRACKER_STORE_URL (postgresql://… or redis://…)")
    if not settings.lock_store_url:
        missing.append("LOCK_STORE_URL (redis://…)")
    if missing:
        raise ValueError(f"{rasa_servers} Rasa servers share conversations only through a shared tracker store "
                         f"and lock store: set {' and '.join(missing)}")


def _quoted(value: str) -> str:
    return json.dumps(value, ensure_ascii=False)  # a JSON string is a valid YAML scalar


def _action_endpoint_lines(action_url: str, action_token: str) -> list[str]:
    # no action reads the domain: without this Rasa serialises the whole domain into every call
    return ["action_endpoint:", f"  url: {_quoted(action_url)}", "  enable_selective_domain: true", "  headers:",
            f"    {ACTION_TOKEN_HEADER}: {_quoted(action_token)}"]


def _redis_lines(url: ParseResult) -> list[str]:
    lines = [f"  url: {_quoted(url.hostname or '127.0.0.1')}", f"  port: {url.port or 6379}",
             f"  db: {int((url.path or '/0').strip('/') or 0)}"]
    if url.password:
        lines.append(f"  password: {_quoted(url.password)}")
    return lines


def _tracker_store_lines(settings: Settings) -> list[str]:
    lines = ["tracker_store:"]
    url = urlparse(settings.tracker_store_url) if settings.tracker_store_url else None
    if url is None:
        lines += ["  type: SQL", '  dialect: "sqlite"', f"  db: {_quoted(str(settings.data_dir / 'rasa-tracker.db'))}"]
    elif url.scheme == "redis":
        lines += ["  type: redis", *_redis_lines(url), "  record_exp: 2592000"]
    elif url.scheme.startswith("postgresql"):
        lines += ["  type: SQL", '  dialect: "postgresql"', f"  url: {_quoted(url.hostname or '127.0.0.1')}",
                  f"  port: {url.port or 5432}", f"  db: {_quoted(url.path.strip('/'))}",
                  f"  username: {_quoted(url.username or '')}"]
        if url.password:
            lines.append(f"  password: {_quoted(url.password)}")
    else:
        raise ValueError(f"RASA_TRACKER_STORE_URL must be redis://… or postgresql://…, got scheme {url.scheme!r}")
    return lines


def _lock_store_lines(lock_store_url: str) -> list[str]:
    url = urlparse(lock_store_url)
    if url.scheme != "redis":
        raise ValueError(f"LOCK_STORE_URL must be redis://host:port/db, got scheme {url.scheme!r}")
    return ["lock_store:", "  type: redis", *_redis_lines(url), "  key_prefix: gradbot"]


def reload_model(rasa_url: str, model: Path, api_token: str, timeout: float = 300.0) -> None:
    """Ask a running Rasa server to load ``model`` (conversations are kept); needs its API token."""
    body = json.dumps({"model_file": str(model.resolve())}).encode()
    url = rasa_url.rstrip("/") + "/model?" + urlencode({"token": api_token})
    request = Request(url, data=body, method="PUT", headers={"Content-Type": "application/json"})
    with _LOOPBACK.open(request, timeout=timeout):
        pass


def _connect_host(listen: str) -> str:
    """Where this machine reaches a server listening on ``listen`` (any interface → loopback)."""
    return "127.0.0.1" if listen in ("", "0.0.0.0", "::") else listen


def _ports(first: int | None, count: int) -> list[int]:
    """``count`` consecutive ports from ``first``, or free ports when it is None."""
    return [first + i for i in range(count)] if first else [free_port() for _ in range(count)]


def _numbered(name: str, index: int) -> str:
    """``name`` for the first of a kind, ``name-2`` for the second, …"""
    return name if index == 0 else f"{name}-{index + 1}"


@dataclass
class _Server:
    """One child server: how to start it and how to see that it is up."""

    name: str
    command: list[str]
    health_url: str
    start_timeout: float
    ready: bytes | None = None
    process: subprocess.Popen | None = None
    restarts: int = 0


class RasaStack:
    """The Rasa servers and the action servers as managed child processes.

    ``rasa_servers`` Rasa servers listen on consecutive ports from ``rasa_port`` (free ports when
    it is not given), ``action_servers`` action servers likewise; Rasa server *i* calls action
    server *i* mod ``action_servers``. Several Rasa servers need the shared stores
    (:func:`check_scale_out`). With ``supervise=True`` a watcher thread restarts a server that
    died (logged, with a growing pause), so a crash heals without a person.
    """

    def __init__(self, settings: Settings, rasa_port: int | None = None, action_port: int | None = None,
                 start_rasa: bool = True, model: Path | None = None, supervise: bool = False,
                 rasa_servers: int = 1, action_servers: int = 1) -> None:
        self.settings = settings
        self.action_ports = _ports(action_port, max(1, action_servers))
        self.rasa_ports = _ports(rasa_port, max(1, rasa_servers)) if start_rasa else _ports(rasa_port, 1)
        self.start_rasa = start_rasa
        self.model = model
        self.supervise = supervise
        self.servers: list[_Server] = []
        self.log_dir = settings.data_dir / "logs"
        self._env: dict[str, str] = {}
        self._stopping = threading.Event()
        self._watcher: threading.Thread | None = None
        self.api_token = ""
        self.action_token = ""

    @property
    def action_port(self) -> int:
        return self.action_ports[0]

    @property
    def rasa_port(self) -> int:
        return self.rasa_ports[0]

    @property
    def action_urls(self) -> list[str]:
        host = _connect_host(self.settings.action_server_listen)
        return [f"http://{host}:{port}/webhook" for port in self.action_ports]

    @property
    def rasa_urls(self) -> list[str]:
        return [f"http://{_connect_host(self.settings.rasa_listen)}:{port}" for port in self.rasa_ports]

    @property
    def action_url(self) -> str:
        return self.action_urls[0]

    @property
    def rasa_url(self) -> str:
        return self.rasa_urls[0]

    @property
    def action_headers(self) -> dict[str, str]:
        """The headers a caller of the action server must send."""
        return {ACTION_TOKEN_HEADER: self.action_token}

    @property
    def processes(self) -> list[tuple[str, subprocess.Popen]]:
        """(name, process) of the servers started."""
        return [(s.name, s.process) for s in self.servers if s.process is not None]

    def process(self, name: str) -> subprocess.Popen | None:
        """The current process of the server called ``name`` (e.g. ``rasa-server-2``)."""
        return next((s.process for s in self.servers if s.name == name), None)

    def _launch(self, server: _Server) -> None:
        self.log_dir.mkdir(parents=True, exist_ok=True)
        with open(self.log_dir / f"{server.name}.log", "ab") as log_file:
            server.process = subprocess.Popen(server.command, cwd=self.settings.project_root, env=self._env,
                                              stdout=log_file, stderr=subprocess.STDOUT, start_new_session=True)

    def _wait(self, server: _Server) -> None:
        assert server.process is not None
        deadline = time.monotonic() + server.start_timeout
        log_path = self.log_dir / f"{server.name}.log"
        while time.monotonic() < deadline:
            if server.process.poll() is not None:
                raise StackError(f"{server.name} exited with code {server.process.returncode}; see {log_path}")
            try:
                body = _get(server.health_url)
                if server.ready is None or server.ready in body:
                    return
            except (URLError, OSError):
                pass
            time.sleep(0.3)
        raise StackError(f"{server.name} did not answer at {server.health_url} within {server.start_timeout:.0f}s; see {log_path}")

    def start(self) -> "RasaStack":
        """Start the servers and wait until they answer (raises :class:`StackError`)."""
        try:
            check_scale_out(self.settings, len(self.rasa_ports) if self.start_rasa else 1)
        except ValueError as exc:
            raise StackError(str(exc)) from exc
        self.api_token = rasa_api_token(self.settings, create=True)
        self.action_token = action_server_token(self.settings, create=True)
        # The children read their secrets from the environment (never from the command line,
        # which any local user can read); Sanic's access log would print the API token.
        # One BLAS thread: the matrices are tiny, and OpenBLAS's idle workers spin on sched_yield
        # after every product; with its default threads the action server burnt 19 ms of CPU per
        # turn instead of 3 (benchmarks/bench_throughput.py, "CPU per turn").
        # TICKET_LOCK_LIFETIME: how long a conversation's turn may hold Rasa's lock; a server
        # killed in the middle of a turn holds it until then (Rasa's default is 60 s).
        self._env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="2", RASA_TELEMETRY_ENABLED="false",
                         ACTION_SERVER_URL=self.action_url, PYTHONUNBUFFERED="1", SANIC_ACCESS_LOG="False",
                         RASA_API_TOKEN=self.api_token, ACTION_SERVER_TOKEN=self.action_token,
                         TICKET_LOCK_LIFETIME=str(self.settings.rasa_lock_lifetime_s))
        for name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
            self._env.setdefault(name, "1")
        action_servers = [_Server(_numbered("action-server", i), [
            sys.executable, "-m", "gradbot.action_server", "--actions", "actions", "--port", str(port),
            "--host", self.settings.action_server_listen,
        ], f"{url.rsplit('/', 1)[0]}/health", 60) for i, (port, url) in enumerate(zip(self.action_ports, self.action_urls))]
        rasa_servers = []
        if self.start_rasa:
            model = self.model or latest_model(self.settings.models_dir)
            if model is None:
                raise StackError("no trained model in models/: run `gradbot train` (or `make model`)")
            for i, port in enumerate(self.rasa_ports):
                action_url = self.action_urls[i % len(self.action_urls)]
                endpoints = self.settings.data_dir / "run" / f"{_numbered('endpoints', i)}.yml"
                endpoints.parent.mkdir(parents=True, exist_ok=True)
                endpoints.touch(mode=0o600)
                endpoints.chmod(0o600)  # holds the action server's secret, maybe a store password
                endpoints.write_text(endpoints_yaml(self.settings, action_url, self.action_token), encoding="utf-8")
                rasa_servers.append(self._rasa_server(_numbered("rasa-server", i), port, model, endpoints))
        for group in (action_servers, rasa_servers):  # the servers of a kind start side by side
            self.servers.extend(group)
            for server in group:
                self._launch(server)
            for server in group:
                self._wait(server)
        log.info("stack up: rasa %s, actions %s", ", ".join(self.rasa_urls) if self.start_rasa else "-",
                 ", ".join(self.action_urls))
        if self.supervise:
            self._watcher = threading.Thread(target=self._watch, name="stack-watcher", daemon=True)
            self._watcher.start()
        return self

    def _rasa_server(self, name: str, port: int, model: Path, endpoints: Path) -> _Server:
        url = f"http://{_connect_host(self.settings.rasa_listen)}:{port}"
        return _Server(name, [
            sys.executable, "-m", "gradbot.rasa_server", "run", "--enable-api", "--model", str(model),
            "--port", str(port), "--interface", self.settings.rasa_listen,
            "--endpoints", str(endpoints), "--credentials", "credentials.yml",
        ], f"{url}/status?{urlencode({'token': self.api_token})}", 180, ready=b"model_file")

    def _watch(self, interval: float = 2.0) -> None:
        while not self._stopping.wait(interval):
            for server in self.servers:
                if server.process is None or server.process.poll() is None:
                    continue
                code = server.process.returncode
                pause = min(60.0, 2.0 ** min(server.restarts, 6))
                log.error("%s exited with code %s; restarting in %.0f s (see %s)", server.name, code, pause,
                          self.log_dir / f"{server.name}.log")
                if self._stopping.wait(pause):
                    return
                server.restarts += 1
                self._launch(server)
                try:
                    self._wait(server)
                    log.info("%s is back", server.name)
                except StackError as exc:
                    log.error("restart failed: %s", exc)

    def stop(self) -> None:
        """Stop the servers (SIGTERM, then SIGKILL after 10 s)."""
        self._stopping.set()
        if self._watcher is not None:
            self._watcher.join(timeout=5)
        for server in reversed(self.servers):
            process = server.process
            if process is None or process.poll() is not None:
                continue
            try:
                os.killpg(process.pid, signal.SIGTERM)
            except ProcessLookupError:
                continue
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
            log.debug("%s stopped", server.name)
        self.servers.clear()

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
