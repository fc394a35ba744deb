"""Which model(s) to call: ``--model``/``DUIZHAO_MODEL`` (+ ``--api-base``) or a models
file (``DUIZHAO_MODELS_FILE``): a litellm Router configuration with fallbacks.

Models file (YAML; the shape of litellm's own proxy config, restricted)::

    model_list:
      - model_name: main
        litellm_params: {model: deepseek/deepseek-chat, api_key: os.environ/DEEPSEEK_API_KEY}
        model_info: {max_input_tokens: 65536}          # optional
      - model_name: local
        litellm_params: {model: openai/qwen2.5-7b-instruct, api_base: http://127.0.0.1:8000/v1}
        model_info: {tokenizer: cl100k_base, structured_output: json_schema,
                     input_cost_per_token: 0, output_cost_per_token: 0}
    router_settings: {fallbacks: [{main: [local]}], num_retries: 2, timeout: 300, stream_timeout: 60}
    default_model: main            # optional: the first model_name otherwise

Per-deployment facts the backend decides by (structured output mode, tokenizer) come
from ``providers.yaml`` unless ``model_info`` overrides them. No litellm import here.
"""

from __future__ import annotations

import fnmatch
import os
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from service.errors import InputError

PROVIDERS_FILE = Path(__file__).parent / "providers.yaml"
MODES = ("json_schema", "json_object")
ROUTER_KEYS = {"fallbacks", "num_retries", "timeout", "stream_timeout", "retry_after", "allowed_fails",
               "cooldown_time", "max_fallbacks", "routing_strategy", "disable_cooldowns"}
OUR_MODEL_INFO = {"tokenizer", "structured_output", "seed"}
PRICE_KEYS = ("input_cost_per_token", "output_cost_per_token")
NO_KEY = "no-key"  # placeholder for local OpenAI-compatible servers that need none


class BackendConfigError(InputError):
    """Bad --model/--api-base or models file: one Chinese line (exit 2)."""

    code = "invalid_backend_config"


@dataclass(frozen=True)
class Deployment:
    group: str                  # model_name in the Router
    model: str                  # litellm model string
    provider: str
    api_base: str | None
    structured_output: str      # json_schema | json_object
    tokenizer: str
    seed: bool = False          # the API accepts a sampling seed (providers.yaml)
    max_input_tokens: int | None = None
    max_output_tokens: int | None = None
    input_cost_per_token: float | None = None
    output_cost_per_token: float | None = None

    @property
    def has_prices(self) -> bool:
        return self.input_cost_per_token is not None and self.output_cost_per_token is not None


@dataclass
class BackendConfig:
    label: str                              # how messages name the backend
    group: str                              # the model group a call asks for
    model_list: list[dict[str, Any]]        # Router model_list
    router_settings: dict[str, Any] = field(default_factory=dict)
    deployments: list[Deployment] = field(default_factory=list)
    source: str = "model"                   # model | models_file

    @property
    def primary(self) -> Deployment:
        return next(d for d in self.deployments if d.group == self.group)

    def chain(self) -> list[str]:
        """The group and its fallbacks, in order."""
        out = [self.group]
        for fb in self.router_settings.get("fallbacks") or []:
            if isinstance(fb, dict) and self.group in fb:
                out += [g for g in fb[self.group] if g not in out]
        return out

    def deployment_for(self, model: str | None = None, group: str | None = None) -> Deployment:
        for d in self.deployments:
            if (model and (d.model == model or d.model.split("/", 1)[-1] == model)) or (group and d.group == group):
                return d
        return self.primary


@lru_cache(maxsize=1)
def _providers() -> dict[str, Any]:
    return yaml.safe_load(PROVIDERS_FILE.read_text(encoding="utf-8"))


def provider_of(model: str) -> str:
    return model.split("/", 1)[0] if "/" in model else "openai"


def model_facts(model: str, api_base: str | None = None, overrides: dict | None = None) -> dict[str, Any]:
    """structured_output + tokenizer for a model string, from providers.yaml and overrides."""
    table = _providers()
    provider = provider_of(model)
    key = "openai_compatible" if provider == "openai" and api_base else provider
    facts = dict(table["default"])
    facts.update(table["providers"].get(key, {}))
    for pattern, extra in (table.get("models") or {}).items():
        if fnmatch.fnmatchcase(model, pattern) and key != "openai_compatible":
            facts.update(extra)
    facts.update({k: v for k, v in (overrides or {}).items() if k in OUR_MODEL_INFO and v is not None})
    if facts["structured_output"] not in MODES:
        raise BackendConfigError(f"模型配置无效：{model} 的 structured_output 应为 json_schema 或 json_object")
    from service.llm.tokens import TOKENIZERS

    if facts["tokenizer"] not in TOKENIZERS:
        raise BackendConfigError(f"模型配置无效：{model} 的 tokenizer 应为 {'/'.join(TOKENIZERS)} 之一")
    return facts


def _deployment(group: str, params: dict[str, Any], info: dict[str, Any]) -> Deployment:
    model = params["model"]
    facts = model_facts(model, params.get("api_base"), info)

    def num(key: str, kind=float):
        v = info.get(key, params.get(key))
        return kind(v) if v is not None else None

    return Deployment(
        group=group, model=model, provider=provider_of(model), api_base=params.get("api_base"),
        structured_output=facts["structured_output"], tokenizer=facts["tokenizer"],
        seed=bool(facts.get("seed", False)),
        max_input_tokens=num("max_input_tokens", int), max_output_tokens=num("max_output_tokens", int),
        input_cost_per_token=num("input_cost_per_token"), output_cost_per_token=num("output_cost_per_token"),
    )


def from_model(model: str, api_base: str | None = None, api_key: str | None = None, *,
               num_retries: int = 2, timeout: float = 300, stream_timeout: float = 60) -> BackendConfig:
    """One model (``--model`` / ``DUIZHAO_MODEL``), optionally on an OpenAI-compatible server."""
    model = model.strip()
    if not model or any(c.isspace() for c in model):
        raise BackendConfigError(f"模型名称无效：“{model[:40]}”（例如 deepseek/deepseek-chat、openai/qwen2.5 配合 --api-base）")
    if api_base and not api_base.startswith(("http://", "https://")):
        raise BackendConfigError(f"--api-base 无效：“{api_base[:60]}”应以 http:// 或 https:// 开头")
    params: dict[str, Any] = {"model": model}
    if api_base:
        params["api_base"] = api_base.rstrip("/")
        if api_key:
            params["api_key"] = api_key
        elif provider_of(model) == "openai" and not os.environ.get("OPENAI_API_KEY"):
            params["api_key"] = NO_KEY
    elif api_key:
        params["api_key"] = api_key
    label = f"{model} @ {params['api_base']}" if api_base else model
    return BackendConfig(
        label=label, group="default",
        model_list=[{"model_name": "default", "litellm_params": params}],
        router_settings={"num_retries": num_retries, "timeout": timeout, "stream_timeout": stream_timeout},
        deployments=[_deployment("default", params, {})], source="model",
    )


def from_models_file(path: Path, *, num_retries: int = 2, timeout: float = 300,
                     stream_timeout: float = 60) -> BackendConfig:
    """A Router configuration with fallbacks; see the module docstring."""
    where = f"模型配置文件 {path.name}"
    try:
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise BackendConfigError(f"{where} 不存在：{path}") from None
    except (OSError, UnicodeDecodeError):
        raise BackendConfigError(f"{where} 无法读取（应为 UTF-8 编码的 YAML）") from None
    except yaml.YAMLError:
        raise BackendConfigError(f"{where} 不是有效的 YAML") from None
    if not isinstance(data, dict) or not isinstance(data.get("model_list"), list) or not data["model_list"]:
        raise BackendConfigError(f"{where} 无效：缺少 model_list（至少一个模型）")
    model_list, deployments = [], []
    for i, entry in enumerate(data["model_list"], 1):
        if not isinstance(entry, dict) or not isinstance(entry.get("litellm_params"), dict) \
                or not isinstance(entry.get("model_name"), str) or not entry["litellm_params"].get("model"):
            raise BackendConfigError(f"{where} 无效：model_list 第{i}项需要 model_name 和 litellm_params.model")
        info = dict(entry.get("model_info") or {})
        params = dict(entry["litellm_params"])
        if provider_of(str(params["model"])) == "openai" and params.get("api_base") and not params.get("api_key") \
                and not os.environ.get("OPENAI_API_KEY"):
            params["api_key"] = NO_KEY  # a local server that needs none
        deployments.append(_deployment(entry["model_name"], params, info))
        router_info = {k: v for k, v in info.items() if k not in OUR_MODEL_INFO}
        model_list.append({"model_name": entry["model_name"], "litellm_params": params,
                           **({"model_info": router_info} if router_info else {})})
    groups = [d.group for d in deployments]
    settings = dict(data.get("router_settings") or {})
    unknown = set(settings) - ROUTER_KEYS
    if unknown:
        raise BackendConfigError(f"{where} 无效：router_settings 不支持 {'、'.join(sorted(unknown))}"
                                 f"（可用：{'、'.join(sorted(ROUTER_KEYS))}）")
    for fb in settings.get("fallbacks") or []:
        names = [k for k in fb] + [g for v in fb.values() for g in (v or [])] if isinstance(fb, dict) else [None]
        bad = [n for n in names if n not in groups]
        if bad:
            raise BackendConfigError(f"{where} 无效：fallbacks 引用了不存在的模型 {bad[0]}")
    settings.setdefault("num_retries", num_retries)
    settings.setdefault("timeout", timeout)
    settings.setdefault("stream_timeout", stream_timeout)
    group = data.get("default_model") or groups[0]
    if group not in groups:
        raise BackendConfigError(f"{where} 无效：default_model “{group}” 不在 model_list 中")
    cfg = BackendConfig(label="", group=group, model_list=model_list, router_settings=settings,
                        deployments=deployments, source="models_file")
    chain = cfg.chain()
    cfg.label = f"{path.name}：" + " → ".join(f"{g}（{cfg.deployment_for(group=g).model}）" for g in chain)
    return cfg


def resolve(settings: Any, model: str | None = None, api_base: str | None = None) -> BackendConfig | None:
    """The backend configuration: ``model`` argument (CLI/API) > ``DUIZHAO_MODEL`` >
    ``DUIZHAO_MODELS_FILE``; None when nothing is configured (outline mode)."""
    kw = dict(num_retries=settings.num_retries, timeout=settings.attempt_timeout,
              stream_timeout=settings.attempt_timeout)
    key = settings.api_key.get_secret_value() if settings.api_key else None
    base = api_base or settings.api_base
    if model:
        return from_model(model, base, key, **kw)
    if settings.model:
        return from_model(settings.model, base, key, **kw)
    if settings.models_file:
        return from_models_file(Path(settings.models_file), **kw)
    if api_base:
        raise BackendConfigError("只给了 --api-base，还需要 --model（例如 openai/qwen2.5-7b-instruct）")
    return None
