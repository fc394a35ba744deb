"""The backend: a facade over litellm's Router (retries, fallbacks, per-attempt timeouts)
with deadlines of our own, usage and cost, a token budget, and bounded concurrency.

litellm is imported here only, lazily (:func:`litellm_module`), with the offline flags
set first. ``import service.llm`` never imports it.

Deadlines (seconds, ``Deadlines``): ``total`` for the whole call; ``first_token`` from
the call until the first content (or reasoning) arrives, retries and fallbacks
included; ``gap`` between content chunks afterwards. Keep-alive comments and empty
chunks do not count as progress. One HTTP attempt is bounded by ``attempt`` (litellm's
``timeout``/``stream_timeout``), after which the Router retries or fails over. Failover
happens only before the first byte reaches us; after that, a failure keeps the partial
text and raises :class:`BackendError`. A stream that ends without a finish reason is
not a success.
"""

from __future__ import annotations

import asyncio
import logging
import os
import weakref
from dataclasses import dataclass, field
from typing import Any, AsyncIterator, Iterator

from service.llm.config import BackendConfig, Deployment
from service.llm.errors import BackendError, BudgetError, classify
from service.llm.tokens import TokenCount, count_messages
from service.llm.usage import Usage

log = logging.getLogger("duizhao.llm")
_PRICED: frozenset[str] | None = None  # models in litellm's bundled price map


def litellm_module():
    """Import litellm (once), offline and quiet: no price-map fetch, no debug banners,
    no message logging by litellm's callbacks."""
    os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
    os.environ.setdefault("LITELLM_OFFLINE_MODE", "true")
    import litellm

    global _PRICED
    if _PRICED is None:  # before any Router registers its deployments (at price 0)
        _PRICED = frozenset(litellm.model_cost)
    litellm.suppress_debug_info = True
    litellm.turn_off_message_logging = True
    litellm.redact_messages_in_exceptions = True
    for name in ("LiteLLM", "LiteLLM Router", "LiteLLM Proxy", "litellm"):
        logging.getLogger(name).setLevel(logging.ERROR)
    return litellm


def _in_price_map(d: Deployment) -> bool:
    """Whether litellm's bundled price map (as shipped, before any Router registered
    deployments at price 0) knows this model. An openai/<model> on another server
    (api_base) is never priced from OpenAI's list."""
    priced = _PRICED or frozenset()
    if d.provider == "openai" and d.api_base:
        return False
    return d.model in priced or d.model.split("/", 1)[-1] in priced


@dataclass(frozen=True)
class Deadlines:
    total: float = 300.0
    first_token: float = 90.0
    gap: float = 30.0
    attempt: float = 45.0


@dataclass
class Completion:
    """A finished completion (the last item of :meth:`Backend.astream`)."""

    text: str
    finish_reason: str
    model: str                      # the litellm model string that served it
    usage: Usage
    reasoning: str = ""
    elapsed: float = 0.0
    first_token_after: float | None = None


@dataclass(frozen=True)
class Budget:
    prompt: TokenCount
    max_output_tokens: int
    context_window: int
    limit: int                      # prompt tokens allowed
    model: str

    def to_json(self) -> dict[str, Any]:
        return {"prompt_tokens": self.prompt.tokens, "tokenizer": self.prompt.tokenizer,
                "max_output_tokens": self.max_output_tokens, "context_window": self.context_window,
                "limit": self.limit, "model": self.model}


@dataclass
class _State:
    parts: list[str] = field(default_factory=list)
    reasoning: list[str] = field(default_factory=list)
    finish: str | None = None
    usage: Any = None
    first_at: float | None = None
    last_progress: float = 0.0
    served: str | None = None
    attempts: int = 1


class Backend:
    """One configured backend (a model, or a Router group with fallbacks)."""

    def __init__(self, config: BackendConfig, *, deadlines: Deadlines = Deadlines(),
                 max_output_tokens: int = 4096, max_prompt_tokens: int = 24_000,
                 default_context_window: int = 32_768, max_concurrent: int = 4):
        self.config = config
        self.deadlines = deadlines
        self.max_output_tokens = max_output_tokens
        self.max_prompt_tokens = max_prompt_tokens
        self.default_context_window = default_context_window
        self.max_concurrent = max_concurrent
        self._router: Any = None
        self._sems: "weakref.WeakKeyDictionary[Any, asyncio.Semaphore]" = weakref.WeakKeyDictionary()

    # ---- facts ---------------------------------------------------------------------
    @property
    def label(self) -> str:
        return self.config.label

    @property
    def structured_mode(self) -> str:
        return self.config.primary.structured_output

    @property
    def tokenizer(self) -> str:
        return self.config.primary.tokenizer

    def _chain(self) -> list[Deployment]:
        groups = self.config.chain()
        return [d for d in self.config.deployments if d.group in groups]

    def _model_info(self, d: Deployment) -> dict[str, Any]:
        try:
            return dict(litellm_module().get_model_info(d.model) or {})
        except Exception:  # unmapped model: our defaults apply
            return {}

    def limits(self, d: Deployment) -> tuple[int, int]:
        """(context window, max output tokens) of a deployment."""
        info = self._model_info(d)
        ctx = d.max_input_tokens or info.get("max_input_tokens") or self.default_context_window
        out_cap = d.max_output_tokens or info.get("max_output_tokens") or self.max_output_tokens
        return int(ctx), int(min(self.max_output_tokens, out_cap))

    def check_budget(self, messages: list[dict[str, Any]], max_tokens: int | None = None) -> Budget:
        """Count the prompt with each deployment's tokenizer (a fallback must fit too)
        and refuse up front, in Chinese, what does not fit. Returns the primary's budget."""
        result: Budget | None = None
        for d in self._chain():
            ctx, out = self.limits(d)
            out = min(out, max_tokens or out)
            count = count_messages(messages, d.tokenizer)
            limit = min(self.max_prompt_tokens, ctx - out)
            if count.tokens > limit:
                raise BudgetError(
                    f"输入过长：提示约 {count.tokens} 个词元（按 {d.tokenizer} 分词器计），超过模型 {d.model} "
                    f"的输入预算 {max(limit, 0)}（上下文 {ctx}，预留输出 {out}，上限 {self.max_prompt_tokens}）。"
                    "请精简角色笔记中的事实和意见后再试。")
            if d.group == self.config.group and result is None:
                result = Budget(count, out, ctx, limit, d.model)
        assert result is not None
        return result

    # ---- calls -----------------------------------------------------------------------
    def _get_router(self):
        if self._router is None:
            lit = litellm_module()
            rs = dict(self.config.router_settings)
            rs["timeout"] = min(float(rs.get("timeout") or self.deadlines.attempt), self.deadlines.attempt)
            rs["stream_timeout"] = min(float(rs.get("stream_timeout") or self.deadlines.attempt), self.deadlines.attempt)
            # one deployment per group: a cooldown would only refuse the next request
            rs.setdefault("disable_cooldowns", True)
            self._router = lit.Router(model_list=self.config.model_list, **rs)
        return self._router

    def _sem(self) -> asyncio.Semaphore:
        loop = asyncio.get_running_loop()
        sem = self._sems.get(loop)
        if sem is None:
            sem = self._sems[loop] = asyncio.Semaphore(self.max_concurrent)
        return sem

    def _usage_of(self, st: _State) -> Usage:
        u = st.usage
        prompt = getattr(u, "prompt_tokens", None) if u is not None else None
        completion = getattr(u, "completion_tokens", None) if u is not None else None
        d = self.config.deployment_for(model=st.served) if st.served else self.config.primary
        return Usage(prompt_tokens=prompt, completion_tokens=completion, cost=self._cost(d, prompt, completion),
                     calls=1, attempts=st.attempts, models=[d.model])

    def _cost(self, d: Deployment, prompt: int | None, completion: int | None) -> float | None:
        if prompt is None or completion is None:
            return None
        if d.has_prices:
            return prompt * d.input_cost_per_token + completion * d.output_cost_per_token
        lit = litellm_module()
        if not _in_price_map(d):
            return None  # unknown, not free
        try:
            a, b = lit.cost_per_token(model=d.model, prompt_tokens=prompt, completion_tokens=completion)
            return float(a) + float(b)
        except Exception:  # not in the price map: unknown, not free
            return None

    async def astream(self, messages: list[dict[str, Any]], *, max_tokens: int | None = None,
                      response_format: dict | None = None, temperature: float | None = None,
                      seed: int | None = None,
                      ) -> AsyncIterator["str | Completion"]:
        """Yield text deltas as they arrive, then one :class:`Completion`.
        ``seed`` is sent only where our provider configuration says the API accepts it.
        Raises :class:`BackendError` (with ``partial`` text) on failure."""
        budget = self.check_budget(messages, max_tokens)
        kwargs: dict[str, Any] = dict(model=self.config.group, messages=messages, stream=True,
                                      max_tokens=budget.max_output_tokens,
                                      stream_options={"include_usage": True})
        if response_format is not None:
            kwargs["response_format"] = response_format
        if temperature is not None:
            kwargs["temperature"] = temperature
        if seed is not None and self.config.primary.seed:
            kwargs["seed"] = seed
        router = self._get_router()
        loop = asyncio.get_running_loop()
        dl, st = self.deadlines, _State()
        t0 = loop.time()

        def fail(kind: str, **kw: Any) -> BackendError:
            return BackendError(kind, self.label, partial="".join(st.parts),
                                usage=self._usage_of(st), **kw)

        def next_wait() -> tuple[float, str, float]:
            now = loop.time() - t0
            left_total = dl.total - now
            if st.first_at is None:
                left_first = dl.first_token - now
                if left_first < left_total:
                    return left_first, "timeout_first_token", dl.first_token
                return left_total, "timeout_total", dl.total
            left_gap = dl.gap - (loop.time() - st.last_progress)
            if left_gap < left_total:
                return left_gap, "stalled", dl.gap
            return left_total, "timeout_total", dl.total

        async with self._sem():
            stream = None
            try:
                wait, kind, limit = next_wait()
                try:
                    stream = await asyncio.wait_for(router.acompletion(**kwargs), max(wait, 0.001))
                except asyncio.TimeoutError:
                    raise fail(kind, limit=limit) from None
                hidden = getattr(stream, "_hidden_params", None) or {}
                st.served = hidden.get("litellm_model_name")
                extra = hidden.get("additional_headers") or {}
                st.attempts = 1 + int(extra.get("x-litellm-attempted-retries") or 0) \
                    + int(extra.get("x-litellm-attempted-fallbacks") or 0)
                it = stream.__aiter__()
                while True:
                    wait, kind, limit = next_wait()
                    try:
                        chunk = await asyncio.wait_for(it.__anext__(), max(wait, 0.001))
                    except StopAsyncIteration:
                        break
                    except asyncio.TimeoutError:
                        raise fail(kind, limit=limit) from None
                    if getattr(chunk, "usage", None) is not None:
                        st.usage = chunk.usage
                    for choice in getattr(chunk, "choices", None) or []:
                        delta = getattr(choice, "delta", None)
                        text = getattr(delta, "content", None) or ""
                        thought = getattr(delta, "reasoning_content", None) or ""
                        if text or thought:  # progress: empty chunks and comments are not
                            if st.first_at is None:
                                st.first_at = loop.time() - t0
                            st.last_progress = loop.time()
                        if thought:
                            st.reasoning.append(thought)
                        if text:
                            st.parts.append(text)
                            yield text
                        if getattr(choice, "finish_reason", None):
                            st.finish = choice.finish_reason
            except BackendError:
                raise
            except Exception as exc:  # litellm / openai / httpx errors
                kind, status = classify(exc)
                retries = getattr(exc, "num_retries", None)
                if isinstance(retries, int) and st.first_at is None:
                    st.attempts = 1 + retries
                log.info("backend %s failed: %s (%s)", self.label, kind, type(exc).__name__)
                raise fail(kind, status=status, error=type(exc).__name__, limit=dl.attempt) from None
            finally:
                if stream is not None and hasattr(stream, "aclose"):
                    try:
                        await stream.aclose()
                    except Exception:
                        pass
        if st.finish is None:
            raise fail("incomplete")
        if st.finish == "length":
            raise fail("truncated")
        if st.finish == "content_filter":
            raise fail("content_filter")
        yield Completion(text="".join(st.parts), finish_reason=st.finish, model=st.served or self.config.primary.model,
                         usage=self._usage_of(st), reasoning="".join(st.reasoning),
                         elapsed=loop.time() - t0, first_token_after=st.first_at)

    async def acomplete(self, messages: list[dict[str, Any]], **kw: Any) -> Completion:
        """The whole completion (streamed underneath, so the same deadlines apply)."""
        result = None
        async for item in self.astream(messages, **kw):
            if isinstance(item, Completion):
                result = item
        assert result is not None
        return result

    def complete(self, messages: list[dict[str, Any]], **kw: Any) -> Completion:
        from service.llm.sync import run_sync

        return run_sync(self.acomplete(messages, **kw))

    def stream(self, messages: list[dict[str, Any]], **kw: Any) -> Iterator["str | Completion"]:
        from service.llm.sync import iter_sync

        return iter_sync(self.astream(messages, **kw))
