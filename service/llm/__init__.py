"""The model backend: the only place that knows litellm (imported lazily, inside
functions). ``import service.llm`` does not import litellm.

- :func:`get_backend` → :class:`Backend` or ``None`` (no model configured: outline mode)
- ``Backend.astream / acomplete / stream / complete / check_budget``
- :func:`astructured` / :func:`structured`: schema-validated output with re-asks
- :class:`BackendError` (exit 3), :class:`BudgetError` (exit 2), :class:`Usage`
- :func:`count_messages` / :func:`count_text`: shipped tokenizers (cl100k, o200k, DeepSeek)
"""

from __future__ import annotations

import json
import threading
from typing import Any

from service.llm.backend import Backend, Budget, Completion, Deadlines, litellm_module
from service.llm.config import BackendConfig, BackendConfigError, resolve
from service.llm.errors import BackendError, BudgetError, StructuredOutputError
from service.llm.structured import Structured, astructured, structured
from service.llm.tokens import TokenCount, count_messages, count_text
from service.llm.usage import Usage

__all__ = [
    "Backend", "BackendConfig", "BackendConfigError", "BackendError", "Budget", "BudgetError", "Completion",
    "Deadlines", "Structured", "StructuredOutputError", "TokenCount", "Usage", "astructured", "count_messages",
    "count_text", "get_backend", "litellm_module", "structured",
]


_BACKENDS: dict[str, Backend] = {}   # one Backend (Router, concurrency limit) per configuration
_LOCK = threading.Lock()


def get_backend(settings: Any = None, *, model: str | None = None, api_base: str | None = None) -> Backend | None:
    """The backend for ``model``/``api_base`` (CLI or API arguments) over the settings;
    ``None`` when no model is configured. The same configuration returns the same
    :class:`Backend`, so its Router and its concurrency limit are shared by callers.
    Raises :class:`BackendConfigError`."""
    if settings is None:
        from service.settings import get_settings

        settings = get_settings()
    config = resolve(settings, model=model, api_base=api_base)
    if config is None:
        return None
    key = json.dumps([config.model_list, config.router_settings, config.group, settings.deadline_total,
                      settings.deadline_first_token, settings.deadline_gap, settings.attempt_timeout,
                      settings.max_output_tokens, settings.max_prompt_tokens, settings.default_context_window,
                      settings.max_concurrent_calls], sort_keys=True, default=str)
    with _LOCK:
        backend = _BACKENDS.get(key)
        if backend is None:
            if len(_BACKENDS) >= 32:
                _BACKENDS.pop(next(iter(_BACKENDS)))
            backend = _BACKENDS[key] = _new_backend(config, settings)
    return backend


def _new_backend(config: BackendConfig, settings: Any) -> Backend:
    return Backend(
        config,
        deadlines=Deadlines(total=settings.deadline_total, first_token=settings.deadline_first_token,
                            gap=settings.deadline_gap, attempt=settings.attempt_timeout),
        max_output_tokens=settings.max_output_tokens, max_prompt_tokens=settings.max_prompt_tokens,
        default_context_window=settings.default_context_window, max_concurrent=settings.max_concurrent_calls,
    )
