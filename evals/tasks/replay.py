"""Running a solver against a real backend whose HTTP traffic vcrpy replays (or records).

Shared by the draft and critique tasks and by ``evals/make_cassettes.py``. The backend
is a real :class:`service.llm.Backend` (litellm Router) built from fixed settings
(:data:`EVAL_SETTINGS`), so request bodies do not depend on the environment
(``DUIZHAO_MAX_OUTPUT_TOKENS`` would otherwise change ``max_tokens`` and break every
replay).
"""

from __future__ import annotations

import copy
import os
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable

from evals import recording

EVAL_SETTINGS: dict[str, Any] = {
    "model": None, "models_file": None, "api_base": None, "api_key": None,
    "num_retries": 2, "max_output_tokens": 4096, "max_prompt_tokens": 24_000,
    "default_context_window": 32_768, "max_concurrent_calls": 4, "max_revision_rounds": 2,
}
REPLAY_KEY = "replay-no-key"   # a dummy key: replayed requests never leave the process
SHIPPED_MODELS = ("deepseek/deepseek-chat",)
MISMATCH = ("回放失败：发出的请求与录制不符（提示词、模型参数或流程改动后需要重新生成录制："
            ".venv/bin/python evals/make_cassettes.py，或对真实后端 duizhao eval --record）")


class ReplayError(RuntimeError):
    """No cassette for a case and model: one Chinese line."""


@dataclass
class CaseRun:
    """One sample under one model: the solver's result and what the cassette saw."""

    sample: Any
    model: str
    result: Any = None
    error: str | None = None            # why the sample produced nothing usable (Chinese)
    cassette: str | None = None         # path relative to evals/
    origin: str | None = None           # hand-written | recorded | live
    interactions: int = 0
    played: int = 0
    elapsed: float = 0.0
    misses: list = field(default_factory=list)     # requests the cassette could not answer
    scores: dict[str, Any] = field(default_factory=dict)


def settings():
    from service.settings import Settings

    return Settings(**EVAL_SETTINGS)


def backend_for(model: str, api_base: str | None = None):
    from service.llm import get_backend

    return get_backend(settings(), model=model, api_base=api_base)


def missing_keys(model: str, api_base: str | None = None) -> list[str]:
    """Provider key variables litellm wants for ``model`` and the environment lacks."""
    if api_base:
        return []
    from service.llm import litellm_module

    try:
        info = litellm_module().validate_environment(model=model)
    except Exception:  # unknown provider: let the call itself fail
        return []
    return list(info.get("missing_keys") or [])


@contextmanager
def dummy_keys(names: list[str]):
    """Replay only: providers' clients refuse to start without a key even when vcrpy
    answers every request; give them a dummy one for the duration."""
    old = {n: os.environ.get(n) for n in names}
    os.environ.update({n: REPLAY_KEY for n in names})
    try:
        yield
    finally:
        for n, v in old.items():
            if v is None:
                os.environ.pop(n, None)
            else:
                os.environ[n] = v


def _watch_misses(cassette, misses: list) -> None:
    """Remember every request the cassette cannot answer (after vcrpy's own filters)."""
    can_play = cassette.can_play_response_for

    def watched(request):
        ok = can_play(request)
        if not ok:
            misses.append(cassette._before_record_request(copy.deepcopy(request)))
        return ok

    cassette.can_play_response_for = watched


def run_with_cassette(sample: Any, name: str, model: str, solve: Callable[[Any], Any], *,
                      api_base: str | None = None, mode: str = "replay", record: bool = False,
                      cassettes: Path | None = None, names: Iterable[str] = ()) -> CaseRun:
    """``solve(backend)`` with the HTTP traffic replayed from (or recorded into) the
    cassette ``<model slug>/<name>.yaml``. In replay, a request the cassette cannot
    answer is kept in ``run.misses`` and makes ``run.error`` say so."""
    path = recording.cassette_path(model, name, api_base, cassettes)
    run = CaseRun(sample=sample, model=model)
    try:
        run.cassette = str(path.relative_to(recording.CASSETTES.parent))
    except ValueError:
        run.cassette = str(path)
    t0 = time.monotonic()
    if mode == "live" and not record:
        run.origin = "live"
        run.result = solve(backend_for(model, api_base))
        run.elapsed = time.monotonic() - t0
        return run
    if mode == "replay" and not path.exists():
        raise ReplayError(f"没有模型 {model} 的录制：{run.cassette}。请先用 duizhao eval --record --model {model} "
                          "对真实后端录制，或只评测已有录制的模型。")
    v = recording.make_vcr("all" if record else "none", names)
    run.origin = "recorded" if record else recording.read_metadata(path).get("origin", "unknown")
    keys = [] if record else missing_keys(model, api_base)
    with dummy_keys(keys), v.use_cassette(str(path)) as cassette:
        if not record:
            _watch_misses(cassette, run.misses)
        run.result = solve(backend_for(model, api_base))
        run.interactions = len(cassette.data)
        run.played = cassette.play_count
        if run.misses:
            run.error = MISMATCH
    run.elapsed = time.monotonic() - t0
    return run
