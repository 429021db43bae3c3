"""The local PostgreSQL and Redis the integration tests use: skip when unreachable, fail under CI."""

from __future__ import annotations

import os
import socket

import pytest

REDIS_PORT = 6379
POSTGRES_PORT = 5432
# the shared stores of several Rasa servers, on the local PostgreSQL (database ``test``) and Redis
SHARED_TRACKER_STORE_URL = "postgresql://postgres@127.0.0.1:5432/test"
SHARED_LOCK_STORE_URL = "redis://127.0.0.1:6379/5"


def reachable(port: int, host: str = "127.0.0.1") -> bool:
    """True when a TCP connection to ``host:port`` opens within 2 s."""
    try:
        with socket.create_connection((host, port), timeout=2):
            return True
    except OSError:
        return False


def require(port: int, name: str) -> None:
    """Skip the test when ``name`` at 127.0.0.1:``port`` is unreachable; fail instead under ``CI=true``."""
    if not reachable(port):
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"CI=true and {name} at 127.0.0.1:{port} is not reachable")
        pytest.skip(f"{name} at 127.0.0.1:{port} is not reachable")
