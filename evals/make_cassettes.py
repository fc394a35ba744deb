"""Generate the HAND-WRITTEN cassettes under ``evals/cassettes/`` (not recordings).

    .venv/bin/python evals/make_cassettes.py [ID ...] [--task draft|critique|all] [--model M] [--api-base URL]

No model is reachable from the build machines, so the model's side of every exchange
was written by hand: ``evals/datasets/drafting/responses/<case>/NN-<label>.txt|json``
(drafting cases) and ``evals/datasets/critique/responses/<doc>/…`` (the critique task):
the answer text, in the order the pipeline asks, or ``NN-<label>.http.yaml`` (a raw
HTTP response, e.g. a rate limit). This script puts them into cassettes that the real
pipeline replays:

1. it runs the real solver (prompt rendering with ``service.prompts``, the
   ``service.llm`` backend, litellm, vcrpy in record mode ``none``) and captures the
   exact request litellm sends that the cassette cannot answer yet (through vcrpy's own
   request hooks: ``evals.tasks.replay`` keeps them in ``run.misses``);
2. it pairs that request with the next hand-written answer, serialized in the
   provider's wire format (DeepSeek's chat-completions SSE stream: ``usage`` with its
   cache counters on the last chunk; a vLLM-style stream for ``openai/…`` models), with
   token counts from the project's shipped tokenizers;
3. it repeats until the solver finishes with no unanswered request (draft, critique,
   revise, critique … as the pipeline goes), then replays the finished cassette once
   more and checks that every interaction was used. A request without a response file
   is written to ``eval-out/pending-requests/`` so the next answer can be written.

Each cassette's ``metadata`` says ``origin: hand-written`` and names the response files.
Rerun after any change to the prompt templates, the rule findings that enter the
critique and revision prompts, or the request the pipeline sends: the cassettes match
on the request body, so a stale cassette fails the eval loudly.
"""

from __future__ import annotations

import argparse
import copy
import json
import os
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
os.environ.setdefault("LITELLM_OFFLINE_MODE", "true")

import yaml  # noqa: E402

from evals import recording  # noqa: E402
from evals.dataset import Sample  # noqa: E402
from evals.tasks import draft as draft_task  # noqa: E402

PENDING = ROOT / "eval-out" / "pending-requests"   # requests still waiting for a hand-written answer
CREATED = 1767225600        # 2026-01-01T00:00:00Z: fixed, so regenerating is reproducible
CHUNK_CHARS = 24
MAX_STEPS = 8


class GenerationError(RuntimeError):
    pass


# ---- wire formats -------------------------------------------------------------------------

def _chunks(text: str, size: int = CHUNK_CHARS) -> list[str]:
    return [text[i:i + size] for i in range(0, len(text), size)]


def _event(obj: dict) -> str:
    return "data: " + json.dumps(obj, ensure_ascii=False) + "\n\n"


def sse_deepseek(text: str, model_name: str, cid: str, prompt_tokens: int, completion_tokens: int) -> str:
    """DeepSeek's stream: ``system_fingerprint``, ``usage`` (with its cache counters) on
    the last chunk, then ``[DONE]``."""
    def chunk(delta, finish=None, usage=None):
        c = {"id": cid, "object": "chat.completion.chunk", "created": CREATED, "model": model_name,
             "system_fingerprint": "fp_handwritten",
             "choices": [{"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish}]}
        if usage is not None:
            c["usage"] = usage
        return _event(c)

    out = [chunk({"role": "assistant", "content": ""})]
    out += [chunk({"content": piece}) for piece in _chunks(text)]
    out.append(chunk({"content": ""}, "stop", {
        "prompt_tokens": prompt_tokens, "completion_tokens": completion_tokens,
        "total_tokens": prompt_tokens + completion_tokens, "prompt_tokens_details": {"cached_tokens": 0},
        "prompt_cache_hit_tokens": 0, "prompt_cache_miss_tokens": prompt_tokens}))
    out.append("data: [DONE]\n\n")
    return "".join(out)


def sse_openai_compatible(text: str, model_name: str, cid: str, prompt_tokens: int, completion_tokens: int) -> str:
    """A vLLM-style OpenAI-compatible server: a separate ``choices: []`` usage chunk."""
    def chunk(choices, usage=None):
        c = {"id": cid, "object": "chat.completion.chunk", "created": CREATED, "model": model_name,
             "choices": choices}
        if usage is not None:
            c["usage"] = usage
        return _event(c)

    out = [chunk([{"index": 0, "delta": {"role": "assistant", "content": ""}, "logprobs": None,
                   "finish_reason": None}])]
    out += [chunk([{"index": 0, "delta": {"content": p}, "logprobs": None, "finish_reason": None}])
            for p in _chunks(text)]
    out.append(chunk([{"index": 0, "delta": {"content": ""}, "logprobs": None, "finish_reason": "stop"}]))
    out.append(chunk([], {"prompt_tokens": prompt_tokens, "completion_tokens": completion_tokens,
                          "total_tokens": prompt_tokens + completion_tokens}))
    out.append("data: [DONE]\n\n")
    return "".join(out)


def json_completion(text: str, model_name: str, cid: str, prompt_tokens: int, completion_tokens: int) -> str:
    return json.dumps({
        "id": cid, "object": "chat.completion", "created": CREATED, "model": model_name,
        "choices": [{"index": 0, "message": {"role": "assistant", "content": text}, "logprobs": None,
                     "finish_reason": "stop"}],
        "usage": {"prompt_tokens": prompt_tokens, "completion_tokens": completion_tokens,
                  "total_tokens": prompt_tokens + completion_tokens},
    }, ensure_ascii=False)


# ---- interactions -------------------------------------------------------------------------

def _body_json(request) -> dict:
    body = request.body
    if isinstance(body, bytes):
        body = body.decode("utf-8")
    return json.loads(body)


def interaction_for(request, response_file: Path, model: str, backend, case_id: str, step: int) -> dict:
    from service.llm import count_messages, count_text

    body = _body_json(request)
    req = {"body": json.dumps(body, ensure_ascii=False),
           "headers": {"content-type": ["application/json"], "authorization": [recording.REDACTED]},
           "method": request.method, "uri": request.uri}
    if response_file.name.endswith(".http.yaml"):
        raw = yaml.safe_load(response_file.read_text(encoding="utf-8"))
        headers = {k: [str(v)] for k, v in (raw.get("headers") or {}).items()}
        headers["x-duizhao-note"] = ["hand-written, not a recording"]
        return {"request": req, "response": {
            "status": {"code": int(raw["status"]), "message": raw.get("message", "")},
            "headers": headers, "body": {"string": raw.get("body", "")}}}
    text = response_file.read_text(encoding="utf-8")
    tokenizer = backend.tokenizer
    prompt_tokens = count_messages(body["messages"], tokenizer).tokens
    completion_tokens = count_text(text, tokenizer)
    model_name = body.get("model", model.split("/", 1)[-1])
    cid = f"handwritten-{case_id}-{step:02d}"
    deepseek = model.startswith("deepseek/")
    if body.get("stream"):
        build = sse_deepseek if deepseek else sse_openai_compatible
        content_type = "text/event-stream; charset=utf-8"
    else:
        build, content_type = json_completion, "application/json"
    return {"request": req, "response": {
        "status": {"code": 200, "message": "OK"},
        "headers": {"content-type": [content_type], "cache-control": ["no-cache"],
                    "x-duizhao-note": ["hand-written, not a recording"]},
        "body": {"string": build(text, model_name, cid, prompt_tokens, completion_tokens)}}}


def _wire(model: str) -> str:
    if model.startswith("deepseek/"):
        return "DeepSeek chat completions (OpenAI-compatible SSE stream; usage with cache counters on the last chunk)"
    return "OpenAI-compatible chat completions (vLLM-style SSE stream; separate usage chunk)"


def metadata(sample: Sample, model: str, files: list[Path], prompts: list[str], task: Any) -> dict:
    resp = sample.metadata.get("response") or {}
    return {
        "origin": "hand-written",
        "note": recording.HAND_WRITTEN_NOTE,
        "task": task.NAME,
        "case": sample.id,
        "model": model,
        "wire_format": _wire(model),
        "generated_by": "evals/make_cassettes.py",
        "responses": [str(f.relative_to(ROOT)) for f in files],
        "response_quality": resp.get("quality"),
        "response_note": resp.get("note"),
        "prompts": prompts,
        "usage": "token counts computed with the project's shipped tokenizer for the model, not reported by a server",
    }


def build(sample: Sample, model: str, api_base: str | None = None, root: Path | None = None, *,
          task: Any = None) -> Path:
    """Write the cassette of one sample: run the real solver, answer each request it makes
    with the next hand-written response file, until it finishes with none unanswered."""
    task = task or draft_task
    files = task.response_files(sample)
    path = recording.cassette_path(model, task.cassette_name(sample), api_base, root)
    backend = draft_task.backend_for(model, api_base)
    interactions: list[dict] = []
    for step in range(MAX_STEPS):
        recording.write_cassette(path, copy.deepcopy(interactions), metadata(sample, model, files, [], task))
        run = task.run_case(sample, model, api_base=api_base, cassettes=root)
        if not run.misses:
            if run.played < len(interactions):
                raise GenerationError(f"{sample.id}: {len(interactions) - run.played} interaction(s) never used")
            if len(interactions) < len(files):
                raise GenerationError(f"{sample.id}: {len(files) - len(interactions)} response file(s) unused: "
                                      + ", ".join(f.name for f in files[len(interactions):]))
            recording.write_cassette(path, interactions, metadata(sample, model, files, task.prompt_ids(run), task))
            return path
        if step >= len(files):
            pending = PENDING / f"{task.cassette_name(sample).replace('/', '__')}-{step + 1:02d}.json"
            pending.parent.mkdir(parents=True, exist_ok=True)
            pending.write_text(json.dumps(_body_json(run.misses[0]), ensure_ascii=False, indent=1), encoding="utf-8")
            raise GenerationError(f"{sample.id}: the pipeline made request #{step + 1} and there is no response "
                                  f"file for it (add {task.responses_dir(sample).relative_to(ROOT)}/"
                                  f"{step + 1:02d}-<label>.txt); the request is in {pending.relative_to(ROOT)}")
        interactions.append(interaction_for(run.misses[0], files[step], model, backend, sample.id, step + 1))
    raise GenerationError(f"{sample.id}: more than {MAX_STEPS} requests")


def verify(sample: Sample, model: str, api_base: str | None = None, root: Path | None = None, *,
           task: Any = None) -> str:
    task = task or draft_task
    run = task.run_case(sample, model, api_base=api_base, cassettes=root)
    if run.error or run.played != run.interactions:
        raise GenerationError(f"{sample.id}: replay check failed: {run.error or 'not every interaction played'}")
    return f"{run.played} interaction(s): {task.describe(run)}"


def main(argv: list[str] | None = None) -> int:
    from evals.tasks import critique as critique_task

    tasks = {"draft": draft_task, "critique": critique_task}
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("ids", nargs="*", help="case / document ids (default: all of the task)")
    ap.add_argument("--task", choices=(*tasks, "all"), default="all")
    ap.add_argument("--model", default=draft_task.SHIPPED_MODELS[0])
    ap.add_argument("--api-base", default=None)
    args = ap.parse_args(argv)
    chosen = list(tasks.values()) if args.task == "all" else [tasks[args.task]]
    t0 = time.monotonic()
    done = failed = 0
    for task in chosen:
        samples = task.samples()
        if args.ids:
            samples = [s for s in samples if s.id in args.ids or task.cassette_name(s) in args.ids]
        for s in samples:
            try:
                path = build(s, args.model, args.api_base, task=task)
                print(f"{path.relative_to(ROOT)}: {verify(s, args.model, args.api_base, task=task)}")
                done += 1
            except GenerationError as exc:
                failed += 1
                print(f"FAILED {exc}", file=sys.stderr)
    print(f"{done}/{done + failed} cassettes in {time.monotonic() - t0:.1f}s")
    return 1 if failed or not done else 0


if __name__ == "__main__":
    sys.exit(main())
