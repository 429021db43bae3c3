"""Benchmark of the case-status database: import throughput and status-query latency.

Generates a 10,000-row spreadsheet (CSV), imports it with ``--apply`` semantics into a
fresh SQLite file and, when reachable, a fresh schema on the PostgreSQL at
127.0.0.1:5432 (dropped afterwards); then re-imports it with 10% of the statuses
changed (with bindings, so notifications are queued), and times the status query a
bound student makes (binding lookup + formatting) p50/p95 over 300 queries.

Usage: ``python benchmarks/bench_cases.py [--rows 10000]``
"""

from __future__ import annotations

import argparse
import csv
import random
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

from sqlalchemy import create_engine, insert

from gradbot.cases.binding import student_for
from gradbot.cases.catalog import load_catalog
from gradbot.cases.importer import import_file
from gradbot.cases.status import status_message
from gradbot.db.engine import dispose_engines, sessions, upgrade
from gradbot.db.models import TelegramBinding, utcnow

HEADER = ["学号", "姓名", "学历层次", "学院", "事项", "状态", "备注", "更新时间"]
PG_URL = "postgresql+psycopg2://postgres@127.0.0.1:5432/test"


def make_rows(count: int, seed: int, day: int) -> list[list[str]]:
    """``count`` valid rows: ~count/2 students with up to 4 case types each."""
    rng = random.Random(seed)
    catalog = load_catalog()
    types = list(catalog.types)
    rows, student = [], 0
    while len(rows) < count:
        student += 1
        for case_type in rng.sample(types, rng.randint(1, len(types))):
            if len(rows) == count:
                break
            status = rng.choice(case_type.statuses).name
            rows.append([f"2191{student:06d}", f"学生{student}", rng.choice(["本科", "硕士", "博士"]), "电信学部",
                         case_type.name, status, rng.choice(["", "", "EMS 1034567"]), f"2026-05-{day:02d} 10:00"])
    return rows


def write_csv(path: Path, rows: list[list[str]]) -> Path:
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADER)
        writer.writerows(rows)
    return path


def changed_copy(rows: list[list[str]], fraction: float, seed: int) -> list[list[str]]:
    rng = random.Random(seed)
    catalog = load_catalog()
    result = []
    for row in rows:
        row = list(row)
        if rng.random() < fraction:
            statuses = [s.name for s in catalog.case_type(row[4]).statuses if s.name != row[5]]
            row[5], row[7] = rng.choice(statuses), "2026-05-20 10:00"
        result.append(row)
    return result


def bench(label: str, url: str, rows_count: int, workdir: Path) -> None:
    rows = make_rows(rows_count, seed=1, day=10)
    first = write_csv(workdir / f"{label}-1.csv", rows)
    upgrade(url)
    start = time.perf_counter()
    with sessions(url).begin() as session:
        report = import_file(session, first, apply=True)
    elapsed = time.perf_counter() - start
    print(f"[{label}] first import: {rows_count} rows ({report.result.new_cases} new cases, "
          f"{report.result.new_students} students) in {elapsed:.2f} s = {rows_count / elapsed:,.0f} rows/s")

    students = sorted({r[0] for r in rows})
    bound = students[:1000]
    with sessions(url).begin() as session:
        session.execute(insert(TelegramBinding.__table__), [
            {"telegram_user_id": f"tg-{sid}", "student_id": sid, "bound_at": utcnow(), "blocked": False}
            for sid in bound
        ])

    start = time.perf_counter()
    with sessions(url).begin() as session:
        again = import_file(session, first, apply=True)
    elapsed = time.perf_counter() - start
    print(f"[{label}] re-import unchanged: {again.plan.counts()['unchanged']} unchanged in {elapsed:.2f} s "
          f"= {rows_count / elapsed:,.0f} rows/s")

    second = write_csv(workdir / f"{label}-2.csv", changed_copy(rows, 0.10, seed=2))
    start = time.perf_counter()
    with sessions(url).begin() as session:
        changed = import_file(session, second, apply=True)
    elapsed = time.perf_counter() - start
    print(f"[{label}] import with 10% changed: {changed.result.changed_cases} changed, "
          f"{changed.result.notifications} notifications queued in {elapsed:.2f} s = {rows_count / elapsed:,.0f} rows/s")

    rng = random.Random(3)
    timings = []
    for _ in range(300):
        user = f"tg-{rng.choice(bound)}"
        start = time.perf_counter()
        with sessions(url).begin() as session:
            student = student_for(session, user)
            status_message(session, student.student_id)
        timings.append((time.perf_counter() - start) * 1000)
    timings.sort()
    p95 = timings[int(len(timings) * 0.95) - 1]
    print(f"[{label}] status query (binding lookup + cases + formatting), 300 queries: "
          f"p50 {statistics.median(timings):.2f} ms, p95 {p95:.2f} ms")
    dispose_engines()


def postgres_schema() -> tuple[str, object] | None:
    """A fresh schema on the local PostgreSQL (url, admin engine), or None."""
    admin = create_engine(PG_URL, future=True, isolation_level="AUTOCOMMIT", connect_args={"connect_timeout": 3})
    schema = f"bench_{uuid.uuid4().hex[:12]}"
    try:
        with admin.connect() as connection:
            connection.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
    except Exception as exc:
        print(f"[postgresql] skipped: {str(exc).splitlines()[0]}")
        admin.dispose()
        return None
    return f"{PG_URL}?options=-csearch_path%3D{schema}", (admin, schema)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        bench("sqlite", f"sqlite:///{workdir / 'bench.db'}", args.rows, workdir)
        pg = postgres_schema()
        if pg:
            url, (admin, schema) = pg
            try:
                bench("postgresql", url, args.rows, workdir)
            finally:
                dispose_engines()
                with admin.connect() as connection:
                    connection.exec_driver_sql(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
                admin.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
