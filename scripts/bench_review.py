#!/usr/bin/env python3
"""Measure the reviewer's speed; prints a Markdown table for BENCHMARKS.md.

    .venv/bin/python scripts/bench_review.py

1. in-process: median (and p95) time of ``review()`` on ~5,000-character documents,
   after one warm-up: the two hand-written benchmark documents of
   ``evals/datasets/bench/`` (a specific one and a mixed-quality one) and a worst case,
   the circulated seed template grown to 5,000 characters (every sentence a template
   copy, every item formulaic);
2. cold start: wall time of ``duizhao review FILE`` in a fresh interpreter (median of 7),
   on the specific benchmark document;
3. batch: ``duizhao review`` on 200 files in one call (the benchmark documents and the
   seed, in turn), wall time per file.
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

from evals.harness import clean_document  # noqa: E402  (grows the worst case)
from service.review.engine import review  # noqa: E402

SEED = (ROOT / "tests" / "fixtures" / "seed_2021.txt").read_text(encoding="utf-8")
BENCH = ROOT / "evals" / "datasets" / "bench"
DOCS = {
    "specific_2021.txt (具体、合格)": (BENCH / "specific_2021.txt").read_text(encoding="utf-8"),
    "mixed_2024.txt (质量参差)": (BENCH / "mixed_2024.txt").read_text(encoding="utf-8"),
}


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
    texts = [*DOCS.values(), SEED]
    with tempfile.TemporaryDirectory() as tmp:
        paths = []
        for i in range(n):
            p = Path(tmp) / f"d{i:03d}.txt"
            p.write_text(texts[i % len(texts)], encoding="utf-8")
            paths.append(str(p))
        t0 = time.perf_counter()
        subprocess.run([sys.executable, "-m", "service.cli", "review", "--format", "json",
                        *paths], capture_output=True, cwd=ROOT)
        return (time.perf_counter() - t0) / n


def components(text: str, rounds: int = 40) -> list[tuple[str, float]]:
    """Mean ms per review step on ``text``: parse, structure detection, segmentation,
    specificity, matching, and each rule (shared work is charged to the first user)."""
    from service.document import parse
    from service.review import matching, specificity
    from service.review.context import ReviewContext
    from service.review.registry import all_rules
    from service.structures import detect_structure
    from service.text.segment import doc_segmentation

    review(text)
    tot: dict[str, float] = {}

    def tm(key, fn):
        t0 = time.perf_counter()
        out = fn()
        tot[key] = tot.get(key, 0.0) + time.perf_counter() - t0
        return out

    for _ in range(rounds):
        doc = tm("parse (normalize + sections/items)", lambda: parse(text))
        det = tm("detect structure", lambda: detect_structure(doc.norm.text))
        ctx = ReviewContext(doc=doc, structure=det.structure)
        tm("segmentation (rjieba)", lambda: doc_segmentation(ctx))
        tm("specificity", lambda: [specificity.item_score(ctx, i) for i in doc.problems])
        tm("matching", lambda: matching.matches(ctx))
        for r in all_rules():
            tm(r.code, lambda: list(r.check(ctx, r)))
    return sorted(((k, v / rounds * 1000) for k, v in tot.items()), key=lambda kv: -kv[1])


def main() -> None:
    if "--components" in sys.argv:
        text = DOCS["specific_2021.txt (具体、合格)"]
        rows = components(text)
        print("| step (specific_2021.txt) | ms |")
        print("|---|---:|")
        shown = [r for r in rows if r[1] >= 0.1]
        for name, ms in shown:
            print(f"| {name} | {ms:.2f} |")
        rest = [r for r in rows if r[1] < 0.1]
        print(f"| {len(rest)} other rules, together | {sum(ms for _, ms in rest):.2f} |")
        print(f"| **total** | **{sum(ms for _, ms in rows):.2f}** |")
        return
    docs = dict(DOCS)
    docs["seed grown to 5,000 chars (worst case: all template)"] = document_5k()
    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
          f"Python {platform.python_version()}\n")
    print("| measure | budget | measured |")
    print("|---|---|---|")
    for name, text in docs.items():
        med, p95 = in_process(text)
        print(f"| review() in-process, median (p95): {name}, {len(text)} chars | ≤ 5 ms | "
              f"{med:.2f} ms ({p95:.2f} ms) |")
    cold = cold_start(BENCH / "specific_2021.txt")
    per_file = batch()
    print(f"| `duizhao review FILE` cold start, wall, median of 7 | ≤ 0.5 s | {cold:.3f} s |")
    print(f"| `duizhao review` on 200 files in one call, per file | ≤ 10 ms | "
          f"{per_file * 1000:.2f} ms |")


if __name__ == "__main__":
    main()
