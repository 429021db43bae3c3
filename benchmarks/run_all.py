"""Run every benchmark and print its figures (``make bench``)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
BENCHMARKS = (
    ["bench_assistant"],
    ["tune_answering"],
    ["bench_cases"],
    ["bench_telegram"],
    ["bench_throughput"],
    ["bench_campaigns"],
    ["bench_faults"],
)


def main() -> int:
    failed = 0
    for command in BENCHMARKS:
        print(f"\n== {' '.join(command)} ==", flush=True)
        module = f"{HERE.name}.{command[0]}"  # as modules from the project root: they may import tests.support
        failed += subprocess.run([sys.executable, "-m", module, *command[1:]], cwd=HERE.parent).returncode != 0
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
