"""Measure drafting: prompt tokens of the example notes per tokenizer, backend calls per
draft (fake server), outline and render times. Prints Markdown for docs/bench-drafting.md.

    .venv/bin/python tests/drafting/measure.py
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path[:0] = [str(ROOT / "tests"), str(ROOT)]
os.environ["LITELLM_LOCAL_MODEL_COST_MAP"] = "True"
os.environ["LITELLM_OFFLINE_MODE"] = "true"

import yaml  # noqa: E402
from llm.fake_server import Act, FakeServer  # noqa: E402

from service.drafting import draft  # noqa: E402
from service.drafting.outline import outline  # noqa: E402
from service.llm import Backend, Deadlines, count_messages  # noqa: E402
from service.llm.config import from_model, from_models_file  # noqa: E402
from service.notes import load_notes  # noqa: E402
from service.prompts import render_draft  # noqa: E402
from service.structures import get_structure  # noqa: E402

CASES = [("tax-clerk", None), ("teacher", None), ("veteran-office", None), ("thin", "org-life-2023-theme")]
DRAFT = (HERE / "data" / "tax-clerk.draft.txt").read_text(encoding="utf-8")


def ms(fn, n=20) -> float:
    times = []
    for _ in range(n):
        t = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t) * 1000)
    return statistics.median(times)


def tokens_table() -> list[str]:
    rows = ["| notes × structure | prompt chars | cl100k_base | o200k_base | deepseek | render ms | outline ms |",
            "|---|---:|---:|---:|---:|---:|---:|"]
    for name, sid in CASES:
        notes = load_notes(ROOT / "examples" / "notes" / f"{name}.yaml")
        struct = get_structure(sid or notes.structure_id())
        r = render_draft(notes, struct)
        chars = sum(len(m["content"]) for m in r.messages)
        counts = [count_messages(r.messages, t).tokens for t in ("cl100k_base", "o200k_base", "deepseek")]
        rows.append(f"| {name} × {struct.id} | {chars} | " + " | ".join(map(str, counts))
                    + f" | {ms(lambda: render_draft(notes, struct)):.2f} | {ms(lambda: outline(notes, struct)):.2f} |")
    return rows


def calls_table() -> list[str]:
    notes = load_notes(ROOT / "examples" / "notes" / "tax-clerk.yaml")
    rows = ["| scenario | HTTP requests seen by the server | usage.calls | usage.attempts | result |",
            "|---|---:|---:|---:|---|"]
    dl = Deadlines(total=30, first_token=10, gap=5, attempt=5)
    with FakeServer() as srv:
        os.environ.pop("OPENAI_API_KEY", None)

        def one(label, acts, backend_factory):
            srv.log.clear()
            for model, seq in acts.items():
                srv.script(model, *seq)
            r = draft(notes, backend=backend_factory())
            u = r.usage.to_json()
            rows.append(f"| {label} | {srv.calls()} | {u['calls']} | {u['attempts']} | "
                        f"{'ok' if r.ok else r.error['code']} |")

        single = lambda: Backend(from_model("openai/m1", srv.base_url, num_retries=2), deadlines=dl)  # noqa: E731
        rows.append("| outline (no model) | 0 | 0 | 0 | ok |")
        one("draft, first attempt succeeds", {"m1": [Act.say(DRAFT)]}, single)
        one("draft, 429 (Retry-After: 1) then success", {"m1": [Act.fail(429, retry_after=1), Act.say(DRAFT)]}, single)
        one("draft, 500 then success", {"m1": [Act.fail(500), Act.say(DRAFT)]}, single)
        one("draft, 500 three times (num_retries=2)", {"m1": [Act.fail(500)]}, single)
        path = ROOT / "out" / "bench-models.yaml"
        path.parent.mkdir(exist_ok=True)
        path.write_text(yaml.safe_dump({"model_list": [
            {"model_name": "main", "litellm_params": {"model": "openai/m1", "api_base": srv.base_url}},
            {"model_name": "backup", "litellm_params": {"model": "openai/m2", "api_base": srv.base_url}}],
            "router_settings": {"fallbacks": [{"main": ["backup"]}], "num_retries": 1}}), encoding="utf-8")
        one("draft, main 503 ×2 then fallback model (num_retries=1)",
            {"m1": [Act.fail(503)], "m2": [Act.say(DRAFT)]}, lambda: Backend(from_models_file(path), deadlines=dl))
        one("draft, stream breaks mid-way (no failover after first byte)",
            {"m1": [Act("broken", text=DRAFT, chunks=10)]}, single)
    return rows


if __name__ == "__main__":
    print("\n".join(tokens_table()))
    print()
    print("\n".join(calls_table()))
