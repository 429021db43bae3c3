"""``gradbot run``'s terminal chat stops (so the servers are stopped) on SIGTERM and SIGHUP too."""

from __future__ import annotations

import asyncio
import os
import signal

import pytest

from gradbot.commands import run


@pytest.mark.parametrize("stop_signal", [signal.SIGTERM, signal.SIGHUP])
def test_terminal_chat_stops_on_sigterm_and_sighup(monkeypatch: pytest.MonkeyPatch, stop_signal: int) -> None:
    async def chat_until_signalled(client, log_turn=None) -> None:  # type: ignore[no-untyped-def]
        os.kill(os.getpid(), stop_signal)  # the terminal closes, or someone runs `kill`
        await asyncio.sleep(10)

    monkeypatch.setattr("gradbot.terminal_chat.chat", chat_until_signalled)
    before = signal.getsignal(stop_signal)
    with pytest.raises(KeyboardInterrupt):  # unwinds `with RasaStack(...)`, which stops the servers
        run._terminal_chat("http://127.0.0.1:1", 1.0)
    assert signal.getsignal(stop_signal) == before
