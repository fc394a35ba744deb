"""Build the HAND-WRITTEN critique cassettes in ``cassettes/`` (no model is reachable
from the machine this project is built on).

    .venv/bin/python tests/critique/build_cassettes.py

Requests: our real critique code path (prompt rendering, structured output in DeepSeek's
``json_object`` mode, temperature 0, the re-ask) sent through litellm to a local fake
server standing in for DeepSeek; each body is exactly what litellm sent, and the URI is
set to DeepSeek's real endpoint. Responses: written by us in DeepSeek's stream format
(tests/cassettes/build_cassettes.py: ``sse_deepseek``). Every cassette says so in a
top-level comment and an ``x-duizhao-note`` header. Rerun after changing a critique
prompt template or checks.yaml (the cassettes match on the request body, so a stale one
fails loudly). To re-record against the real DeepSeek API instead, run
``tests/critique/test_cassettes.py`` with ``--record-mode=rewrite`` and a real
``DEEPSEEK_API_KEY`` (see tests/cassettes/README.md), then check the answers.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
TESTS = HERE.parent
ROOT = TESTS.parent
sys.path[:0] = [str(TESTS), str(ROOT)]

import conftest  # noqa: E402,F401  (litellm offline flags, scrubbers)
import json  # noqa: E402

import yaml  # noqa: E402
from cassettes.build_cassettes import DEEPSEEK_URI, HEADER, NOTE, _Dumper, sse_deepseek  # noqa: E402
from llm.fake_server import Act, FakeServer  # noqa: E402

from service.critique.critic import critique  # noqa: E402
from service.llm import count_messages, get_backend  # noqa: E402
from service.notes import load_notes  # noqa: E402
from service.review.engine import review  # noqa: E402
from service.settings import Settings  # noqa: E402

OUT = HERE / "cassettes"
from critique.cassette_cases import CASES, NOTES, TEXT  # noqa: E402


def run_case(answers: list[str]) -> list[dict]:
    """The request bodies our code sends for one critique, answered with ``answers``."""
    notes = load_notes(NOTES)
    env = {"DEEPSEEK_API_KEY": "sk-test", "DEEPSEEK_API_BASE": None}
    old = {k: os.environ.get(k) for k in env}
    with FakeServer() as srv:
        os.environ["DEEPSEEK_API_KEY"] = "sk-test"
        os.environ["DEEPSEEK_API_BASE"] = srv.base_url
        srv.script("deepseek-chat", *[Act.say(a) for a in answers])
        try:
            backend = get_backend(Settings(model="deepseek/deepseek-chat", num_retries=0))
            result = critique(review(TEXT, notes=notes), notes, backend)
            assert result.critique["status"] == "ok", result.critique
        finally:
            for k, v in old.items():
                os.environ.pop(k, None) if v is None else os.environ.__setitem__(k, v)
        return [c.body for c in srv.log]


def write(name: str, bodies: list[dict], answers: list[str]) -> None:
    interactions = []
    for body, text in zip(bodies, answers):
        sse = sse_deepseek(text, count_messages(body["messages"], "deepseek").tokens)
        interactions.append({
            "request": {"body": json.dumps(body, ensure_ascii=False, indent=1),
                        "headers": {"Content-Type": ["application/json"], "authorization": ["REDACTED"]},
                        "method": "POST", "uri": DEEPSEEK_URI},
            "response": {"status": {"code": 200, "message": "OK"},
                         "headers": {"Content-Type": ["text/event-stream; charset=utf-8"],
                                     "Cache-Control": ["no-cache"], "x-duizhao-note": [NOTE]},
                         "body": {"string": conftest.scrub_text(sse)}},
        })
    fmt = "DeepSeek stream, response_format json_object, critique pass"
    text = HEADER.format(fmt=fmt).replace("tests/cassettes/build_cassettes.py", "tests/critique/build_cassettes.py")
    text += yaml.dump({"interactions": interactions, "version": 1}, Dumper=_Dumper, allow_unicode=True,
                      sort_keys=False, width=100)
    (OUT / name).write_text(text, encoding="utf-8")
    print("wrote", (OUT / name).relative_to(ROOT))


def main() -> None:
    OUT.mkdir(exist_ok=True)
    for name, answers in CASES.items():
        write(name, run_case(answers), answers)


if __name__ == "__main__":
    t = time.time()
    main()
    print(f"done in {time.time() - t:.1f}s")
