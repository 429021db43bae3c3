"""Run every benchmark and print its figures (``make bench``)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
BENCHMARKS = (
    ["bench_assistant.py"],
    ["tune_answering.py"],
    ["bench_cases.py"],
    ["bench_telegram.py"],
    ["bench_throughput.py"],
)


def main() -> int:
    failed = 0
    for command in BENCHMARKS:
        print(f"\n== {' '.join(command)} ==", flush=True)
        failed += subprocess.run([sys.executable, str(HERE / command[0]), *command[1:]], cwd=HERE.parent).returncode != 0
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
