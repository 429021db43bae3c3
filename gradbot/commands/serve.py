"""``gradbot serve``: the assistant's servers without a front end, until SIGTERM.

For a bot on another machine, a load balancer or the benchmarks: migrates the database, starts
the action server and the Rasa server (REST channel and the token-locked HTTP API) on the port
of ``RASA_URL`` (listening on ``RASA_LISTEN``), restarts either if it dies, and on SIGTERM or
Ctrl-C stops both and exits 0. ``RASA_SERVERS``/``ACTION_SERVERS`` start several of each on
consecutive ports (they share conversations through ``RASA_TRACKER_STORE_URL`` and
``LOCK_STORE_URL``). ``gradbot run`` stays the one-command start with a front end.
"""

from __future__ import annotations

import argparse
import contextlib
import signal
import sys
from types import FrameType
from typing import Iterator

PREFIX = "gradbot serve"


class StopRequested(Exception):
    """SIGTERM or SIGINT arrived."""


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("serve", help="只启动 Rasa 服务器和动作服务器（部署用；端口取自 RASA_URL，收到 SIGTERM 时停止）")
    parser.set_defaults(func=serve)


def _on_signal(signum: int, frame: FrameType | None) -> None:
    for stop_signal in (signal.SIGTERM, signal.SIGINT):  # a second signal must not interrupt the clean stop
        signal.signal(stop_signal, signal.SIG_IGN)
    raise StopRequested(signal.Signals(signum).name)


@contextlib.contextmanager
def stop_on_signals() -> Iterator[None]:
    """SIGTERM and SIGINT raise :class:`StopRequested` in the main thread, so ``with RasaStack``
    blocks stop their servers (which run in their own sessions and do not get the signal)."""
    previous = {s: signal.signal(s, _on_signal) for s in (signal.SIGTERM, signal.SIGINT)}
    try:
        yield
    finally:
        for stop_signal, handler in previous.items():
            signal.signal(stop_signal, handler)


def serve(args: argparse.Namespace) -> int:
    from gradbot.db.engine import upgrade
    from gradbot.settings import get_settings
    from gradbot.stack import RasaStack, StackError, port_of

    settings = get_settings()
    try:
        with stop_on_signals():
            upgrade()
            with RasaStack(settings, rasa_port=port_of(settings.rasa_url, 5005),
                           action_port=port_of(settings.action_server_url, 5055), supervise=True,
                           rasa_servers=settings.rasa_servers, action_servers=settings.action_servers) as stack:
                print(f"{PREFIX}: Rasa at {', '.join(stack.rasa_urls)} (REST channel /webhooks/rest/webhook; the HTTP API needs "
                      f"RASA_API_TOKEN, kept in {settings.secrets_dir}), actions at {', '.join(stack.action_urls)}; SIGTERM stops",
                      flush=True)
                while True:
                    signal.pause()  # until a signal handler raises
    except StopRequested as stop:
        print(f"{PREFIX}: {stop} received, servers stopped", flush=True)
        return 0
    except StackError as exc:
        print(f"{PREFIX}: {exc}", file=sys.stderr)
        return 1
