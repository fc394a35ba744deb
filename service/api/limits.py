"""Limits: request body size (pure ASGI middleware) and concurrent drafting slots.

- :class:`BodySizeLimit` answers 413 when ``Content-Length`` says the body is too
  large, without reading it, and also counts the bytes of a streamed or chunked body
  as they arrive: past the limit it answers 413 itself, tells the application the
  client went away (``http.disconnect``) and drops whatever the application sends
  afterwards.
- :class:`DraftSlots` bounds the drafts running at once (each holds one backend call):
  a request waits up to ``queue_seconds`` for a free slot, then gets 503 with
  ``Retry-After``; one owner may hold at most ``per_owner`` slots (429 beyond).
"""

from __future__ import annotations

import asyncio
from collections import Counter
from dataclasses import dataclass

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from service.api.errors import ApiError, error_response


def _mib(n: int) -> str:
    return f"{n / 1048576:.1f} MiB" if n >= 1048576 else f"{n / 1024:.0f} KiB"


class BodySizeLimit:
    def __init__(self, app: ASGIApp, max_bytes: int):
        self.app = app
        self.max_bytes = max_bytes

    def _too_large(self):
        return error_response(413, "payload_too_large",
                              f"请求体过大：上限为 {_mib(self.max_bytes)}。请精简材料或角色笔记后再提交。")

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        for name, value in scope.get("headers") or ():
            if name == b"content-length":
                try:
                    declared = int(value)
                except ValueError:
                    await error_response(400, "bad_request", "Content-Length 请求头无效。")(scope, receive, send)
                    return
                if declared > self.max_bytes:
                    await self._too_large()(scope, receive, send)
                    return
        received = 0
        rejected = False
        started = False

        async def guarded_send(message: Message) -> None:
            nonlocal started
            if rejected:
                return  # our 413 went out instead
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        async def counting_receive() -> Message:
            nonlocal received, rejected
            if rejected:
                return {"type": "http.disconnect"}
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    if not started:
                        await self._too_large()(scope, receive, send)
                    rejected = True
                    return {"type": "http.disconnect"}
            return message

        await self.app(scope, counting_receive, guarded_send)


@dataclass
class Slot:
    """One admitted draft; :meth:`release` is idempotent."""

    slots: "DraftSlots"
    owner: str
    released: bool = False

    def release(self) -> None:
        if not self.released:
            self.released = True
            self.slots._release(self.owner)


class DraftSlots:
    def __init__(self, total: int, per_owner: int | None, queue_seconds: float, retry_after: int = 5):
        self.total = total
        self.per_owner = per_owner
        self.queue_seconds = queue_seconds
        self.retry_after = retry_after
        self._sem = asyncio.Semaphore(total)
        self._by_owner: Counter[str] = Counter()
        self.active = 0
        self.waiting = 0

    async def acquire(self, owner: str) -> Slot:
        if self.per_owner is not None and self._by_owner[owner] >= self.per_owner:
            raise ApiError(429, "too_many_drafts",
                           f"同一令牌同时进行的起草最多 {self.per_owner} 个，请等前面的起草完成后再提交。",
                           {"Retry-After": str(self.retry_after)})
        self._by_owner[owner] += 1
        self.waiting += 1
        try:
            async with asyncio.timeout(self.queue_seconds):  # 3.11+: no lost wake-up as with wait_for
                await self._sem.acquire()
        except (asyncio.TimeoutError, asyncio.CancelledError) as exc:
            self._by_owner[owner] -= 1
            if isinstance(exc, asyncio.CancelledError):
                raise
            raise ApiError(503, "busy", "起草任务已满，请稍后再试。",
                           {"Retry-After": str(max(self.retry_after, int(self.queue_seconds)))}) from None
        finally:
            self.waiting -= 1
        self.active += 1
        return Slot(self, owner)

    def _release(self, owner: str) -> None:
        self.active -= 1
        self._by_owner[owner] -= 1
        if self._by_owner[owner] <= 0:
            del self._by_owner[owner]
        self._sem.release()
