"""Load benchmark of the Telegram front end through a fake Bot API and a fake Rasa on loopback.

N simulated students each send M messages (each waits for the answer before sending the
next, like a person); the fake Rasa answers after a small delay. The real bot runs in its
own process, as deployed (python-telegram-bot polling loop, per-chat ordering,
conversation log in SQLite); the fakes and the students share this process. Prints
throughput, reply latency p50/p95/p99, and checks that every message got exactly one
answer, in order, to the right student. Runs twice: with Telegram's flood limits
(AIORateLimiter, 30 messages/s overall, as in production) and without them (the bot's own
capacity).

    .venv/bin/python -m benchmarks.bench_telegram [--students 40] [--messages 10] [--rasa-delay 0.02]

(run as a module from the project root, so the fakes import as ``tests.support``)
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bot.app import DEFAULT_RATE_LIMITER, build_application, run_bot
from gradbot.evaluation import percentile
from gradbot.settings import get_settings
from tests.support.fake_bot_api import TOKEN, FakeBotApi, text_update
from tests.support.fake_rasa import FakeRasa

ROOT = Path(__file__).resolve().parent.parent


def process_cpu_s(pid: int) -> float:
    """CPU seconds (user + system) a process has used so far; NaN where /proc is missing."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return float("nan")


def serve_bot(rate_limited: bool, use_db: bool) -> None:
    """The bot process: configured from the environment, run until SIGTERM."""
    logging.basicConfig(level=logging.WARNING)
    settings = get_settings()
    application = build_application(
        settings, rate_limiter=DEFAULT_RATE_LIMITER if rate_limited else None, use_database=use_db
    )
    run_bot(settings, application)


async def run_once(students: int, messages: int, rasa_delay_s: float, rate_limited: bool, use_db: bool) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        async with FakeBotApi() as api, FakeRasa(delay_s=rasa_delay_s) as rasa:
            env = dict(
                os.environ, TELEGRAM_BOT_TOKEN=TOKEN, TELEGRAM_API_BASE_URL=api.base_url, RASA_URL=rasa.url,
                RASA_TIMEOUT_SECONDS="8", DATABASE_URL=f"sqlite:///{tmp}/bench.db", GRADBOT_DATA_DIR=tmp,
                TELEGRAM_WEBHOOK_URL="",
            )
            command = [sys.executable, "-m", "benchmarks.bench_telegram", "--serve-bot", "limited" if rate_limited else "unlimited"]
            if not use_db:
                command.append("--no-db")
            bot = subprocess.Popen(command, env=env, cwd=str(ROOT))
            latencies: list[float] = []
            timeouts = 0

            async def student(uid: int) -> None:
                nonlocal timeouts
                for i in range(messages):
                    sent_at = time.monotonic()
                    await api.inject(text_update(uid, f"echo {i}"))
                    try:
                        calls = await api.wait_sent(uid, i + 1, timeout=60)
                    except TimeoutError:
                        timeouts += 1
                        return
                    latencies.append(calls[i].at - sent_at)

            try:
                await api.wait_call("setMyCommands", timeout=30)
                await asyncio.sleep(0.5)  # database migration, outbox sender start
                started, cpu_before = time.monotonic(), process_cpu_s(bot.pid)
                await asyncio.gather(*(student(10_000 + s) for s in range(students)))
                elapsed, bot_cpu = time.monotonic() - started, process_cpu_s(bot.pid) - cpu_before
                await asyncio.sleep(0.5)  # any duplicate answer would arrive now
            finally:
                bot.send_signal(signal.SIGTERM)
                await asyncio.get_running_loop().run_in_executor(None, bot.wait, 15)

            wrong = 0
            for s in range(students):
                uid = 10_000 + s
                if api.texts_to(uid) != [f"echo:{uid}:{i}" for i in range(messages)]:
                    wrong += 1
            total = students * messages
            return {
                "rate_limited": rate_limited,
                "students": students,
                "messages_each": messages,
                "rasa_delay_ms": round(rasa_delay_s * 1000, 1),
                "messages": total,
                "answered": len(latencies),
                "seconds": round(elapsed, 2),
                "throughput_per_s": round(len(latencies) / elapsed, 1) if elapsed else 0.0,
                "p50_ms": round(percentile(latencies, 0.5) * 1000, 1),
                "p95_ms": round(percentile(latencies, 0.95) * 1000, 1),
                "p99_ms": round(percentile(latencies, 0.99) * 1000, 1),
                "bot_cpu_ms_per_message": round(bot_cpu * 1000 / max(1, len(latencies)), 2),
                "load_average_1min": round(os.getloadavg()[0], 2),
                "students_with_wrong_answers": wrong,
                "timeouts": timeouts,
                "exactly_one_answer_each": wrong == 0 and timeouts == 0 and len(latencies) == total,
            }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=40)
    parser.add_argument("--messages", type=int, default=10)
    parser.add_argument("--rasa-delay", type=float, default=0.02, help="fake Rasa reply delay in seconds")
    parser.add_argument("--no-db", action="store_true", help="skip the conversation log")
    parser.add_argument("--only", choices=["limited", "unlimited"], help="run one configuration only")
    parser.add_argument("--serve-bot", choices=["limited", "unlimited"], help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.serve_bot:
        serve_bot(args.serve_bot == "limited", not args.no_db)
        return 0
    logging.basicConfig(level=logging.WARNING)

    ok = True
    for rate_limited in (True, False):
        if args.only and args.only != ("limited" if rate_limited else "unlimited"):
            continue
        result = asyncio.run(run_once(args.students, args.messages, args.rasa_delay, rate_limited, not args.no_db))
        label = "with Telegram flood limits (AIORateLimiter)" if rate_limited else "without rate limiter (bot capacity)"
        print(f"telegram bot, {label}: {result['students']} students x {result['messages_each']} messages, "
              f"Rasa delay {result['rasa_delay_ms']} ms")
        print(f"  throughput {result['throughput_per_s']} answers/s over {result['seconds']} s; "
              f"latency p50 {result['p50_ms']} ms, p95 {result['p95_ms']} ms, p99 {result['p99_ms']} ms; "
              f"bot CPU {result['bot_cpu_ms_per_message']} ms/message (machine load {result['load_average_1min']})")
        print(f"  every message got exactly one answer, in order, to the right student: "
              f"{'yes' if result['exactly_one_answer_each'] else 'NO'} "
              f"({result['answered']}/{result['messages']} answered, {result['students_with_wrong_answers']} students wrong, "
              f"{result['timeouts']} timeouts)")
        print(json.dumps({"benchmark": "telegram", **result}, ensure_ascii=False))
        ok = ok and result["exactly_one_answer_each"]
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
