"""Backend calls per review and per draft, measured on the local fake server (the same
litellm HTTP path users take with ``--api-base``), plus prompt sizes with the shipped
tokenizers. Prints the Markdown table of docs/bench-critique.md.

    .venv/bin/python tests/critique/bench_calls.py
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE.parent), str(HERE.parent.parent)]

import conftest  # noqa: E402,F401  (litellm offline flags)
from critique.conftest import FIXED, GOOD, PRAISE, PRAISE_SPAN, STILL_PRAISE, answer, edits, issue  # noqa: E402
from llm.fake_server import Act, FakeServer  # noqa: E402

from service.critique.critic import critique  # noqa: E402
from service.critique.prompt import render_critique, render_revise  # noqa: E402
from service.critique.revise import targets_of  # noqa: E402
from service.drafting import draft  # noqa: E402
from service.llm import Backend, Deadlines, count_messages  # noqa: E402
from service.llm.config import from_model  # noqa: E402
from service.llm.structured import _with_schema_instruction  # noqa: E402
from service.critique.schema import CritiqueAnswer, RevisionAnswer  # noqa: E402
from service.notes import load_notes  # noqa: E402
from service.review.engine import review  # noqa: E402

NOTES = load_notes(HERE.parent.parent / "examples" / "notes" / "tax-clerk.yaml")
OK = answer([issue("p1", "Q5", "说明我把学习当成任务来完成")])
BAD = "审读结果：没有问题。"


def backend(srv: FakeServer) -> Backend:
    return Backend(from_model("openai/m", srv.base_url, num_retries=0),
                   deadlines=Deadlines(total=20, first_token=5, gap=2, attempt=5))


def run_review(acts) -> tuple[int, str, float]:
    with FakeServer() as srv:
        srv.script("m", *acts)
        t = time.perf_counter()
        r = critique(review(PRAISE, notes=NOTES), NOTES, backend(srv))
        return srv.calls(), r.critique["status"], time.perf_counter() - t


def run_draft(acts, **kw) -> tuple[int, str, float]:
    with FakeServer() as srv:
        srv.script("m", *acts)
        t = time.perf_counter()
        res = draft(NOTES, backend=backend(srv), **kw)
        rev = (res.revision or {}).get("stopped", "—")
        return srv.calls(), rev, time.perf_counter() - t


def main() -> None:
    os.environ.pop("OPENAI_API_KEY", None)
    run_review([Act.say(OK)])  # warm-up: litellm's import (~5 s) is not part of any row
    rows = [
        ("review --llm: valid answer", *run_review([Act.say(OK)])),
        ("review --llm: invalid JSON, then valid", *run_review([Act.say(BAD), Act.say(OK)])),
        ("review --llm: always invalid (→ unavailable)", *run_review([Act.say(BAD)])),
        ("draft (no critique, rounds 0)", *run_draft([Act.say(GOOD)])),
        ("draft + critique, nothing blocking", *run_draft([Act.say(GOOD), Act.say(answer())], critique=True, rounds=2)),
        ("draft + critique + revision, converges in 1 round",
         *run_draft([Act.say(PRAISE), Act.say(answer()), Act.say(edits(("F1", PRAISE_SPAN, FIXED))), Act.say(answer())],
                    critique=True, rounds=2)),
        ("draft + critique + revision, never converges (bound 2)",
         *run_draft([Act.say(PRAISE), Act.say(answer()), Act.say(edits(("F1", PRAISE_SPAN, STILL_PRAISE))),
                     Act.say(answer()), Act.say(edits(("F1", STILL_PRAISE, PRAISE_SPAN))), Act.say(answer())],
                    critique=True, rounds=2)),
        ("draft + critique + revision, every answer invalid (bound 2)",
         *run_draft([Act.say(PRAISE), Act.say(BAD)], critique=True, rounds=2)),
    ]
    print("| scenario | backend calls | critique / stop | wall (s, fake server) |")
    print("|---|---:|---|---:|")
    for name, calls, status, wall in rows:
        print(f"| {name} | {calls} | {status} | {wall:.2f} |")

    r = review(PRAISE, notes=NOTES)
    crit = render_critique(r.doc, r.structure, NOTES, [(f"r{i}", f) for i, f in enumerate(
        [f for f in r.findings if f.item and f.category in ("disguised_praise", "unmatched_problem")], 1)])
    rev = render_revise(r.doc, [(f"F{i}", f) for i, f in enumerate(targets_of(r), 1)], NOTES)
    print()
    print("| prompt (tax-clerk draft, json_object mode) | deepseek | cl100k_base | o200k_base |")
    print("|---|---:|---:|---:|")
    for name, msgs in (("critique", _with_schema_instruction(crit.messages, CritiqueAnswer)),
                       ("revise (2 flagged spans)", _with_schema_instruction(rev.messages, RevisionAnswer))):
        counts = [count_messages(msgs, t).tokens for t in ("deepseek", "cl100k_base", "o200k_base")]
        print(f"| {name} | " + " | ".join(str(c) for c in counts) + " |")


if __name__ == "__main__":
    main()
