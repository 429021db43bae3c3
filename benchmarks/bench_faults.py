"""Faults under load: students' messages through the real bot and the real Rasa stack while
servers die, the Bot API misbehaves and a case import notifies bound students.

    .venv/bin/python -m benchmarks.bench_faults [--messages 5000] [--students 500] [--rate 20]
        [--notifications 300] [--fault-share 0.05] [--drop-poll-share 0.05] [--rasa-servers 1]

(run as a module from the project root, so the fakes import as ``tests.support``)

* The stack as ``gradbot serve`` runs it (:class:`gradbot.stack.RasaStack`, supervised: a dead
  server is restarted), the real bot (python-telegram-bot, ``bot/``, its own process, default
  rate limiter, the outbox sender), and the fake Bot API (``tests/support/fake_bot_api.py``) with
  faults: a share of ``sendMessage`` answered 429 (``retry_after`` 1 s) or 502, half each, and a
  share of ``getUpdates`` long-polls dropped.
* ``--messages`` questions from ``--students`` students at ``--rate`` a second (fixed interval,
  each from a random student, so one student's messages sometimes come close together). Each
  student writes in a group chat of their own, mentioning the bot: there the bot's first reply
  to a message quotes it (``reply_parameters``), so every reply is attributed to its message.
  (In a private chat replies do not quote; the code path is the same: ordering, Rasa, retries.)
* In the same run the Rasa server is killed (SIGKILL) at 20 % and 60 % of the messages and the
  action server at 40 % (each after the previous one has recovered), and at 50 % a case import
  changes the status of ``--notifications`` bound students, whose notifications go out
  through the outbox.

``--rasa-servers 2`` runs two Rasa servers sharing conversations (PostgreSQL tracker store and
Redis lock store on 127.0.0.1, as ``tests/test_scale_out.py``); the first one is the one killed,
and the bot moves its students to the second meanwhile.

Prints: messages answered exactly once (an answer, or "busy, try again"), lost, answered
twice, out of order within a chat; notifications delivered once, twice, never; seconds to
recover after each kill (until the server answers again; until a student's next real answer).
Bounded (every wait has a timeout), loopback only.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import dataclasses
import json
import logging
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import aiohttp
import yaml

from bot.texts import BUSY, NO_ANSWER
from gradbot.settings import Settings, get_settings
from gradbot.stack import RasaStack
from gradbot.training import latest_model
from tests.support.fake_bot_api import BOT_USERNAME, TOKEN, FakeBotApi, Faults, text_update
from tests.support.services import SHARED_LOCK_STORE_URL, SHARED_TRACKER_STORE_URL

ROOT = Path(__file__).resolve().parent.parent
USER_BASE, GROUP_BASE, BOUND_BASE = 500_000, 1_000_000, 700_000
STUDENT_ID_BASE = 2_190_000_000
NOTIFICATION_PREFIX = "【办理进度更新】"
CSV_HEADER = ["学号", "姓名", "学历层次", "学院", "事项", "状态", "备注", "更新时间"]
SETTLE_TIMEOUT_S = 90.0
RECOVERY_TIMEOUT_S = 240.0


def questions() -> list[str]:
    """Questions the knowledge base answers (the evaluation set's entries, not outcomes)."""
    items = yaml.safe_load((ROOT / "tests" / "eval" / "questions.yml").read_text(encoding="utf-8"))
    return [item["text"] for item in items if isinstance(item.get("expect"), str) and not item["expect"].startswith("@")]


# --- the bot process ----------------------------------------------------------------------------


def serve_bot() -> None:
    """The bot process: configured from the environment, run until SIGTERM."""
    from bot.app import build_application, run_bot

    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    settings = get_settings()
    run_bot(settings, build_application(settings, outbox_interval_s=1.0))


# --- the case import ----------------------------------------------------------------------------


def write_sheet(path: Path, count: int, status: str, updated: str) -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(CSV_HEADER)
        for i in range(count):
            writer.writerow([str(STUDENT_ID_BASE + i), f"学生{i}", "本科", "电信学部", "签约派遣", status, "", updated])
    return path


def bind_students(database_url: str, data_dir: Path, count: int) -> None:
    """``count`` students with a case, each bound to the Telegram user ``BOUND_BASE + i``."""
    from gradbot.db.engine import sessions
    from gradbot.db.models import TelegramBinding
    from tests.support.database import import_sheet

    import_sheet(write_sheet(data_dir / "cases-1.csv", count, "学院已审核", "2026-05-10 09:00"), database_url, apply=True)
    with sessions(database_url).begin() as session:
        session.add_all(TelegramBinding(telegram_user_id=str(BOUND_BASE + i), student_id=str(STUDENT_ID_BASE + i))
                        for i in range(count))


def import_changes(database_url: str, data_dir: Path, count: int) -> int:
    """The second import: every bound student's case moves on; the notifications queued."""
    from tests.support.database import import_sheet

    sheet = write_sheet(data_dir / "cases-2.csv", count, "已鉴证盖章", "2026-05-12 09:00")
    return import_sheet(sheet, database_url, apply=True).result.notifications


# --- kills and recovery ---------------------------------------------------------------------------


@dataclasses.dataclass
class Kill:
    server: str
    at: float  # monotonic
    server_back_s: float | None = None
    first_answer_s: float | None = None


async def wait_until_up(url: str, ready: bytes | None, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    async with aiohttp.ClientSession() as session:
        while time.monotonic() < deadline:
            try:
                async with session.get(url, timeout=aiohttp.ClientTimeout(total=2)) as response:
                    body = await response.read()
                    if response.status == 200 and (ready is None or ready in body):
                        return True
            except (aiohttp.ClientError, asyncio.TimeoutError):
                pass
            await asyncio.sleep(0.25)
    return False


async def kill_and_wait(stack: RasaStack, name: str, kills: list[Kill]) -> None:
    process = stack.process(name)
    if process is None or process.poll() is not None:
        print(f"  {name} was not running at its kill time", flush=True)
        return
    kill = Kill(name, time.monotonic())
    kills.append(kill)
    os.killpg(process.pid, signal.SIGKILL)
    print(f"  t={kill.at - START[0]:.0f}s: killed {name} (pid {process.pid})", flush=True)
    await asyncio.sleep(0.5)
    if name.startswith("rasa"):
        url, ready = f"{stack.rasa_url}/status?token={stack.api_token}", b"model_file"
    else:
        url, ready = f"{stack.action_url.rsplit('/', 1)[0]}/health", None
    if await wait_until_up(url, ready, RECOVERY_TIMEOUT_S):
        kill.server_back_s = time.monotonic() - kill.at


START = [0.0]


# --- the run ------------------------------------------------------------------------------------


@dataclasses.dataclass
class Sent:
    student: int
    message_id: int
    at: float


async def run(args: argparse.Namespace, settings: Settings, data_dir: Path) -> dict[str, Any]:
    database_url = f"sqlite:///{data_dir / 'gradbot.db'}"
    from gradbot.db.engine import upgrade

    upgrade(database_url)
    bind_students(database_url, data_dir, args.notifications)
    half = args.fault_share / 2
    faults = Faults(send_429=half, send_502=half, drop_poll=args.drop_poll_share, seed=args.seed)
    texts = questions()
    rng = random.Random(args.seed)
    sent: list[Sent] = []
    kills: list[Kill] = []
    stack_settings = dataclasses.replace(settings, data_dir=data_dir)
    if args.rasa_servers > 1:
        stack_settings = dataclasses.replace(stack_settings, tracker_store_url=SHARED_TRACKER_STORE_URL,
                                             lock_store_url=SHARED_LOCK_STORE_URL)
    stack = RasaStack(stack_settings, supervise=True, rasa_servers=args.rasa_servers)
    try:
        await asyncio.to_thread(stack.start)
        async with FakeBotApi(faults=faults) as api:
            env = dict(os.environ, TELEGRAM_BOT_TOKEN=TOKEN, TELEGRAM_API_BASE_URL=api.base_url, RASA_URL=stack.rasa_url,
                       RASA_URLS=",".join(stack.rasa_urls), DATABASE_URL=database_url, GRADBOT_DATA_DIR=str(data_dir), TELEGRAM_WEBHOOK_URL="")
            with open(data_dir / "bot.log", "ab") as bot_log:
                bot = subprocess.Popen([sys.executable, "-m", "benchmarks.bench_faults", "--serve-bot"], env=env,
                                       cwd=str(ROOT), stdout=bot_log, stderr=subprocess.STDOUT)
            try:
                await api.wait_call("setMyCommands", timeout=60)
                await asyncio.sleep(1.0)
                START[0] = time.monotonic()
                schedule = {int(args.messages * 0.2): "rasa-server", int(args.messages * 0.4): "action-server",
                            int(args.messages * 0.6): "rasa-server"}
                import_at = int(args.messages * 0.5)
                faults_done: asyncio.Future | None = None
                pending_faults: list[str] = []
                queued = 0

                async def fault_runner() -> None:
                    while pending_faults:
                        await kill_and_wait(stack, pending_faults.pop(0), kills)

                for number in range(args.messages):
                    due = START[0] + number / args.rate
                    await asyncio.sleep(max(0.0, due - time.monotonic()))
                    if number in schedule:
                        pending_faults.append(schedule[number])
                        if faults_done is None or faults_done.done():
                            faults_done = asyncio.ensure_future(fault_runner())
                    if number == import_at:
                        queued = await asyncio.to_thread(import_changes, database_url, data_dir, args.notifications)
                        print(f"  t={time.monotonic() - START[0]:.0f}s: case import queued {queued} notifications", flush=True)
                    student = rng.randrange(args.students)
                    update = text_update(USER_BASE + student, f"@{BOT_USERNAME} {rng.choice(texts)}",
                                         chat_id=-(GROUP_BASE + student))
                    await api.inject(update)
                    sent.append(Sent(student, update["message"]["message_id"], time.monotonic()))
                sending_s = time.monotonic() - START[0]
                if faults_done is not None:
                    await asyncio.wait_for(faults_done, RECOVERY_TIMEOUT_S * 3)
                await settle(api, sent, args.notifications)
            finally:
                bot.send_signal(signal.SIGTERM)
                try:
                    await asyncio.to_thread(bot.wait, 30)
                except subprocess.TimeoutExpired:
                    bot.kill()
            return tally(api, sent, kills, args, queued, sending_s, faults)
    finally:
        await asyncio.to_thread(stack.stop)


def replies_by_message(api: FakeBotApi) -> tuple[dict[int, list[str]], dict[int, list[int]], int]:
    """(message id → texts of the replies quoting it, chat → quoted ids in delivery order, replies quoting nothing)."""
    by_message: dict[int, list[str]] = {}
    order: dict[int, list[int]] = {}
    unattributed = 0
    for call in api.calls_of("sendMessage"):
        chat_id = int(call.params["chat_id"])
        if not call.ok or chat_id > 0:
            continue
        quoted = (call.params.get("reply_parameters") or {}).get("message_id")
        if quoted is None:
            unattributed += 1  # a later part of a turn, or a reply that quotes nothing
            continue
        by_message.setdefault(int(quoted), []).append(call.params.get("text", ""))
        order.setdefault(chat_id, []).append(int(quoted))
    return by_message, order, unattributed


def notifications_by_chat(api: FakeBotApi) -> dict[int, int]:
    counts: dict[int, int] = {}
    for call in api.calls_of("sendMessage"):
        if call.ok and int(call.params["chat_id"]) > 0 and call.params.get("text", "").startswith(NOTIFICATION_PREFIX):
            counts[int(call.params["chat_id"])] = counts.get(int(call.params["chat_id"]), 0) + 1
    return counts


async def settle(api: FakeBotApi, sent: list[Sent], notifications: int) -> None:
    """Wait until every message has a reply and every notification went out (bounded), then a
    few seconds more for any duplicate."""
    deadline = time.monotonic() + SETTLE_TIMEOUT_S
    while time.monotonic() < deadline:
        by_message, _, _ = replies_by_message(api)
        if all(s.message_id in by_message for s in sent) and len(notifications_by_chat(api)) >= notifications:
            break
        await asyncio.sleep(1.0)
    await asyncio.sleep(5.0)


def tally(api: FakeBotApi, sent: list[Sent], kills: list[Kill], args: argparse.Namespace, queued: int,
          sending_s: float, faults: Faults) -> dict[str, Any]:
    by_message, order, unattributed = replies_by_message(api)
    once = [s for s in sent if len(by_message.get(s.message_id, [])) == 1]
    busy = sum(1 for s in once if by_message[s.message_id][0] == BUSY)
    no_answer = sum(1 for s in once if by_message[s.message_id][0] == NO_ANSWER)
    lost = [s for s in sent if s.message_id not in by_message]
    twice = [s for s in sent if len(by_message.get(s.message_id, [])) > 1]
    sent_order: dict[int, list[int]] = {}
    for s in sent:
        sent_order.setdefault(-(GROUP_BASE + s.student), []).append(s.message_id)
    out_of_order = sum(1 for chat, quoted in order.items() if quoted != sorted(quoted))
    delivered = notifications_by_chat(api)
    bound = [BOUND_BASE + i for i in range(args.notifications)]
    sent_at = {s.message_id: s.at for s in sent}
    for kill in kills:  # the first real answer to a message sent after the kill
        answers = [c.at for c in api.calls_of("sendMessage") if c.ok and int(c.params["chat_id"]) < 0
                   and c.params.get("text") not in (BUSY, NO_ANSWER)
                   and sent_at.get((c.params.get("reply_parameters") or {}).get("message_id"), 0.0) > kill.at]
        kill.first_answer_s = min(answers) - kill.at if answers else None
    return {
        "messages": len(sent), "students": args.students, "rate_per_s": args.rate, "sending_s": round(sending_s, 1),
        "answered_exactly_once": len(once), "of_which_busy": busy, "of_which_no_answer": no_answer, "lost": len(lost), "answered_twice": len(twice),
        "chats_out_of_order": out_of_order, "replies_quoting_nothing": unattributed,
        "notifications_queued": queued, "notifications_once": sum(1 for u in bound if delivered.get(u) == 1),
        "notifications_twice": sum(1 for u in bound if delivered.get(u, 0) > 1),
        "notifications_never": sum(1 for u in bound if u not in delivered),
        "kills": [{"server": k.server, "at_s": round(k.at - START[0], 1),
                   "server_back_s": None if k.server_back_s is None else round(k.server_back_s, 1),
                   "first_answer_s": None if k.first_answer_s is None else round(k.first_answer_s, 1)} for k in kills],
        "faults_injected": dict(faults.injected),
        "load_average_1min": round(os.getloadavg()[0], 2),
        "lost_examples": [s.message_id for s in lost[:5]], "twice_examples": [s.message_id for s in twice[:5]],
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=5000)
    parser.add_argument("--students", type=int, default=500)
    parser.add_argument("--rate", type=float, default=20.0, help="messages a second")
    parser.add_argument("--notifications", type=int, default=300, help="bound students the case import notifies")
    parser.add_argument("--fault-share", type=float, default=0.05, help="share of sendMessage answered 429 or 502")
    parser.add_argument("--drop-poll-share", type=float, default=0.05, help="share of getUpdates connections dropped")
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--rasa-servers", type=int, default=1, help="Rasa servers (more than 1: shared PostgreSQL/Redis stores)")
    parser.add_argument("--serve-bot", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.serve_bot:
        serve_bot()
        return 0
    logging.basicConfig(level=logging.WARNING)
    settings = get_settings()
    if latest_model(settings.models_dir) is None:
        raise SystemExit("no trained model: run `make model` first")
    with tempfile.TemporaryDirectory(prefix="bench-faults-") as tmp:
        data_dir = Path(tmp)
        os.environ["GRADBOT_DATA_DIR"] = str(data_dir)
        os.environ.pop("DATABASE_URL", None)
        get_settings.cache_clear()
        print(f"faults under load: {args.messages} messages from {args.students} students at {args.rate:g}/s; "
              f"{args.fault_share:.0%} of sends 429/502, {args.drop_poll_share:.0%} of long-polls dropped; "
              f"Rasa killed twice, the action server once; {args.notifications} notifications; "
              f"{args.rasa_servers} Rasa server(s)", flush=True)
        result = asyncio.run(run(args, settings, data_dir))
        if result["lost"] or result["answered_twice"]:
            print((data_dir / "bot.log").read_text(encoding="utf-8", errors="replace")[-4000:])
    print(f"  messages answered exactly once: {result['answered_exactly_once']} of {result['messages']} "
          f"({result['of_which_busy']} of them \"busy, try again\", {result['of_which_no_answer']} \"cannot answer now\"); lost {result['lost']}; answered twice "
          f"{result['answered_twice']}; chats out of order {result['chats_out_of_order']}")
    print(f"  notifications: queued {result['notifications_queued']}, delivered once {result['notifications_once']}, "
          f"twice {result['notifications_twice']}, never {result['notifications_never']}")
    for kill in result["kills"]:
        print(f"  {kill['server']} killed at {kill['at_s']} s: answering again after {kill['server_back_s']} s, "
              f"first real answer to a message sent after the kill after {kill['first_answer_s']} s")
    print(f"  faults injected: {result['faults_injected']}; machine load {result['load_average_1min']}")
    print(json.dumps({"benchmark": "faults", **result}, ensure_ascii=False))
    ok = not (result["lost"] or result["answered_twice"] or result["chats_out_of_order"]
              or result["notifications_twice"] or result["notifications_never"])
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
