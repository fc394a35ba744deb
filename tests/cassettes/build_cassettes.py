"""Build the HAND-WRITTEN cassettes in this directory (no model is reachable here).

    .venv/bin/python tests/cassettes/build_cassettes.py

Requests: produced by our real code path (prompt rendering + litellm) sent to a local
fake server, so the request bodies are exactly what litellm sends today; the URI is
then set to the provider's real endpoint. Responses: written by us in each provider's
documented wire format (SSE chunks; DeepSeek puts ``usage`` on the last chunk, vLLM-style
servers send a separate ``choices: []`` usage chunk), with token counts from our
shipped tokenizers. Every cassette says so in a top-level comment and in an
``x-duizhao-note`` response header. Rerun after changing a prompt template (the
cassettes match on the request body, so a stale one fails loudly); re-record against a
real backend as described in README.md.
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
TESTS = HERE.parent
ROOT = TESTS.parent
sys.path[:0] = [str(TESTS), str(ROOT)]

import conftest  # noqa: E402  (sets the litellm offline flags, scrubbers, serializer)
import yaml  # noqa: E402
from llm.fake_server import Act, FakeServer  # noqa: E402

from service.llm import count_messages, count_text, get_backend  # noqa: E402
from service.notes import load_notes  # noqa: E402
from service.prompts import render_draft  # noqa: E402
from service.settings import Settings  # noqa: E402
from service.structures import get_structure  # noqa: E402

NOTE = "hand-written, not a recording"
HEADER = """\
# HAND-WRITTEN CASSETTE — NOT A RECORDING.
# No model is reachable from the machine this project is built on. The request below is
# what our code sends (captured locally); the response was written by us in the
# provider's wire format ({fmt}). Rebuild: tests/cassettes/build_cassettes.py.
# Re-record against the real backend: see tests/cassettes/README.md.
"""

OPENAI_COMPAT_BASE = "http://llm.example.internal:8000/v1"
OPENAI_COMPAT_MODEL = "openai/qwen2.5-7b-instruct"
DEEPSEEK_URI = "https://api.deepseek.com/beta/chat/completions"
CREATED = 1767225600  # 2026-01-01T00:00:00Z, fixed so rebuilding is reproducible


class _Dumper(yaml.SafeDumper):
    pass


def _str(dumper: yaml.SafeDumper, value: str):
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _str)


def _chunks(text: str, size: int = 24) -> list[str]:
    return [text[i:i + size] for i in range(0, len(text), size)]


def sse_vllm(model: str, text: str, prompt_tokens: int) -> str:
    """vLLM/OpenAI-compatible server stream with stream_options.include_usage."""
    out, cid = [], "chatcmpl-handwritten0001"

    def chunk(choices, usage=None):
        c = {"id": cid, "object": "chat.completion.chunk", "created": CREATED, "model": model, "choices": choices}
        if usage is not None:
            c["usage"] = usage
        return "data: " + json.dumps(c, ensure_ascii=False) + "\n\n"

    out.append(chunk([{"index": 0, "delta": {"role": "assistant", "content": ""}, "logprobs": None,
                       "finish_reason": None}]))
    for piece in _chunks(text):
        out.append(chunk([{"index": 0, "delta": {"content": piece}, "logprobs": None, "finish_reason": None}]))
    out.append(chunk([{"index": 0, "delta": {"content": ""}, "logprobs": None, "finish_reason": "stop",
                       "stop_reason": None}]))
    completion = count_text(text, "cl100k_base")
    out.append(chunk([], {"prompt_tokens": prompt_tokens, "total_tokens": prompt_tokens + completion,
                          "completion_tokens": completion}))
    out.append("data: [DONE]\n\n")
    return "".join(out)


def sse_deepseek(text: str, prompt_tokens: int) -> str:
    """DeepSeek's stream: system_fingerprint, usage (with cache counters) on the last chunk."""
    out, cid = [], "00000000-0000-4000-8000-handwritten1"

    def chunk(delta, finish=None, usage=None):
        c = {"id": cid, "object": "chat.completion.chunk", "created": CREATED, "model": "deepseek-chat",
             "system_fingerprint": "fp_handwritten", "choices": [{"index": 0, "delta": delta, "logprobs": None,
                                                                  "finish_reason": finish}]}
        if usage is not None:
            c["usage"] = usage
        return "data: " + json.dumps(c, ensure_ascii=False) + "\n\n"

    out.append(chunk({"role": "assistant", "content": ""}))
    for piece in _chunks(text):
        out.append(chunk({"content": piece}))
    completion = count_text(text, "deepseek")
    out.append(chunk({"content": ""}, "stop", {
        "prompt_tokens": prompt_tokens, "completion_tokens": completion, "total_tokens": prompt_tokens + completion,
        "prompt_tokens_details": {"cached_tokens": 0}, "prompt_cache_hit_tokens": 0,
        "prompt_cache_miss_tokens": prompt_tokens}))
    out.append("data: [DONE]\n\n")
    return "".join(out)


def capture(settings: Settings, messages, model_name: str, env: dict[str, str], **kw) -> dict:
    """The request body litellm sends for ``messages`` (via the local fake server)."""
    old = {k: os.environ.get(k) for k in env}
    with FakeServer() as srv:
        os.environ.update({k: v.replace("{base}", srv.base_url) for k, v in env.items()})
        if settings.api_base == "{base}":
            settings = settings.model_copy(update={"api_base": srv.base_url})
        srv.script(model_name, Act.say("ok"))
        try:
            get_backend(settings).complete(messages, **kw)
        finally:
            for k, v in old.items():
                os.environ.pop(k, None) if v is None else os.environ.__setitem__(k, v)
        return srv.log[-1].body


def cassette(path: Path, fmt: str, uri: str, body: dict, sse: str, extra_headers: dict) -> None:
    interaction = {
        "request": {
            "body": json.dumps(body, ensure_ascii=False, indent=1),
            "headers": {"Content-Type": ["application/json"], "authorization": ["REDACTED"]},
            "method": "POST", "uri": uri,
        },
        "response": {
            "status": {"code": 200, "message": "OK"},
            "headers": {"Content-Type": ["text/event-stream; charset=utf-8"], "Cache-Control": ["no-cache"],
                        "x-duizhao-note": [NOTE], **extra_headers},
            "body": {"string": conftest.scrub_text(sse)},
        },
    }
    text = HEADER.format(fmt=fmt) + yaml.dump({"interactions": [interaction], "version": 1}, Dumper=_Dumper,
                                              allow_unicode=True, sort_keys=False, width=100)
    path.write_text(text, encoding="utf-8")
    print("wrote", path.relative_to(ROOT))


def main() -> None:
    notes = load_notes(ROOT / "examples" / "notes" / "tax-clerk.yaml")
    rendered = render_draft(notes, get_structure("org-life-2021"))
    draft = (TESTS / "drafting" / "data" / "tax-clerk.draft.txt").read_text(encoding="utf-8")

    body = capture(Settings(model=OPENAI_COMPAT_MODEL, api_base="{base}"), rendered.messages,
                   "qwen2.5-7b-instruct", {"OPENAI_API_KEY": ""})
    cassette(HERE / "openai_compatible_draft_tax_clerk.yaml", "OpenAI-compatible server (vLLM style)",
             OPENAI_COMPAT_BASE + "/chat/completions", body,
             sse_vllm("qwen2.5-7b-instruct", draft, count_messages(rendered.messages, "cl100k_base").tokens), {})

    body = capture(Settings(model="deepseek/deepseek-chat"), rendered.messages, "deepseek-chat",
                   {"DEEPSEEK_API_BASE": "{base}", "DEEPSEEK_API_KEY": "sk-test"})
    cassette(HERE / "deepseek_draft_tax_clerk.yaml", "DeepSeek chat completions stream", DEEPSEEK_URI, body,
             sse_deepseek(draft, count_messages(rendered.messages, "deepseek").tokens), {})

    from llm.structured_case import ANSWER, messages as s_messages, Verdict  # the structured-output case
    from service.llm.structured import _with_schema_instruction, response_format

    msgs = _with_schema_instruction(s_messages(), Verdict)
    body = capture(Settings(model="deepseek/deepseek-chat"), msgs, "deepseek-chat",
                   {"DEEPSEEK_API_BASE": "{base}", "DEEPSEEK_API_KEY": "sk-test"},
                   response_format=response_format(Verdict, "json_object"))
    cassette(HERE / "deepseek_structured_json_object.yaml", "DeepSeek stream, response_format json_object",
             DEEPSEEK_URI, body, sse_deepseek(ANSWER, count_messages(msgs, "deepseek").tokens), {})


if __name__ == "__main__":
    t = time.time()
    main()
    print(f"done in {time.time() - t:.1f}s")
