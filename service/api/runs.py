"""One draft being written: a task that runs the drafter, records how it ended and
hands events to whoever listens (the JSON answer or the SSE stream).

The draft row exists before the task starts (status ``running``). The task ends in
exactly one of: ``done`` (text, review, usage, model, prompt hashes, and the revision
rounds in their stored form, :mod:`service.store.revision`), ``failed``
(backend or input error, with any partial text) or ``cancelled`` (the client went
away or the server is stopping, with the partial text). The record is written even
when the task is being cancelled, and the drafting slot is released in every case.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from typing import Any, AsyncIterator

from anyio import to_thread

from service.api.drafter import DraftJob, DraftOutcome, Drafter, InvalidOutput
from service.api.limits import Slot
from service.errors import InputError
from service.store import DraftStore, stored_revision
from service.structures import StructureError

log = logging.getLogger("duizhao.api")

_END = object()


@dataclass
class Event:
    kind: str                 # delta | review | done | error
    data: dict[str, Any]


def backend_failure(exc: BaseException) -> tuple[int, str, str]:
    """(HTTP status, code, Chinese message) for a backend failure."""
    timeout = bool(getattr(exc, "is_timeout", False))
    cause = getattr(exc, "cause", None) or "调用失败"
    if timeout:
        return 504, "backend_timeout", f"模型后端响应超时：{cause}。已生成的部分内容已保存。"
    if getattr(exc, "kind", None) == "invalid_output":
        return 502, "invalid_output", f"{cause}，未能得到可用的草稿。模型的输出已保存。"
    return 502, "backend_error", f"模型后端调用失败：{cause}。已生成的部分内容已保存。"


class DraftRun:
    def __init__(self, draft_id: str, job: DraftJob, drafter: Drafter, store: DraftStore, slot: Slot,
                 registry: set | None = None):
        self.id = draft_id
        self.job = job
        self.drafter = drafter
        self.store = store
        self.slot = slot
        self.parts: list[str] = []
        self.outcome: DraftOutcome | None = None
        self.revision: dict[str, Any] | None = None      # stored form of the outcome's revision rounds
        self.status = "running"
        self.failure: tuple[int, str, str] | None = None   # status, code, message
        self.events: asyncio.Queue[Any] = asyncio.Queue()
        self.task: asyncio.Task | None = None
        self._registry = registry

    # ---- lifecycle -------------------------------------------------------------------
    def start(self) -> "DraftRun":
        self.task = asyncio.create_task(self._work(), name=f"draft-{self.id}")
        if self._registry is not None:
            self._registry.add(self.task)
            self.task.add_done_callback(self._registry.discard)
        return self

    def cancel(self) -> None:
        if self.task is not None and not self.task.done():
            self.task.cancel()

    async def wait(self) -> None:
        if self.task is not None:
            await asyncio.wait({self.task})

    async def _record(self, **values: Any) -> None:
        # shielded: the row is written even while this task is being cancelled
        await asyncio.shield(to_thread.run_sync(lambda: self.store.finish(self.id, **values)))

    async def _work(self) -> None:
        try:
            async for item in self.drafter.stream(self.job):
                if isinstance(item, str):
                    if item:
                        self.parts.append(item)
                        self.events.put_nowait(Event("delta", {"text": item}))
                elif isinstance(item, DraftOutcome):
                    self.outcome = item
            if self.outcome is None:
                raise RuntimeError("drafter ended without an outcome")
            o = self.outcome
            self.revision = self._revision(o)
            await self._record(status="done", text=o.text, review=o.review, usage=o.usage, model=o.model,
                               prompts=o.prompts, structure=o.structure, revision=self.revision)
            self.status = "done"
            if o.review is not None:
                self.events.put_nowait(Event("review", o.review))
            self.events.put_nowait(Event("done", self.done_data()))
        except asyncio.CancelledError:
            self.status = "cancelled"
            # read only when the server is stopping (a client that went away reads nothing)
            self.events.put_nowait(Event("error", {"id": self.id, "code": "cancelled",
                                                   "message": "起草已取消（服务正在停止或连接已断开），请重新提交。"}))
            try:
                await self._record(status="cancelled", text="".join(self.parts),
                                   error={"code": "cancelled", "message": "起草已取消（客户端断开连接或服务停止）。"})
            finally:
                raise
        except InputError as exc:
            await self._fail(422 if exc.code != "over_budget" else 413, exc.code, str(exc), None)
        except StructureError as exc:
            await self._fail(422, "unknown_structure", str(exc), None)
        except Exception as exc:  # noqa: BLE001
            from service.llm.errors import BackendError

            if isinstance(exc, (BackendError, InvalidOutput)):
                status, code, message = backend_failure(exc)
                usage = getattr(exc, "usage", None)
                usage = usage.to_json() if hasattr(usage, "to_json") else usage
                partial = getattr(exc, "partial", "") or "".join(self.parts)
                log.warning("draft %s: backend failed (%s)", self.id, getattr(exc, "kind", "?"))
                await self._fail(status, code, message, usage, partial)
            else:
                from service.api.errors import where_raised

                log.error("draft %s: internal error %s at %s", self.id, type(exc).__name__, where_raised(exc))
                await self._fail(500, "internal_error", "起草时发生内部错误，已生成的部分内容已保存。", None)
        finally:
            self.slot.release()
            self.events.put_nowait(_END)

    async def _fail(self, status: int, code: str, message: str, usage: Any, partial: str | None = None) -> None:
        self.status = "failed"
        self.failure = (status, code, message)
        self.events.put_nowait(Event("error", {"id": self.id, "code": code, "message": message}))
        try:
            await self._record(status="failed", text=partial if partial is not None else "".join(self.parts),
                               usage=usage, error={"code": code, "message": message})
        except Exception as exc:  # noqa: BLE001 — the caller still gets its answer
            log.error("draft %s: could not record the failure (%s)", self.id, type(exc).__name__)

    def _revision(self, o: DraftOutcome) -> dict[str, Any] | None:
        """The stored form of the outcome's revision rounds. A revision that cannot be
        read is left out (the draft itself is still stored); only the error type is logged."""
        try:
            return stored_revision(o.extra.get("revision"))
        except Exception as exc:  # noqa: BLE001
            log.warning("draft %s: revision rounds not stored (%s)", self.id, type(exc).__name__)
            return None

    def done_data(self) -> dict[str, Any]:
        o = self.outcome
        assert o is not None
        return {"id": self.id, "status": "done", "text": o.text, "usage": o.usage, "model": o.model,
                "structure": o.structure, "revision": self.revision}

    # ---- listening -------------------------------------------------------------------
    async def iter_events(self, ping_every: float = 15.0) -> AsyncIterator[Event | None]:
        """Events until the run ends; ``None`` when nothing happened for
        ``ping_every`` seconds (the stream sends a keep-alive comment)."""
        getter: asyncio.Task | None = None
        try:
            while True:
                if getter is None:
                    getter = asyncio.ensure_future(self.events.get())
                done, _ = await asyncio.wait({getter}, timeout=ping_every)
                if not done:
                    yield None
                    continue
                item = getter.result()
                getter = None
                if item is _END:
                    return
                yield item
        finally:
            if getter is not None:
                getter.cancel()
