#!/usr/bin/env python3
"""Load test: N concurrent streamed drafts through ``duizhao serve`` against a slow
OpenAI-compatible fake backend on 127.0.0.1.

    .venv/bin/python scripts/load_drafts.py --drafts 50 --seconds 3

What it does, all on loopback and bounded in count and time:

1. starts the fake backend (tests/llm/fake_server.py) in this process: each request
   streams the seed draft in ``--chunks`` pieces spread over ``--seconds`` seconds;
2. starts ``duizhao serve`` in a subprocess (model ``openai/load`` at the fake
   backend, a temporary SQLite file, admission and backend limits above N);
3. warms up with one draft, then sends N drafts at once with
   ``Accept: text/event-stream`` and reads every stream to its ``done`` event;
4. also streams N requests straight to the fake backend (same concurrency) as the
   baseline, and samples the server's resident memory (/proc) throughout.

Latency added by the service = (client time for a draft through the service) − (client
time for the same backend stream without the service), compared by percentile. Exit 1
if any draft did not complete. ``--json`` prints the figures as one JSON object.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.llm.fake_server import Act, FakeServer  # noqa: E402

SEED = ROOT / "tests" / "fixtures" / "seed_2021.txt"
NOTES = ROOT / "examples" / "notes" / "tax-clerk.yaml"
FIRST_DELAY = 0.5


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def rss_kib(pid: int) -> tuple[int, int]:
    """(VmRSS, VmHWM) of a process in KiB (Linux /proc)."""
    rss = hwm = 0
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                rss = int(line.split()[1])
            elif line.startswith("VmHWM:"):
                hwm = int(line.split()[1])
    except OSError:
        pass
    return rss, hwm


class MemorySampler(threading.Thread):
    def __init__(self, pid: int, every: float = 0.1):
        super().__init__(daemon=True)
        self.pid, self.every = pid, every
        self.samples: list[int] = []
        self._stop_event = threading.Event()

    def run(self) -> None:
        while not self._stop_event.is_set():
            rss, _ = rss_kib(self.pid)
            if rss:
                self.samples.append(rss)
            time.sleep(self.every)

    def stop(self) -> None:
        self._stop_event.set()
        self.join(5)


def start_server(port: int, backend_url: str, db: Path, concurrency: int) -> subprocess.Popen:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DUIZHAO_")}
    env.update({
        "DUIZHAO_MODEL": "openai/load", "DUIZHAO_API_BASE": backend_url, "DUIZHAO_DATABASE_URL": f"sqlite:///{db}",
        "DUIZHAO_MAX_CONCURRENT_DRAFTS": str(max(concurrency, 16)),
        "DUIZHAO_MAX_CONCURRENT_CALLS": str(min(max(concurrency, 4), 64)),
        "DUIZHAO_NUM_RETRIES": "0", "LITELLM_LOCAL_MODEL_COST_MAP": "True", "LITELLM_OFFLINE_MODE": "true",
    })
    proc = subprocess.Popen([sys.executable, "-m", "service.cli", "serve", "--port", str(port),
                             "--log-level", "warning"], cwd=ROOT, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    import httpx

    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit("duizhao serve exited: " + proc.stderr.read().decode(errors="replace")[-2000:])
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                return proc
        except httpx.TransportError:
            time.sleep(0.2)
    proc.kill()
    raise SystemExit("duizhao serve did not start in 90 s")


async def one_draft(client, notes: str) -> dict:
    t0 = time.monotonic()
    first = None
    outcome = "no-done-event"
    deltas = 0
    try:
        # rounds 0: measure the service itself, not the critique/revision calls
        async with client.stream("POST", "/v1/drafts", json={"notes": notes, "rounds": 0},
                                 headers={"Accept": "text/event-stream"}) as r:
            if r.status_code != 201:
                body = await r.aread()
                return {"ok": False, "status": r.status_code, "error": body.decode(errors="replace")[:200],
                        "total": time.monotonic() - t0}
            async for line in r.aiter_lines():
                if line.startswith("event: delta"):
                    deltas += 1
                    if first is None:
                        first = time.monotonic() - t0
                elif line.startswith("event: done"):
                    outcome = "done"
                elif line.startswith("event: error"):
                    outcome = "error"
    except Exception as exc:  # noqa: BLE001 — counted as a failure
        return {"ok": False, "status": None, "error": type(exc).__name__, "total": time.monotonic() - t0}
    return {"ok": outcome == "done", "status": 201, "error": None if outcome == "done" else outcome,
            "first": first, "total": time.monotonic() - t0, "deltas": deltas}


async def one_direct(client) -> dict:
    """The same backend stream without the service (the baseline)."""
    t0 = time.monotonic()
    first = None
    body = {"model": "load", "stream": True, "messages": [{"role": "user", "content": "x"}]}
    async with client.stream("POST", "/chat/completions", json=body) as r:
        async for line in r.aiter_lines():
            if first is None and '"content": "' in line and '"content": ""' not in line:
                first = time.monotonic() - t0
    return {"first": first, "total": time.monotonic() - t0}


def pct(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    values = sorted(values)
    k = (len(values) - 1) * p
    lo, hi = int(k), min(int(k) + 1, len(values) - 1)
    return values[lo] + (values[hi] - values[lo]) * (k - lo)


def summary(values: list[float]) -> dict:
    return {"p50": round(pct(values, 0.5), 3), "p95": round(pct(values, 0.95), 3), "max": round(max(values), 3),
            "mean": round(statistics.fmean(values), 3)} if values else {}


async def run_load(base: str, backend: str, n: int, notes: str) -> tuple[list[dict], list[dict], float]:
    import httpx

    limits = httpx.Limits(max_connections=n + 10, max_keepalive_connections=n + 10)
    async with httpx.AsyncClient(base_url=backend, timeout=120, limits=limits) as direct:
        baseline = await asyncio.gather(*(one_direct(direct) for _ in range(n)))
    async with httpx.AsyncClient(base_url=base, timeout=120, limits=limits) as client:
        t0 = time.monotonic()
        results = await asyncio.gather(*(one_draft(client, notes) for _ in range(n)))
        wall = time.monotonic() - t0
    return list(results), list(baseline), wall


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--drafts", type=int, default=50, help="concurrent drafts (default 50)")
    ap.add_argument("--seconds", type=float, default=3.0, help="backend time per draft (default 3)")
    ap.add_argument("--chunks", type=int, default=30, help="stream chunks per draft (default 30)")
    ap.add_argument("--json", action="store_true", help="print the figures as one JSON object")
    args = ap.parse_args(argv)
    if not 1 <= args.drafts <= 200 or not 0.5 <= args.seconds <= 60:
        ap.error("--drafts 1..200, --seconds 0.5..60")

    text = SEED.read_text(encoding="utf-8")
    notes = NOTES.read_text(encoding="utf-8")
    gap = max(args.seconds - FIRST_DELAY, 0) / max(args.chunks - 1, 1)
    act = Act.say(text, chunks=args.chunks, gap=gap, first_delay=FIRST_DELAY)
    with tempfile.TemporaryDirectory(prefix="duizhao-load-") as tmp, FakeServer() as backend:
        backend.script("load", act)
        backend.httpd.socket.listen(256)   # the stdlib server listens with a backlog of 5
        port = free_port()
        proc = start_server(port, backend.base_url, Path(tmp) / "load.db", args.drafts)
        base = f"http://127.0.0.1:{port}"
        try:
            warm = asyncio.run(run_load(base, backend.base_url, 1, notes))[0][0]
            if not warm["ok"]:
                raise SystemExit(f"warm-up draft failed: {warm}")
            rss_before, _ = rss_kib(proc.pid)
            sampler = MemorySampler(proc.pid)
            sampler.start()
            results, baseline, wall = asyncio.run(run_load(base, backend.base_url, args.drafts, notes))
            sampler.stop()
            rss_after, hwm = rss_kib(proc.pid)
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()

    ok = [r for r in results if r["ok"]]
    failed = [r for r in results if not r["ok"]]
    svc_total = [r["total"] for r in ok]
    svc_first = [r["first"] for r in ok if r.get("first") is not None]
    base_total = [b["total"] for b in baseline]
    base_first = [b["first"] for b in baseline if b["first"] is not None]
    figures = {
        "drafts": args.drafts, "backend_seconds": args.seconds, "chunks": args.chunks,
        "completed": len(ok), "failed": len(failed), "failures": failed[:5],
        "wall_seconds": round(wall, 3),
        "through_service": {"total": summary(svc_total), "first_delta": summary(svc_first)},
        "backend_direct": {"total": summary(base_total), "first_delta": summary(base_first)},
        "added_latency": {
            "total_p50": round(pct(svc_total, 0.5) - pct(base_total, 0.5), 3),
            "total_p95": round(pct(svc_total, 0.95) - pct(base_total, 0.95), 3),
            "first_delta_p50": round(pct(svc_first, 0.5) - pct(base_first, 0.5), 3),
            "first_delta_p95": round(pct(svc_first, 0.95) - pct(base_first, 0.95), 3),
        },
        "server_rss_mib": {"before": round(rss_before / 1024, 1),
                           "peak_sampled": round(max(sampler.samples or [0]) / 1024, 1),
                           "after": round(rss_after / 1024, 1), "high_water": round(hwm / 1024, 1)},
    }
    if args.json:
        print(json.dumps(figures, ensure_ascii=False))
    else:
        a = figures["added_latency"]
        m = figures["server_rss_mib"]
        print(f"{len(ok)}/{args.drafts} drafts completed ({len(failed)} failed) in {wall:.2f} s wall; "
              f"backend {args.seconds:g} s per draft, {args.chunks} chunks")
        print(f"through the service: total {figures['through_service']['total']}, "
              f"first delta {figures['through_service']['first_delta']}")
        print(f"backend directly:    total {figures['backend_direct']['total']}, "
              f"first delta {figures['backend_direct']['first_delta']}")
        print(f"added by the service: total p50 {a['total_p50']} s, p95 {a['total_p95']} s; "
              f"first delta p50 {a['first_delta_p50']} s, p95 {a['first_delta_p95']} s")
        print(f"server memory (RSS): {m['before']} MiB before, peak {m['peak_sampled']} MiB, "
              f"{m['after']} MiB after (high-water {m['high_water']} MiB)")
    return 0 if not failed else 1


if __name__ == "__main__":
    sys.exit(main())
