"""The critique pass: a separate model context (never the drafting conversation) that
answers the judgement checks item by item, merged into a rule review.

    result = review(text, notes=notes)
    result = critique(result, notes, backend)      # or: await acritique_with(...)
    result.critique == {"status": "ok" | "unavailable", "model": ..., "reason": ..., ...}

Structured output follows our per-model configuration (``json_schema`` or
``json_object`` + the word JSON, :mod:`service.llm.structured`), at temperature 0;
the answer is validated with pydantic and re-asked at most twice with the error. When
it stays invalid, or the backend fails, ``critique.status`` is ``unavailable`` with a
Chinese reason and the rule findings are untouched. Nothing here logs prompts or
texts.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from service.critique.checks import config
from service.critique.merge import merge
from service.critique.prompt import render_critique
from service.critique.schema import CritiqueAnswer

if TYPE_CHECKING:  # pragma: no cover
    from service.llm import Backend, Usage
    from service.notes import RoleNotes
    from service.review.engine import ReviewResult

MAX_REASKS = 2
TEMPERATURE = 0.0
SEED = 2021  # sent where the provider accepts a seed (service/llm/providers.yaml)
KEEP_RULES = "以下为完整的规则检查结果。"
NO_MODEL = "未配置模型，无法进行模型审读（设置 DUIZHAO_MODEL 或使用 --model）。" + KEEP_RULES


class Deterministic:
    """A backend seen through a fixed sampling temperature (0) and seed: what the
    structured output helper calls. The backend sends the seed only to providers our
    configuration marks as accepting one."""

    def __init__(self, backend: "Backend", temperature: float = TEMPERATURE):
        self._backend = backend
        self.temperature = temperature

    @property
    def structured_mode(self) -> str:
        return self._backend.structured_mode

    @property
    def label(self) -> str:
        return self._backend.label

    async def acomplete(self, messages: list[dict[str, Any]], **kw: Any):
        kw.setdefault("temperature", self.temperature)
        kw.setdefault("seed", SEED)
        return await self._backend.acomplete(messages, **kw)


def unavailable(reason: str, model: str | None = None, **extra: Any) -> dict[str, Any]:
    return {"status": "unavailable", "model": model, "reason": reason, **extra}


def served_model(usage: "Usage | None", backend: "Backend") -> str:
    if usage is not None and usage.models:
        return usage.models[-1]
    return backend.config.primary.model


async def ask(backend: "Backend", messages: list[dict[str, Any]], output: type, *,
              max_reasks: int = MAX_REASKS) -> tuple[Any, "Usage", str | None]:
    """(structured answer or None, usage, Chinese reason when None)."""
    from service.errors import InputError
    from service.llm import BackendError, StructuredOutputError, Usage, astructured

    try:
        out = await astructured(Deterministic(backend), messages, output, max_reasks=max_reasks)
    except StructuredOutputError as exc:
        return None, exc.usage or Usage(), f"模型输出不符合格式要求（{exc.reason}）"
    except BackendError as exc:
        return None, exc.usage or Usage(), str(exc)
    except InputError as exc:  # over the token budget: refused before any call
        return None, Usage(), str(exc)
    return out, out.usage, None


async def arun(result: "ReviewResult", notes: "RoleNotes | None", backend: "Backend", *,
               max_reasks: int = MAX_REASKS) -> "Usage":
    """Critique ``result`` in place (``critique``, LLM findings, verdict); returns the
    usage of the backend calls it made."""
    cfg = config()
    shown = [f for f in result.findings
             if f.source == "rules" and f.item and f.category in cfg.confirmable_categories]
    rule_ids = {f"r{i}": f for i, f in enumerate(shown, 1)}
    rendered = render_critique(result.doc, result.structure, notes, list(rule_ids.items()))
    out, usage, why = await ask(backend, rendered.messages, CritiqueAnswer, max_reasks=max_reasks)
    facts = {"usage": usage.to_json(), "prompt": rendered.to_json()}
    if out is None:
        result.critique = unavailable(f"模型审读不可用：{why}。{KEEP_RULES}", served_model(usage, backend), **facts)
        return usage
    merged = merge(result, out.value, rule_ids)
    result.critique = {
        "status": "ok", "model": served_model(usage, backend), "reason": None,
        "findings": len(merged.added), "confirmed": merged.confirmed, "contradicted": merged.contradicted,
        "dropped": merged.dropped, "attempts": out.attempts, "mode": out.mode, **facts,
    }
    return usage


async def acritique_with(result: "ReviewResult", notes: "RoleNotes | None", backend: "Backend | None", *,
                         max_reasks: int = MAX_REASKS) -> "ReviewResult":
    """Critique ``result`` in place with ``backend`` (None: ``unavailable``)."""
    if backend is None:
        result.critique = unavailable(NO_MODEL)
        return result
    await arun(result, notes, backend, max_reasks=max_reasks)
    return result


def critique(result: "ReviewResult", notes: "RoleNotes | None", backend: "Backend | None",
             **kw: Any) -> "ReviewResult":
    """Synchronous :func:`acritique_with`."""
    from service.llm.sync import run_sync

    return run_sync(acritique_with(result, notes, backend, **kw))
