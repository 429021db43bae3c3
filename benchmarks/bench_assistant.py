"""Figures for the assistant core: training time, cold start, latency, memory, NLU cross-validation.

    .venv/bin/python benchmarks/bench_assistant.py [--skip-train] [--skip-stack] [--skip-cv] [--folds 3]

- training time: ``gradbot train --force`` into a temporary models directory;
- cold start: from launching the action server and the Rasa server until both answer;
- latency: every question of ``tests/eval/questions.yml`` posted to the REST channel
  (NLU, policies, action server), one new conversation each: p50/p95/max;
- peak memory: the peak resident set (VmHWM) of the Rasa server and the action server;
- NLU cross-validation: ``rasa test nlu --cross-validation`` on the training data,
  intent accuracy and weighted F1 averaged over the folds.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.request import Request, urlopen

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from gradbot.evaluation import percentile  # noqa: E402
from gradbot.settings import get_settings  # noqa: E402
from gradbot.stack import RasaStack  # noqa: E402
from gradbot.training import latest_model  # noqa: E402


def peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def bench_training() -> None:
    with tempfile.TemporaryDirectory() as models:
        env = dict(os.environ, GRADBOT_MODELS_DIR=models)
        started = time.perf_counter()
        subprocess.run([sys.executable, "-m", "gradbot.cli", "train", "--force"], cwd=ROOT, env=env, check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        print(f"training time: {time.perf_counter() - started:.0f} s (gradbot train --force, {os.cpu_count()} cores)")


def bench_stack() -> None:
    settings = get_settings()
    if latest_model(settings.models_dir) is None:
        raise SystemExit("no trained model: run `make model` first")
    data_dir = Path(tempfile.mkdtemp(prefix="bench-data-"))
    os.environ["GRADBOT_DATA_DIR"] = str(data_dir)
    stack = RasaStack(dataclasses.replace(settings, data_dir=data_dir))
    started = time.perf_counter()
    with stack:
        print(f"cold start: {time.perf_counter() - started:.1f} s (action server + Rasa server until both answer)")
        items = yaml.safe_load((ROOT / "tests" / "eval" / "questions.yml").read_text(encoding="utf-8"))
        latencies = []
        for number, item in enumerate(items):
            body = json.dumps({"sender": f"bench-{number}", "message": item["text"]}).encode()
            request = Request(stack.rasa_url + "/webhooks/rest/webhook", data=body, headers={"Content-Type": "application/json"})
            t0 = time.perf_counter()
            with urlopen(request, timeout=60) as response:  # noqa: S310 - loopback
                response.read()
            latencies.append((time.perf_counter() - t0) * 1000)
        print(f"per-message latency over REST ({len(latencies)} messages, sequential): p50 {percentile(latencies, 0.5):.0f} ms, "
              f"p95 {percentile(latencies, 0.95):.0f} ms, max {max(latencies):.0f} ms, mean {statistics.mean(latencies):.0f} ms")
        for name, process in stack.processes:
            print(f"peak memory {name}: {peak_rss_mb(process.pid):.0f} MB")


def bench_cross_validation(folds: int) -> None:
    out = Path(tempfile.mkdtemp(prefix="bench-cv-"))
    data = out / "data"  # `rasa test nlu` takes one path: nlu_data/nlu plus the knowledge base's questions
    data.mkdir()
    for source in [*sorted((ROOT / "nlu_data" / "nlu").glob("*.yml")), ROOT / "build" / "kb_nlu.yml"]:
        shutil.copy(source, data / source.name)
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "rasa", "test", "nlu", "--nlu", str(data), "--config", "config.yml",
                    "--cross-validation", "--folds", str(folds), "--out", str(out)], cwd=ROOT, check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=dict(os.environ, TF_CPP_MIN_LOG_LEVEL="2"))
    report = json.loads((out / "intent_report.json").read_text())
    weighted = report.get("weighted avg", {})
    print(f"NLU {folds}-fold cross-validation (test folds): intent accuracy {report.get('accuracy', float('nan')):.3f}, "
          f"weighted F1 {weighted.get('f1-score', float('nan')):.3f} ({time.perf_counter() - started:.0f} s)")
    worst = sorted(((v["f1-score"], k) for k, v in report.items() if isinstance(v, dict) and "support" in v and k not in
                    ("weighted avg", "macro avg", "micro avg")))[:3]
    print("  lowest intent F1: " + ", ".join(f"{k} {f:.3f}" for f, k in worst))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--skip-train", action="store_true")
    parser.add_argument("--skip-stack", action="store_true")
    parser.add_argument("--skip-cv", action="store_true")
    parser.add_argument("--folds", type=int, default=3)
    args = parser.parse_args()
    if not args.skip_train:
        bench_training()
    if not args.skip_stack:
        bench_stack()
    if not args.skip_cv:
        bench_cross_validation(args.folds)


if __name__ == "__main__":
    main()
