"""``POST /v1/drafts`` (JSON, or SSE with ``Accept: text/event-stream``),
``GET /v1/drafts``, ``GET /v1/drafts/{id}``.

The draft is stored (``running``) before the backend is called and updated when the
call ends. A client that disconnects cancels the backend call (the draft is then
``cancelled`` with its partial text). Backend failures answer 502 (504 for timeouts)
with a Chinese message; the partial text is stored with status ``failed``.

SSE events (each ``data`` is JSON): ``delta`` ``{"text"}`` as the model writes;
``review`` the review result of the final text; ``done`` ``{"id", "status", "text",
"usage", "model", "structure", "revision"}``; or ``error`` ``{"id", "code", "message"}``.
``revision`` (also in the stored draft) is the revision rounds in the shape of
:mod:`service.store.revision`, null when no revision ran.
Keep-alive comments every 15 s while the backend is silent.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any, AsyncIterator

from anyio import to_thread
from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import JSONResponse
from fastapi.sse import KEEPALIVE_COMMENT, EventSourceResponse, format_sse_event

from service.api.auth import current_owner
from service.api.deps import get_drafter, get_runs, get_settings, get_slots, get_store
from service.api.drafter import DraftJob, Drafter
from service.api.errors import ApiError, error_response
from service.api.inputs import check_model, parse_notes, resolve_structure
from service.api.limits import DraftSlots
from service.api.runs import DraftRun
from service.api.schemas import DraftOut, DraftRequest, DraftsOut, ErrorOut
from service.settings import Settings
from service.store import DraftStore

router = APIRouter(tags=["drafts"])

PING_SECONDS = 15.0
_SSE_DOC = ("以 Accept: text/event-stream 请求时为事件流：delta（{text}）、review（审读结果）、"
            "done（{id, status, text, usage, model, structure, revision}）或 error（{id, code, message}）。")
_ERRORS = {
    404: {"model": ErrorOut, "description": "没有这份草稿（或不属于当前令牌）"},
    413: {"model": ErrorOut, "description": "请求体过大，或提示超过模型的词元预算"},
    429: {"model": ErrorOut, "description": "同一令牌同时进行的起草过多（见 Retry-After）"},
    502: {"model": ErrorOut, "description": "模型后端调用失败（部分内容已保存）"},
    503: {"model": ErrorOut, "description": "起草任务已满或数据库不可用（见 Retry-After）"},
    504: {"model": ErrorOut, "description": "模型后端超时（部分内容已保存）"},
}


def wants_stream(request: Request) -> bool:
    return "text/event-stream" in request.headers.get("accept", "").lower()


async def _watch_disconnect(request: Request) -> None:
    """Returns when the client goes away (the body has been read already)."""
    while True:
        message = await request.receive()
        if message["type"] == "http.disconnect":
            return


async def _sse(run: DraftRun) -> AsyncIterator[bytes]:
    try:
        async for event in run.iter_events(PING_SECONDS):
            if event is None:
                yield KEEPALIVE_COMMENT
            else:
                yield format_sse_event(data_str=json.dumps(event.data, ensure_ascii=False), event=event.kind)
    finally:
        run.cancel()  # the client went away mid-stream: stop the backend call (no-op when finished)


@router.post("/drafts", operation_id="createDraft", status_code=201, response_model=DraftOut,
             summary="起草一份对照检查材料（JSON 或事件流）",
             responses={201: {"description": "草稿已完成并保存。" + _SSE_DOC,
                              "content": {"text/event-stream": {"schema": {"type": "string"}}}},
                        **{k: v for k, v in _ERRORS.items() if k != 404}})
async def create_draft(body: DraftRequest, request: Request,
                       owner: str = Depends(current_owner),
                       settings: Settings = Depends(get_settings),
                       store: DraftStore = Depends(get_store),
                       drafter: Drafter = Depends(get_drafter),
                       slots: DraftSlots = Depends(get_slots),
                       runs: set = Depends(get_runs)) -> Any:
    notes = parse_notes(body.notes)
    assert notes is not None
    structure = resolve_structure(body.structure, notes)
    if structure is None:
        raise ApiError(422, "structure_missing", "没有指定结构：请在请求中给出 structure（如 org-life-2021），"
                       "或在角色笔记中写 structure，或写 year 和 meeting。可选结构见 GET /v1/structures。")
    notes = notes.model_copy(update={"structure": structure.id})  # a checked id, never a path
    model = check_model(body.model, settings)
    cap = settings.max_revision_rounds
    rounds = cap if body.rounds is None else min(body.rounds, cap)

    slot = await slots.acquire(owner)
    try:
        record = await to_thread.run_sync(lambda: store.create(
            owner=owner, notes=notes.model_dump(mode="json", exclude_none=True),
            structure=structure.id, model=model or settings.model, rounds=rounds))
    except BaseException:
        slot.release()
        raise
    job = DraftJob(notes=notes, structure=structure, model=model, rounds=rounds)
    run = DraftRun(record.id, job, drafter, store, slot, runs).start()
    headers = {"X-Draft-Id": record.id, "Location": f"/v1/drafts/{record.id}", "Cache-Control": "no-store"}

    if wants_stream(request):
        headers.update({"Cache-Control": "no-cache", "X-Accel-Buffering": "no"})
        return EventSourceResponse(_sse(run), status_code=201, headers=headers)

    watcher = asyncio.ensure_future(_watch_disconnect(request))
    try:
        assert run.task is not None
        await asyncio.wait({run.task, watcher}, return_when=asyncio.FIRST_COMPLETED)
        if not run.task.done():   # the client went away first
            run.cancel()
        await run.wait()
        client_gone = watcher.done()
    except asyncio.CancelledError:
        run.cancel()
        raise
    finally:
        watcher.cancel()
    if run.status == "done":
        saved = await to_thread.run_sync(lambda: store.get(record.id, owner))
        assert saved is not None
        return JSONResponse(saved.to_json(), status_code=201, headers=headers)
    if run.status == "failed" and run.failure is not None:
        status, code, message = run.failure
        return error_response(status, code, message, headers)
    if not client_gone:  # cancelled by the server stopping
        return error_response(503, "service_stopping", "服务正在停止，本次起草已取消，请稍后重新提交。",
                              {**headers, "Retry-After": "10"})
    return error_response(400, "client_closed", "客户端已断开连接，起草已取消。", headers)


@router.get("/drafts", operation_id="listDrafts", response_model=DraftsOut, summary="当前令牌的草稿（新的在前）")
async def list_drafts(owner: str = Depends(current_owner), store: DraftStore = Depends(get_store),
                      limit: int = Query(20, ge=1, le=100, description="每页条数"),
                      offset: int = Query(0, ge=0, le=1_000_000, description="跳过的条数")) -> Any:
    def read() -> dict[str, Any]:
        return {"count": store.count(owner), "drafts": [d.summary() for d in store.list(owner, limit=limit,
                                                                                        offset=offset)]}

    return await to_thread.run_sync(read)


@router.get("/drafts/{draft_id}", operation_id="getDraft", response_model=DraftOut, summary="一份草稿的全部内容",
            responses={404: _ERRORS[404]})
async def get_draft(draft_id: str = Path(max_length=64), owner: str = Depends(current_owner),
                    store: DraftStore = Depends(get_store)) -> Any:
    draft = await to_thread.run_sync(lambda: store.get(draft_id, owner))
    if draft is None:
        raise ApiError(404, "draft_not_found", "没有这份草稿。")
    return JSONResponse(draft.to_json(), headers={"Cache-Control": "no-store"})
