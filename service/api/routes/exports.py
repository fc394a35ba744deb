"""Word files in 公文 layout (``service.export``): ``POST /v1/exports/docx`` ``{text}``
and ``GET /v1/drafts/{id}/docx`` (the caller's stored draft). Mounted only when
``service.export`` is installed."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import quote

from anyio import to_thread
from fastapi import APIRouter, Depends, Path
from fastapi.responses import Response
from pydantic import Field

from service.api.auth import current_owner
from service.api.deps import get_settings, get_store
from service.api.errors import ApiError
from service.api.schemas import MAX_TEXT_CHARS, ErrorOut, _In
from service.settings import Settings
from service.store import DraftStore

router = APIRouter(tags=["exports"])

DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
_DOCX_RESPONSE = {200: {"description": "Word 文件（.docx）",
                        "content": {DOCX_TYPE: {"schema": {"type": "string", "format": "binary"}}}}}
# what XML 1.0 (so a .docx) cannot hold: C0 controls but tab/newline/CR, surrogates, U+FFFE/FFFF
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


class ExportRequest(_In):
    text: str = Field(min_length=1, max_length=MAX_TEXT_CHARS, description="材料全文")


def _attachment(name: str) -> str:
    """Content-Disposition with an ASCII fallback and the Chinese name (RFC 6266/5987)."""
    return f"attachment; filename=\"duizhao.docx\"; filename*=UTF-8''{quote(name)}"


async def _docx(text: str, settings: Settings, name: str) -> Response:
    from service.export.docx import build_docx

    text = _NOT_XML.sub("", text)    # invisible control characters a Word file cannot store
    if not text.strip():
        raise ApiError(422, "empty_text", "没有可导出的文字。")
    if len(text) > settings.max_text_chars:
        raise ApiError(413, "text_too_long", f"文本过长：共 {len(text)} 字，上限为 {settings.max_text_chars} 字。")
    data = await to_thread.run_sync(lambda: build_docx(text))
    return Response(data, media_type=DOCX_TYPE,
                    headers={"Content-Disposition": _attachment(name), "Cache-Control": "no-store"})


@router.post("/exports/docx", operation_id="exportDocx", summary="把文本导出为 Word 文件（公文格式）",
             response_class=Response, responses={**_DOCX_RESPONSE,
                                                 413: {"model": ErrorOut, "description": "文本过长"}})
async def export_docx(body: ExportRequest, settings: Settings = Depends(get_settings)) -> Any:
    return await _docx(body.text, settings, "对照检查材料.docx")


@router.get("/drafts/{draft_id}/docx", operation_id="getDraftDocx", summary="一份草稿的 Word 文件（公文格式）",
            response_class=Response,
            responses={**_DOCX_RESPONSE,
                       404: {"model": ErrorOut, "description": "没有这份草稿（或不属于当前令牌）"},
                       409: {"model": ErrorOut, "description": "草稿还没有正文（仍在起草或失败时没有内容）"}})
async def draft_docx(draft_id: str = Path(max_length=64), owner: str = Depends(current_owner),
                     store: DraftStore = Depends(get_store), settings: Settings = Depends(get_settings)) -> Any:
    draft = await to_thread.run_sync(lambda: store.get(draft_id, owner))
    if draft is None:
        raise ApiError(404, "draft_not_found", "没有这份草稿。")
    if not (draft.text or "").strip():
        raise ApiError(409, "draft_empty", "这份草稿还没有正文，无法导出。" if draft.status == "running"
                       else "这份草稿没有正文，无法导出。")
    return await _docx(draft.text, settings, f"对照检查材料-{draft.id[:8]}.docx")
