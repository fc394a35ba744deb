"""Which model: --model / DUIZHAO_MODEL / models file; per-provider decisions from our
own table; Chinese one-line errors for bad configuration."""

from __future__ import annotations

import pytest
import yaml

from service.llm import BackendConfigError, get_backend
from service.llm.config import NO_KEY, from_model, from_models_file, model_facts, resolve
from service.settings import Settings


@pytest.mark.parametrize("model,api_base,mode,tokenizer", [
    ("deepseek/deepseek-chat", None, "json_object", "deepseek"),      # litellm's flag says json_schema
    ("dashscope/qwen-plus", None, "json_object", "cl100k_base"),
    ("dashscope/qwen-plus-latest", None, "json_schema", "cl100k_base"),
    ("zai/glm-4", None, "json_object", "cl100k_base"),
    ("ollama/qwen2.5:7b", None, "json_schema", "cl100k_base"),
    ("hosted_vllm/qwen2.5", "http://x/v1", "json_schema", "cl100k_base"),
    ("openai/gpt-4o-mini", None, "json_schema", "o200k_base"),
    ("openai/gpt-4-turbo", None, "json_schema", "cl100k_base"),
    ("openai/qwen2.5-7b", "http://127.0.0.1:8000/v1", "json_object", "cl100k_base"),
    ("openai/gpt-4o", "http://proxy/v1", "json_object", "cl100k_base"),
])
def test_model_facts_come_from_our_table(model, api_base, mode, tokenizer):
    facts = model_facts(model, api_base)
    assert (facts["structured_output"], facts["tokenizer"]) == (mode, tokenizer)


def test_model_info_overrides():
    facts = model_facts("openai/x", "http://h/v1", {"structured_output": "json_schema", "tokenizer": "o200k_base"})
    assert facts == {"structured_output": "json_schema", "tokenizer": "o200k_base", "seed": True}
    assert model_facts("openai/x", "http://h/v1", {"seed": False})["seed"] is False
    with pytest.raises(BackendConfigError, match="structured_output"):
        model_facts("openai/x", None, {"structured_output": "xml"})


def test_from_model_with_api_base(monkeypatch):
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    cfg = from_model("openai/qwen2.5", "http://127.0.0.1:8000/v1/")
    params = cfg.model_list[0]["litellm_params"]
    assert params == {"model": "openai/qwen2.5", "api_base": "http://127.0.0.1:8000/v1", "api_key": NO_KEY}
    assert cfg.label == "openai/qwen2.5 @ http://127.0.0.1:8000/v1"
    monkeypatch.setenv("OPENAI_API_KEY", "sk-from-env")
    assert "api_key" not in from_model("openai/qwen2.5", "http://h/v1").model_list[0]["litellm_params"]


@pytest.mark.parametrize("model,base,msg", [
    ("", None, "模型名称无效"), ("deep seek", None, "模型名称无效"), ("openai/x", "ftp://h", "--api-base 无效"),
])
def test_bad_model_arguments(model, base, msg):
    with pytest.raises(BackendConfigError, match=msg):
        from_model(model, base)


def test_precedence_and_outline_mode(tmp_path):
    assert resolve(Settings()) is None                                     # outline
    assert resolve(Settings(model="deepseek/deepseek-chat")).primary.model == "deepseek/deepseek-chat"
    assert resolve(Settings(model="deepseek/deepseek-chat"), model="zai/glm-4").primary.model == "zai/glm-4"
    with pytest.raises(BackendConfigError, match="还需要 --model"):
        resolve(Settings(), api_base="http://h/v1")
    assert get_backend(Settings()) is None


def test_key_is_secret_and_passed(monkeypatch):
    s = Settings(model="openai/x", api_base="http://h/v1", api_key="sk-very-secret-000")
    assert "sk-very-secret" not in repr(s)
    assert resolve(s).model_list[0]["litellm_params"]["api_key"] == "sk-very-secret-000"


def _write(tmp_path, data) -> "object":
    p = tmp_path / "models.yaml"
    p.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return p


ENV_KEY_REF = "os.environ/" + "DEEPSEEK_API_KEY"   # litellm's reference to an env variable


def test_models_file(tmp_path):
    p = _write(tmp_path, {
        "model_list": [
            {"model_name": "main", "litellm_params": {"model": "deepseek/deepseek-chat",
                                                      "api_key": ENV_KEY_REF}},
            {"model_name": "local", "litellm_params": {"model": "openai/qwen", "api_base": "http://h/v1"},
             "model_info": {"tokenizer": "o200k_base", "max_input_tokens": 8000}}],
        "router_settings": {"fallbacks": [{"main": ["local"]}], "num_retries": 3},
        "default_model": "main"})
    cfg = from_models_file(p)
    assert cfg.chain() == ["main", "local"] and cfg.router_settings["num_retries"] == 3
    local = cfg.deployment_for(group="local")
    assert local.tokenizer == "o200k_base" and local.max_input_tokens == 8000
    assert "tokenizer" not in cfg.model_list[1].get("model_info", {})  # ours, not the Router's
    assert cfg.model_list[0]["litellm_params"]["api_key"] == ENV_KEY_REF


@pytest.mark.parametrize("data,msg", [
    ({"model_list": []}, "缺少 model_list"),
    ({"model_list": [{"model_name": "a"}]}, "第1项需要 model_name 和 litellm_params.model"),
    ({"model_list": [{"model_name": "a", "litellm_params": {"model": "x/y"}}],
      "router_settings": {"redis_host": "h"}}, "不支持 redis_host"),
    ({"model_list": [{"model_name": "a", "litellm_params": {"model": "x/y"}}],
      "router_settings": {"fallbacks": [{"a": ["b"]}]}}, "不存在的模型 b"),
    ({"model_list": [{"model_name": "a", "litellm_params": {"model": "x/y"}}], "default_model": "z"}, "default_model"),
])
def test_models_file_errors(tmp_path, data, msg):
    with pytest.raises(BackendConfigError) as ei:
        from_models_file(_write(tmp_path, data))
    assert msg in str(ei.value) and "\n" not in str(ei.value)


def test_models_file_missing(tmp_path):
    with pytest.raises(BackendConfigError, match="不存在"):
        from_models_file(tmp_path / "nope.yaml")


def test_get_backend_shares_one_backend_per_configuration():
    a = get_backend(Settings(model="deepseek/deepseek-chat"))
    assert get_backend(Settings(model="deepseek/deepseek-chat")) is a
    assert get_backend(Settings(model="deepseek/deepseek-chat", deadline_gap=5)) is not a
    assert get_backend(Settings(model="zai/glm-4")) is not a
