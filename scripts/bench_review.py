#!/usr/bin/env python3
"""Measure the reviewer's speed; prints a Markdown table for BENCHMARKS.md.

    .venv/bin/python scripts/bench_review.py

1. in-process: median time of ``review()`` on a 5,000-character document (the seed
   and the harness document combined into one realistic text, trimmed to 5,000 chars
   at an item boundary), after one warm-up;
2. cold start: wall time of ``duizhao review FILE`` in a fresh interpreter (median of 7);
3. batch: ``duizhao review`` on 200 files in one call, wall time per file.
"""

from __future__ import annotations

import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from evals.harness import clean_document  # noqa: E402
from service.review.engine import review  # noqa: E402

SEED = (ROOT / "tests" / "fixtures" / "seed_2021.txt").read_text(encoding="utf-8")


def document_5k() -> str:
    """A ~5,000-character 对照检查材料: the seed's problems section grown with the
    harness document's specific items until it reaches 5,000 characters."""
    extra_items = [line for line in clean_document().splitlines() if line.startswith("一是")]
    head, rest = SEED.split("二、产生问题的原因分析", 1)
    grown, i = head, 0
    while len(grown) + len(rest) + 12 < 5000:
        grown += f"{'二三四五六七八九'[i % 8]}是" + extra_items[i % len(extra_items)][2:] + "\n"
        i += 1
    text = grown + "二、产生问题的原因分析" + rest
    return text[:5000] if len(text) > 5000 else text


def in_process(text: str, rounds: int = 300) -> tuple[float, float]:
    review(text)
    times = []
    for _ in range(rounds):
        t0 = time.perf_counter()
        review(text)
        times.append(time.perf_counter() - t0)
    times.sort()
    return statistics.median(times) * 1000, times[int(len(times) * 0.95)] * 1000


def cold_start(path: Path, runs: int = 7) -> float:
    exe = [sys.executable, "-m", "service.cli", "review", str(path)]
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        subprocess.run(exe, capture_output=True, cwd=ROOT)
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def batch(n: int = 200) -> float:
    with tempfile.TemporaryDirectory() as tmp:
        paths = []
        for i in range(n):
            p = Path(tmp) / f"d{i:03d}.txt"
            p.write_text(SEED if i % 2 else clean_document(), encoding="utf-8")
            paths.append(str(p))
        t0 = time.perf_counter()
        subprocess.run([sys.executable, "-m", "service.cli", "review", "--format", "json",
                        *paths], capture_output=True, cwd=ROOT)
        return (time.perf_counter() - t0) / n


def main() -> None:
    text = document_5k()
    med, p95 = in_process(text)
    with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False, encoding="utf-8") as fh:
        fh.write(text)
    cold = cold_start(Path(fh.name))
    os.unlink(fh.name)
    per_file = batch()
    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
          f"Python {platform.python_version()}")
    print(f"document: {len(text)} characters\n")
    print("| measure | budget | measured |")
    print("|---|---|---|")
    print(f"| review() in-process, median (p95) per 5,000-char document | ≤ 5 ms | "
          f"{med:.2f} ms ({p95:.2f} ms) |")
    print(f"| `duizhao review FILE` cold start, wall, median of 7 | ≤ 0.5 s | {cold:.3f} s |")
    print(f"| `duizhao review` on 200 files in one call, per file | ≤ 10 ms | "
          f"{per_file * 1000:.2f} ms |")


if __name__ == "__main__":
    main()
