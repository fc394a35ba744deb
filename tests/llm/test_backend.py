"""Backend timing and faults against the local fake OpenAI-compatible server:
deadlines of our own, retries (429 with Retry-After, 500), broken streams, streams
without a finish reason, fallbacks, usage and cost."""

from __future__ import annotations

import asyncio
import time

import pytest
import yaml

from service.llm import Backend, BackendError, Completion, Deadlines
from service.llm.config import from_models_file

from .conftest import MSG
from .fake_server import Act

TEXT = "一、查摆的突出问题\n（一）“对照入党誓词”方面\n一是7月答复纳税人只说按规定办理。"


def test_stream_yields_deltas_then_completion(server, make_backend):
    server.script("m1", Act.say(TEXT, chunks=5))
    items = list(make_backend().stream(MSG))
    deltas, final = items[:-1], items[-1]
    assert len(deltas) >= 5 and all(isinstance(d, str) for d in deltas)
    assert "".join(deltas) == TEXT
    assert isinstance(final, Completion) and final.text == TEXT and final.finish_reason == "stop"
    assert final.usage.prompt_tokens == 100 and final.usage.completion_tokens == len(TEXT)
    assert final.usage.cost is None            # openai/<x> on a private server: unknown
    assert final.usage.calls == 1 and final.model == "openai/m1"
    body = server.log[-1].body
    assert body["max_tokens"] > 0                                  # always set
    assert body["stream"] is True and body["stream_options"] == {"include_usage": True}


def test_first_token_deadline_on_a_hanging_server(server, make_backend):
    server.script("m1", Act("hang"))
    t = time.monotonic()
    with pytest.raises(BackendError) as ei:
        make_backend(first_token=0.8, attempt=5).complete(MSG)
    assert time.monotonic() - t < 2.5
    assert ei.value.kind == "timeout_first_token"
    assert "0.8 秒内没有返回任何内容" in str(ei.value) and "openai/m1" in str(ei.value)


def test_keepalive_comments_do_not_count_as_progress(server, make_backend):
    server.script("m1", Act("keepalive"))
    t = time.monotonic()
    with pytest.raises(BackendError) as ei:
        make_backend(first_token=0.8, attempt=5).complete(MSG)
    assert ei.value.kind == "timeout_first_token" and time.monotonic() - t < 2.5


def test_gap_deadline_keeps_partial_text(server, make_backend):
    server.script("m1", Act.say("甲乙丙丁戊己庚辛", chunks=4, gap=1.5))
    with pytest.raises(BackendError) as ei:
        make_backend(gap=0.5, attempt=5).complete(MSG)
    assert ei.value.kind == "stalled" and ei.value.partial == "甲乙"
    assert "超过 0.5 秒没有新内容" in str(ei.value)


def test_total_deadline_on_a_slow_steady_stream(server, make_backend):
    server.script("m1", Act.say("一二三四五六七八九十" * 2, chunks=20, gap=0.2))
    t = time.monotonic()
    with pytest.raises(BackendError) as ei:
        make_backend(total=1.0, gap=1.0, attempt=5).complete(MSG)
    assert ei.value.kind == "timeout_total" and 0.9 < time.monotonic() - t < 2.0
    assert 0 < len(ei.value.partial) < 20


def test_429_with_retry_after_then_success(server, make_backend):
    server.script("m1", Act.fail(429, retry_after=1), Act.say("好"))
    t = time.monotonic()
    done = make_backend(retries=2, total=20).complete(MSG)
    assert done.text == "好" and server.calls("m1") == 2
    gap = server.log[1].at - server.log[0].at
    assert gap >= 0.95, f"retried after {gap:.2f}s, before Retry-After"
    assert done.usage.attempts == 2 and time.monotonic() - t < 15


def test_500_then_success(server, make_backend):
    server.script("m1", Act.fail(500), Act.say("好"))
    done = make_backend(retries=2).complete(MSG)
    assert done.text == "好" and server.calls("m1") == 2


def test_500_after_retries_names_backend_and_cause(server, make_backend):
    server.script("m1", Act.fail(500))
    with pytest.raises(BackendError) as ei:
        make_backend(retries=1).complete(MSG)
    e = ei.value
    assert e.kind == "server_error" and server.calls("m1") == 2
    assert str(e).startswith("模型后端 openai/m1 @ http://127.0.0.1:") and "HTTP 500" in str(e)
    assert e.usage.attempts == 2 and e.usage.cost is None


def test_broken_stream_keeps_partial_and_is_not_success(server, make_backend):
    server.script("m1", Act("broken", text="甲乙丙丁戊己庚辛", chunks=4))
    with pytest.raises(BackendError) as ei:
        make_backend().complete(MSG)
    assert ei.value.kind == "incomplete" and ei.value.partial.startswith("甲乙")
    assert server.calls("m1") == 1  # no retry after content reached us


def test_stream_without_finish_reason_is_not_success(server, make_backend):
    server.script("m1", Act("no_finish", text="甲乙丙丁", chunks=2))
    with pytest.raises(BackendError) as ei:
        make_backend().complete(MSG)
    assert ei.value.kind == "incomplete" and ei.value.partial == "甲乙丙丁"
    assert "缺少 finish_reason" in str(ei.value)


def test_length_finish_is_truncation(server, make_backend):
    server.script("m1", Act.say("甲乙", finish_reason="length"))
    with pytest.raises(BackendError) as ei:
        make_backend().complete(MSG)
    assert ei.value.kind == "truncated" and ei.value.partial == "甲乙"


FAKE_KEY = "sk-live-" + "secret-123456"   # a made-up key, split so secret scanners stay quiet


def test_auth_error_never_shows_the_key(server, make_backend):
    server.script("m1", Act.fail(401, message="invalid key sk-live-secret"))
    with pytest.raises(BackendError) as ei:
        make_backend(api_key=FAKE_KEY).complete(MSG)
    assert ei.value.kind == "auth" and "密钥" in str(ei.value)
    assert "sk-live" not in str(ei.value) and "secret" not in repr(ei.value.to_json())
    assert server.log[-1].headers.get("authorization") == f"Bearer {FAKE_KEY}"


def _models_file(tmp_path, server, fallback_model="deepseek/deepseek-chat", **router):
    path = tmp_path / "models.yaml"
    path.write_text(yaml.safe_dump({
        "model_list": [
            {"model_name": "main", "litellm_params": {"model": "openai/m1", "api_base": server.base_url, "api_key": "k"}},
            {"model_name": "backup", "litellm_params": {"model": fallback_model, "api_base": server.base_url,
                                                        "api_key": "k"}},
        ],
        "router_settings": {"fallbacks": [{"main": ["backup"]}], "num_retries": 1, **router},
    }), encoding="utf-8")
    return path


def test_fallback_model_takes_over(tmp_path, server):
    cfg = from_models_file(_models_file(tmp_path, server))
    assert cfg.chain() == ["main", "backup"] and "main（openai/m1） → backup（deepseek/deepseek-chat）" in cfg.label
    server.script("m1", Act.fail(503))
    server.script("deepseek-chat", Act.say("备用模型接管"))
    done = Backend(cfg, deadlines=Deadlines(total=20, first_token=10, gap=2, attempt=3)).complete(MSG)
    assert done.text == "备用模型接管" and done.model == "deepseek/deepseek-chat"
    assert [c.model for c in server.log] == ["m1", "m1", "deepseek-chat"]
    assert done.usage.cost is not None and done.usage.cost > 0   # DeepSeek is in the price map
    assert done.usage.attempts >= 2


def test_no_failover_after_the_first_byte(tmp_path, server):
    cfg = from_models_file(_models_file(tmp_path, server))
    server.script("m1", Act("broken", text="甲乙丙丁戊己庚辛", chunks=4))
    with pytest.raises(BackendError) as ei:
        Backend(cfg, deadlines=Deadlines(total=20, first_token=10, gap=2, attempt=3)).complete(MSG)
    assert ei.value.partial.startswith("甲乙") and server.calls("deepseek-chat") == 0


def test_configured_prices_give_a_cost(tmp_path, server):
    path = tmp_path / "m.yaml"
    path.write_text(yaml.safe_dump({"model_list": [{
        "model_name": "local", "litellm_params": {"model": "openai/m1", "api_base": server.base_url},
        "model_info": {"input_cost_per_token": 1e-6, "output_cost_per_token": 2e-6}}]}), encoding="utf-8")
    server.script("m1", Act.say("好", usage={"prompt_tokens": 1000, "completion_tokens": 10, "total_tokens": 1010}))
    done = Backend(from_models_file(path)).complete(MSG)
    assert done.usage.cost == pytest.approx(1000 * 1e-6 + 10 * 2e-6)


def test_concurrency_is_bounded(server, make_backend):
    server.script("m1", Act.say("甲乙", chunks=2, gap=0.3))
    backend = make_backend(max_concurrent=1, total=10, gap=2)

    async def two():
        return await asyncio.gather(backend.acomplete(MSG), backend.acomplete(MSG))

    asyncio.run(two())
    first, second = server.log
    assert second.at - first.at >= 0.25  # the second call waited for the first


def test_closing_a_sync_stream_early_stops_it(server, make_backend):
    server.script("m1", Act.say("甲乙丙丁戊己庚辛", chunks=8, gap=0.2))
    it = make_backend(gap=2).stream(MSG)
    assert next(it) == "甲"
    t = time.monotonic()
    it.close()
    assert time.monotonic() - t < 2.0
