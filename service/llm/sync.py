"""Run the async backend from synchronous code (the CLI, sync callers).

``run_sync`` runs a coroutine to completion (in a worker thread when an event loop is
already running in this thread). ``iter_sync`` turns an async generator into a plain
iterator: the generator runs on its own event loop in a daemon thread and hands items
over through a queue; closing the iterator early cancels it.
"""

from __future__ import annotations

import asyncio
import queue
import threading
from typing import Any, AsyncIterator, Coroutine, Iterator, TypeVar

T = TypeVar("T")
_DONE = object()


def run_sync(coro: Coroutine[Any, Any, T]) -> T:
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coro)
    box: dict[str, Any] = {}

    def worker() -> None:
        try:
            box["value"] = asyncio.run(coro)
        except BaseException as exc:  # re-raised in the caller's thread
            box["error"] = exc

    t = threading.Thread(target=worker, daemon=True)
    t.start()
    t.join()
    if "error" in box:
        raise box["error"]
    return box["value"]


def iter_sync(agen: AsyncIterator[T]) -> Iterator[T]:
    q: "queue.Queue[tuple[str, Any]]" = queue.Queue(maxsize=256)
    stop = threading.Event()
    loop = asyncio.new_event_loop()

    def put(kind: str, value: Any) -> None:
        while not stop.is_set():
            try:
                q.put((kind, value), timeout=0.1)
                return
            except queue.Full:
                continue

    async def pump() -> None:
        try:
            async for item in agen:
                put("item", item)
                if stop.is_set():
                    break
        except BaseException as exc:
            put("error", exc)
            return
        finally:
            aclose = getattr(agen, "aclose", None)
            if aclose is not None:
                try:
                    await aclose()
                except BaseException:
                    pass
        put("done", _DONE)

    holder: dict[str, asyncio.Task] = {}

    def worker() -> None:
        asyncio.set_event_loop(loop)
        try:
            holder["task"] = loop.create_task(pump())
            loop.run_until_complete(holder["task"])
        except BaseException:
            pass
        finally:
            loop.close()

    t = threading.Thread(target=worker, daemon=True)
    t.start()
    try:
        while True:
            kind, value = q.get()
            if kind == "item":
                yield value
            elif kind == "error":
                raise value
            else:
                return
    finally:
        stop.set()
        task = holder.get("task")
        if t.is_alive() and task is not None and not loop.is_closed():
            try:
                loop.call_soon_threadsafe(task.cancel)
            except RuntimeError:  # loop closed meanwhile
                pass
        t.join(timeout=5)
