"""Campaign delivery through the real bot (production rate limiter) and a fake Bot API:
reminders per second, the busiest second, and students' answer latency while a campaign
goes out compared with none.

N bound students get one reminder each; meanwhile Q other students each ask M questions
(each waits for the answer, like a person). Everything runs in this process (bot, fakes,
students) on a temporary SQLite database.

    .venv/bin/python -m benchmarks.bench_campaigns [--students 600] [--askers 10] [--questions 5]

(run as a module from the project root, so the fakes import as ``tests.support``)
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import tempfile
import time
from collections import Counter
from pathlib import Path

from bot.app import build_application, running_bot
from gradbot.campaigns.definition import parse_campaign
from gradbot.campaigns.queueing import queue_campaign
from gradbot.campaigns.schedule import QuietHours
from gradbot.cases.catalog import load_catalog
from gradbot.db.engine import dispose_engines, sessions
from gradbot.db.models import utcnow
from gradbot.evaluation import percentile
from gradbot.knowledge.loader import load_directory
from gradbot.settings import PROJECT_ROOT, Settings, get_settings
from tests.support.campaigns import add_students, campaign_texts, write_campaign
from tests.support.fake_bot_api import TOKEN, FakeBotApi, text_update
from tests.support.fake_rasa import FakeRasa

POLICIES = PROJECT_ROOT / "policies"


async def run_once(students: int, askers: int, questions: int, with_campaign: bool) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/bench.db"
        targets = [uid for _, uid in add_students(url, 100_000, students)]
        if with_campaign:
            catalog, (kb, _) = load_catalog(POLICIES / "_case_types.yml"), load_directory(POLICIES)
            campaign, problems = parse_campaign(write_campaign(Path(tmp)), catalog, kb)
            assert campaign is not None, problems
            with sessions(url).begin() as session:
                queue_campaign(session, campaign, catalog, kb, utcnow(), QuietHours.parse("off"))
        async with FakeBotApi() as api, FakeRasa(delay_s=0.02) as rasa:
            settings = Settings(data_dir=Path(tmp), database_url=url, rasa_url=rasa.url, telegram_token=TOKEN,
                                telegram_api_base_url=api.base_url, telegram_webhook_url="")
            latencies: list[float] = []

            async def asker(uid: int) -> None:
                for i in range(questions):
                    sent_at = time.monotonic()
                    await api.inject(text_update(uid, f"echo {i}"))
                    calls = await api.wait_sent(uid, i + 1, timeout=60)
                    latencies.append(calls[i].at - sent_at)
                    await asyncio.sleep(0.5)  # a person reads the answer

            async with running_bot(build_application(settings, outbox_interval_s=0.5), settings):
                started = time.monotonic()
                await asyncio.sleep(2)  # the campaign is under way
                await asyncio.gather(*(asker(900_000 + a) for a in range(askers)))
                if with_campaign:
                    await api.wait_for(lambda: sum(campaign_texts(api, targets).values()) >= students, timeout=600)
                elapsed = time.monotonic() - started
            reminders = [c for chat in targets for c in api.sent_to(chat)]
            per_second = Counter(int(c.at) for c in api.calls_of("sendMessage"))
            reminders_per_second = Counter(int(c.at) for c in reminders)
        dispose_engines()
        span = (max(c.at for c in reminders) - min(c.at for c in reminders)) if len(reminders) > 1 else 0.0
        return {
            "reminders": len(reminders),
            "exactly_once": all(n == 1 for n in campaign_texts(api, targets).values()) if with_campaign else True,
            "reminders_per_s": round(len(reminders) / span, 1) if span else 0.0,
            "busiest_second_all_messages": max(per_second.values()) if per_second else 0,
            "busiest_second_reminders": max(reminders_per_second.values()) if reminders_per_second else 0,
            "answers": len(latencies),
            "p50_ms": round(percentile(latencies, 0.5) * 1000, 1),
            "p95_ms": round(percentile(latencies, 0.95) * 1000, 1),
            "seconds": round(elapsed, 1),
            "load_average_1min": round(os.getloadavg()[0], 2),
        }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=600)
    parser.add_argument("--askers", type=int, default=10)
    parser.add_argument("--questions", type=int, default=5)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    ok = True
    for with_campaign in (False, True):
        r = asyncio.run(run_once(args.students, args.askers, args.questions, with_campaign))
        label = f"campaign to {args.students} students" if with_campaign else "no campaign"
        print(f"{label}: {args.askers} students asking {args.questions} questions each: "
              f"answer latency p50 {r['p50_ms']} ms, p95 {r['p95_ms']} ms ({r['answers']} answers)")
        if with_campaign:
            print(f"  reminders {r['reminders']} at {r['reminders_per_s']}/s, each student exactly once: "
                  f"{'yes' if r['exactly_once'] else 'NO'}; busiest second: reminders {r['busiest_second_reminders']}, "
                  f"all messages {r['busiest_second_all_messages']} (PTB's AIORateLimiter, 30/s); "
                  f"{r['seconds']} s; machine load {r['load_average_1min']}")
            ok = ok and r["exactly_once"] and r["busiest_second_reminders"] <= get_settings().campaign_rate_per_s + 1
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
