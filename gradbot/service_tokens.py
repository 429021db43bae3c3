"""The shared secrets that lock the stack's internal servers.

- ``RASA_API_TOKEN`` guards Rasa's HTTP API (``rasa run --auth-token``: trackers, ``PUT /model``);
  the REST channel the bot talks to (``/webhooks/rest/webhook``) stays open.
- ``ACTION_SERVER_TOKEN`` guards the action server: Rasa sends it in the
  :data:`ACTION_TOKEN_HEADER` header (``action_endpoint.headers`` in the endpoints file).

Each comes from the environment, or else is generated once by the process that starts the
servers and kept in ``<data dir>/secrets/<name>`` (directory 0700, file 0600), so other
commands of the service user (``gradbot train --reload``, the benchmarks) read the same value
and nobody else can.
"""

from __future__ import annotations

import logging
import os
import secrets
import stat
from pathlib import Path

from gradbot.settings import Settings

log = logging.getLogger(__name__)

ACTION_TOKEN_HEADER = "X-Gradbot-Action-Token"
RASA_API_TOKEN_FILE = "rasa-api-token"
ACTION_SERVER_TOKEN_FILE = "action-server-token"


class TokenMissing(RuntimeError):
    """No token in the environment and none generated yet (the servers were never started)."""


def _private_dir(path: Path) -> None:
    path.mkdir(parents=True, exist_ok=True)
    os.chmod(path, 0o700)


def _read(path: Path) -> str:
    if stat.S_IMODE(path.stat().st_mode) & 0o077:  # someone loosened it: tighten, and say so
        log.warning("%s was readable by others; set it to 0600", path)
        os.chmod(path, 0o600)
    return path.read_text(encoding="ascii").strip()


def _token(env_value: str, path: Path, env_name: str, create: bool) -> str:
    if env_value:
        return env_value
    try:
        value = _read(path)
        if value:
            return value
    except FileNotFoundError:
        pass
    if not create:
        raise TokenMissing(f"no {env_name}: set it in the environment, or start the servers "
                           f"(`gradbot run` / `gradbot serve`), which keep one in {path}")
    _private_dir(path.parent)
    value = secrets.token_urlsafe(32)
    try:  # O_EXCL: two starters at once agree on the first one written
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0), 0o600)
    except FileExistsError:
        return _read(path)
    with os.fdopen(fd, "w", encoding="ascii") as handle:
        handle.write(value + "\n")
    log.info("generated %s in %s (mode 0600)", env_name, path)
    return value


def rasa_api_token(settings: Settings, create: bool = False) -> str:
    """The token for Rasa's HTTP API (``RASA_API_TOKEN`` or the kept file; ``create`` makes one)."""
    return _token(settings.rasa_api_token, settings.secrets_dir / RASA_API_TOKEN_FILE, "RASA_API_TOKEN", create)


def action_server_token(settings: Settings, create: bool = False) -> str:
    """The action server's shared secret (``ACTION_SERVER_TOKEN`` or the kept file)."""
    return _token(settings.action_server_token, settings.secrets_dir / ACTION_SERVER_TOKEN_FILE,
                  "ACTION_SERVER_TOKEN", create)
