"""Throughput of the assistant's servers as `gradbot serve` runs them (persistent tracker store).

    .venv/bin/python benchmarks/bench_throughput.py [--rates 10,25,60,100] [--seconds N] [--sequential 200]
        [--rasa-servers N [--action-servers M] [--tracker-store URL] [--lock-store URL]]
        [--rasa-urls URL,URL]

``--rasa-servers 2`` starts two Rasa servers sharing conversations (tracker store on PostgreSQL,
Redis lock store; by default the local ones) and spreads the students over them as the bot does
(rendezvous hashing of the sender). ``--rasa-urls`` measures servers already running (e.g.
``gradbot serve`` with ``RASA_SERVERS=2``; the API token from ``RASA_API_TOKEN`` or the kept
file); then no CPU or memory per process is printed.

1. Sequential, alternating on the same texts: the bare NLU parse (``POST /model/parse``, with
   the API token) and the whole turn (``POST /webhooks/rest/webhook``: NLU, policies, action
   server, tracker store), a new student each: p50/p95 of both and the ratio of the p50s.
2. Open loop at each rate: Poisson arrivals (seeded), every message from a new student
   (a new conversation in the tracker store), sent at its scheduled time whether or not earlier
   ones were answered; latency counts from the scheduled time. Prints the achieved rate
   (answered turns over the time from the first send to the last answer), p50, p95 and errors
   (HTTP errors, timeouts after 10 s, empty replies).
3. Peak memory (VmHWM) of each server process and of this client.

Loopback only; bounded: each rate runs a fixed number of seconds (10 and 25 msg/s: 20 s,
60 msg/s: 60 s, 100 msg/s: 30 s; ``--seconds`` sets one duration for all).
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import json
import os
import random
import sys
import tempfile
import time
from pathlib import Path

import aiohttp
import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.rasa_client import rendezvous_order  # noqa: E402
from gradbot.evaluation import percentile  # noqa: E402
from gradbot.service_tokens import rasa_api_token  # noqa: E402
from gradbot.settings import get_settings  # noqa: E402
from gradbot.stack import RasaStack  # noqa: E402
from gradbot.training import latest_model  # noqa: E402
from tests.support.services import SHARED_LOCK_STORE_URL, SHARED_TRACKER_STORE_URL  # noqa: E402

DEFAULT_SECONDS = {10: 20.0, 25: 20.0, 60: 60.0, 100: 30.0}


@dataclasses.dataclass
class Target:
    """The Rasa servers under test, their API token, and the processes to watch (name → pid)."""

    rasa_urls: list[str]
    api_token: str
    pids: dict[str, int]

    def url_for(self, sender: str) -> str:
        return rendezvous_order(sender, self.rasa_urls)[0]

    @classmethod
    def of(cls, stack: RasaStack) -> "Target":
        return cls(stack.rasa_urls, stack.api_token, {name: process.pid for name, process in stack.processes})
TIMEOUT_S = 10.0


def peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def cpu_ms(pid: int) -> float:
    """User + system CPU time of a process so far (ms)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) * 1000 / os.sysconf("SC_CLK_TCK")


def texts() -> list[str]:
    items = yaml.safe_load((ROOT / "tests" / "eval" / "questions.yml").read_text(encoding="utf-8"))
    return [item["text"] for item in items]


async def _post(session: aiohttp.ClientSession, url: str, body: dict) -> tuple[bool, float]:
    started = time.perf_counter()
    try:
        async with session.post(url, json=body, timeout=aiohttp.ClientTimeout(total=TIMEOUT_S)) as response:
            payload = await response.json(content_type=None)
            ok = response.status == 200 and bool(payload)
    except (aiohttp.ClientError, asyncio.TimeoutError, json.JSONDecodeError):
        ok = False
    return ok, (time.perf_counter() - started) * 1000


async def sequential(target: Target, samples: list[str], count: int) -> None:
    parse_url = f"{target.rasa_urls[0]}/model/parse?token={target.api_token}"
    turn_url = f"{target.rasa_urls[0]}/webhooks/rest/webhook"
    parse, turn, errors = [], [], 0
    async with aiohttp.ClientSession() as session:
        for number in range(count + 10):
            text = samples[number % len(samples)]
            ok_p, ms_p = await _post(session, parse_url, {"text": text})
            ok_t, ms_t = await _post(session, turn_url, {"sender": f"seq-{number}", "message": text})
            errors += (not ok_p) + (not ok_t)
            if number >= 10:  # the first ten warm up
                parse.append(ms_p)
                turn.append(ms_t)
    p50_parse, p50_turn = percentile(parse, 0.5), percentile(turn, 0.5)
    print(f"sequential, {count} each: parse p50 {p50_parse:.1f} ms, p95 {percentile(parse, 0.95):.1f} ms; "
          f"turn p50 {p50_turn:.1f} ms, p95 {percentile(turn, 0.95):.1f} ms; "
          f"turn/parse (p50) {p50_turn / p50_parse:.2f}x; errors {errors}", flush=True)


async def cpu_per_request(target: Target, samples: list[str], count: int) -> None:
    """CPU time each server spends on one parse and on one turn: what the load on a shared
    machine does not inflate much, and what bounds the rate one core can serve."""
    pids = target.pids
    async with aiohttp.ClientSession() as session:
        for label, url, body in (
            ("parse", f"{target.rasa_urls[0]}/model/parse?token={target.api_token}", lambda n, t: {"text": t}),
            ("turn", f"{target.rasa_urls[0]}/webhooks/rest/webhook", lambda n, t: {"sender": f"cpu-{n}", "message": t}),
        ):
            before = {name: cpu_ms(pid) for name, pid in pids.items()}
            for number in range(count):
                await _post(session, url, body(number, samples[number % len(samples)]))
            spent = ", ".join(f"{name} {(cpu_ms(pid) - before[name]) / count:.1f} ms" for name, pid in pids.items())
            print(f"CPU per {label} ({count} sequential): {spent}", flush=True)


async def open_loop(target: Target, samples: list[str], rate: float, seconds: float, run: int) -> None:
    rng = random.Random(run)
    offsets, t = [], rng.expovariate(rate)
    while t < seconds:
        offsets.append(t)
        t += rng.expovariate(rate)
    latencies: list[float] = []
    errors = 0
    last_done = 0.0
    pids = target.pids | {"client": os.getpid()}
    cpu_before, wall_before = {name: cpu_ms(pid) for name, pid in pids.items()}, time.perf_counter()
    connector = aiohttp.TCPConnector(limit=0)  # no client-side queue: open loop
    async with aiohttp.ClientSession(connector=connector) as session:
        start = time.perf_counter() + 0.2

        async def one(number: int, offset: float) -> None:
            nonlocal errors, last_done
            await asyncio.sleep(max(0.0, start + offset - time.perf_counter()))
            sender = f"load-{run}-{number}"
            url = f"{target.url_for(sender)}/webhooks/rest/webhook"
            ok, _ = await _post(session, url, {"sender": sender, "message": samples[number % len(samples)]})
            done = time.perf_counter()
            last_done = max(last_done, done)
            if ok:
                latencies.append((done - (start + offset)) * 1000)  # from the scheduled time
            else:
                errors += 1

        await asyncio.gather(*(one(n, o) for n, o in enumerate(offsets)))
    span = max(last_done - (start + offsets[0]), 1e-9) if offsets else float("nan")
    print(f"open loop {rate:g} msg/s for {seconds:.0f} s: sent {len(offsets)}, achieved {len(latencies) / span:.1f} msg/s, "
          f"p50 {percentile(latencies, 0.5):.0f} ms, p95 {percentile(latencies, 0.95):.0f} ms, "
          f"max {max(latencies, default=float('nan')):.0f} ms, errors {errors}", flush=True)
    wall_ms = (time.perf_counter() - wall_before) * 1000
    busy = {name: cpu_ms(pid) - cpu_before[name] for name, pid in pids.items()}
    print("  CPU busy (share of one core): " + ", ".join(f"{name} {spent / wall_ms:.0%}" for name, spent in busy.items())
          + f"; machine load average {os.getloadavg()[0]:.1f}", flush=True)


def measure(target: Target, samples: list[str], args: argparse.Namespace) -> None:
    """The sequential run (on the first server), CPU per request, then each open-loop rate."""
    asyncio.run(sequential(target, samples, args.sequential))
    if target.pids:
        asyncio.run(cpu_per_request(target, samples, args.sequential))
    for run, rate in enumerate(float(r) for r in args.rates.split(",")):
        seconds = args.seconds or DEFAULT_SECONDS.get(int(rate), 30.0)
        asyncio.run(open_loop(target, samples, rate, seconds, run))
        time.sleep(2)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rates", default="10,25,60,100", help="comma-separated msg/s")
    parser.add_argument("--seconds", type=float, default=None, help="duration of every rate (default: per rate)")
    parser.add_argument("--sequential", type=int, default=200, help="parse/turn pairs in the sequential run")
    parser.add_argument("--rasa-servers", type=int, default=1, help="Rasa servers to start (more than 1: shared stores)")
    parser.add_argument("--action-servers", type=int, default=1, help="action servers to start")
    parser.add_argument("--tracker-store", default=None,
                        help=f"RASA_TRACKER_STORE_URL for the servers started (default: SQLite for one, {SHARED_TRACKER_STORE_URL} for more)")
    parser.add_argument("--lock-store", default=None, help=f"LOCK_STORE_URL (default: none for one server, {SHARED_LOCK_STORE_URL} for more)")
    parser.add_argument("--rasa-urls", default="", help="comma-separated running Rasa servers to measure instead of starting any")
    args = parser.parse_args()
    settings = get_settings()
    if latest_model(settings.models_dir) is None:
        raise SystemExit("no trained model: run `make model` first")
    data_dir = Path(tempfile.mkdtemp(prefix="bench-throughput-"))
    os.environ["GRADBOT_DATA_DIR"] = str(data_dir)
    get_settings.cache_clear()
    print(f"load average before: {' '.join(f'{x:.1f}' for x in os.getloadavg())} on {os.cpu_count()} cores "
          "(a shared machine makes every figure pessimistic)", flush=True)
    samples = texts()
    if args.rasa_urls:
        urls = [u.strip().rstrip("/") for u in args.rasa_urls.split(",") if u.strip()]
        print(f"measuring running servers: {', '.join(urls)}", flush=True)
        measure(Target(urls, rasa_api_token(settings), {}), samples, args)
    else:
        shared = args.rasa_servers > 1
        tracker = args.tracker_store if args.tracker_store is not None else (SHARED_TRACKER_STORE_URL if shared else "")
        lock = args.lock_store if args.lock_store is not None else (SHARED_LOCK_STORE_URL if shared else "")
        print(f"{args.rasa_servers} Rasa server(s), {args.action_servers} action server(s); tracker store "
              f"{tracker or 'SQLite'}, lock store {lock or 'in-process'}", flush=True)
        stack_settings = dataclasses.replace(settings, data_dir=data_dir, tracker_store_url=tracker, lock_store_url=lock)
        with RasaStack(stack_settings, rasa_servers=args.rasa_servers, action_servers=args.action_servers) as stack:
            measure(Target.of(stack), samples, args)
            for name, process in stack.processes:
                print(f"peak memory {name}: {peak_rss_mb(process.pid):.0f} MB")
    print(f"peak memory benchmark client: {peak_rss_mb(os.getpid()):.0f} MB")
    print(f"load average after: {' '.join(f'{x:.1f}' for x in os.getloadavg())}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
