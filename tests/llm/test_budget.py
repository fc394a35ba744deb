"""Token budgets: refuse up front, in Chinese, what does not fit; always cap output."""

from __future__ import annotations

import pytest
import yaml

from service.llm import Backend, BudgetError
from service.llm.config import from_model, from_models_file

from .fake_server import Act


def _backend(tmp_path, max_input: int, fallback_max: int | None = None, **kw) -> Backend:
    models = [{"model_name": "small", "litellm_params": {"model": "openai/small", "api_base": "http://127.0.0.1:9/v1"},
               "model_info": {"max_input_tokens": max_input}}]
    router = {}
    if fallback_max:
        models.append({"model_name": "tiny", "litellm_params": {"model": "deepseek/deepseek-chat"},
                       "model_info": {"max_input_tokens": fallback_max}})
        router = {"fallbacks": [{"small": ["tiny"]}]}
    path = tmp_path / "m.yaml"
    path.write_text(yaml.safe_dump({"model_list": models, "router_settings": router}), encoding="utf-8")
    return Backend(from_models_file(path), **kw)


def test_fits(tmp_path):
    b = _backend(tmp_path, 8000, max_output_tokens=1000)
    budget = b.check_budget([{"role": "user", "content": "短"}])
    assert budget.max_output_tokens == 1000 and budget.limit == 7000 and budget.prompt.tokenizer == "cl100k_base"


def test_refused_with_a_chinese_message(tmp_path):
    b = _backend(tmp_path, 3000, max_output_tokens=1000)
    with pytest.raises(BudgetError) as ei:
        b.check_budget([{"role": "user", "content": "事实" * 2500}])
    msg = str(ei.value)
    assert msg.startswith("输入过长：提示约") and "cl100k_base" in msg and "openai/small" in msg
    assert "请精简角色笔记" in msg and "\n" not in msg


def test_a_fallback_must_fit_too(tmp_path):
    b = _backend(tmp_path, 100_000, fallback_max=2000, max_output_tokens=500)
    with pytest.raises(BudgetError, match="deepseek/deepseek-chat.*deepseek 分词器|deepseek 分词器.*deepseek/deepseek-chat"):
        b.check_budget([{"role": "user", "content": "事实" * 2000}])


def test_our_own_cap_applies_below_the_context_window(tmp_path):
    b = _backend(tmp_path, 1_000_000, max_prompt_tokens=1000)
    with pytest.raises(BudgetError, match="上限 1000"):
        b.check_budget([{"role": "user", "content": "事实" * 1000}])


def test_known_models_use_litellm_limits():
    b = Backend(from_model("deepseek/deepseek-chat"), max_output_tokens=32768)
    ctx, out = b.limits(b.config.primary)
    assert ctx == 131072 and out == 8192       # capped at the model's own maximum


def test_unknown_model_uses_default_window():
    b = Backend(from_model("openai/whatever", "http://h/v1"), default_context_window=4096, max_output_tokens=1024)
    assert b.limits(b.config.primary) == (4096, 1024)


def test_refused_before_any_call(server, make_backend):
    server.script("m1", Act.say("不应被调用"))
    b = make_backend(max_prompt_tokens=1000)
    with pytest.raises(BudgetError):
        b.complete([{"role": "user", "content": "事实" * 1000}])
    assert server.calls() == 0
