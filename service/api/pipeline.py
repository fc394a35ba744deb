"""The default :class:`~service.api.drafter.Drafter`: ``service.drafting.adraft_stream``
over a backend from ``service.llm.get_backend`` (``None`` → outline mode).

Backends are built once per model name and kept, so their concurrency bound
(``max_concurrent_calls``) and their litellm Router hold across requests. The
pipeline reports a backend failure as an ``error`` event; here it becomes the
``BackendError`` the run expects (partial text kept), and an answer that is not a
对照检查材料 becomes :class:`~service.api.drafter.InvalidOutput`.
"""

from __future__ import annotations

import asyncio
from typing import Any, AsyncIterator

from service.api.drafter import DraftJob, DraftOutcome, InvalidOutput
from service.settings import Settings

_NO_BACKEND = object()


class PipelineDrafter:
    def __init__(self, settings: Settings):
        self.settings = settings
        self._backends: dict[str | None, Any] = {}
        self._lock = asyncio.Lock()

    async def backend(self, model: str | None) -> Any:
        """The backend for ``model`` (None: the configured one), built once."""
        have = self._backends.get(model, _NO_BACKEND)
        if have is not _NO_BACKEND:
            return have
        async with self._lock:
            if model not in self._backends:
                from service.llm import get_backend

                self._backends[model] = get_backend(self.settings, model=model)  # BackendConfigError: 422
            return self._backends[model]

    async def stream(self, job: DraftJob) -> AsyncIterator["str | DraftOutcome"]:
        from service.drafting import adraft_stream

        backend = await self.backend(job.model)
        rounds = job.rounds or 0
        # revision rounds review each round with the critique too (service.critique.revise)
        async for event in adraft_stream(job.notes, structure=job.structure, backend=backend,
                                         critique=rounds > 0, rounds=rounds):
            if event.kind == "delta":
                yield event.text
            elif event.kind == "error":
                result = event.result
                if result is not None and result.exception is not None:
                    exc = result.exception
                    if not exc.partial and result.text:
                        exc.partial = result.text
                    raise exc
                raise InvalidOutput(result.text if result else "", result.usage if result else None)
            elif event.kind == "done":
                r = event.result
                assert r is not None
                yield DraftOutcome(text=r.text, review=r.review, usage=r.usage.to_json(), model=r.model,
                                   prompts=r.prompts, structure=r.structure,
                                   extra={"mode": r.mode, "complete": r.complete,
                                          **({"revision": r.revision} if r.revision else {})})
