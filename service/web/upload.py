"""``POST /v1/reviews/file``: review a .txt or .docx file sent as the raw request body.

The page sends a chosen file here (no multipart parser needed): the body is the file's
bytes, ``name`` (query) its file name, ``structure`` (query) an optional structure id.
The answer is the review result of ``POST /v1/reviews`` plus ``text``, the text the
spans index (for a .docx: its paragraphs joined by ``\\n``), and ``name``.
"""

from __future__ import annotations

from typing import Any

from anyio import to_thread
from fastapi import APIRouter, Depends, Query, Request

from service.api.deps import get_settings
from service.api.errors import ApiError
from service.api.inputs import resolve_structure
from service.api.schemas import MAX_ID_CHARS, ErrorOut, ReviewResult
from service.errors import InputError
from service.settings import Settings

router = APIRouter(tags=["reviews"])


class FileReviewResult(ReviewResult):
    text: str
    name: str


@router.post("/reviews/file", operation_id="createFileReview", response_model=FileReviewResult,
             summary="审读上传的 .txt 或 .docx 文件（请求体为文件内容）",
             openapi_extra={"requestBody": {"required": True, "content": {
                 "application/octet-stream": {"schema": {"type": "string", "format": "binary"}}}}},
             responses={413: {"model": ErrorOut, "description": "文件或文本过长"},
                        422: {"model": ErrorOut, "description": "不是 UTF-8 文本或 .docx 文件"}})
async def review_file(request: Request,
                      name: str = Query("上传的文件", max_length=200, description="文件名（用于提示信息）"),
                      structure: str | None = Query(None, max_length=MAX_ID_CHARS, description="结构 ID"),
                      settings: Settings = Depends(get_settings)) -> Any:
    from service.inputs import decode_text
    from service.review.engine import review

    data = await request.body()   # bounded by the app's BodySizeLimit
    if not data:
        raise ApiError(422, "empty_file", "文件是空的。")
    try:
        text = await to_thread.run_sync(lambda: decode_text(data, name))   # InputError → 422
    except InputError:
        raise
    except Exception:   # a damaged .docx can fail inside python-docx/lxml (e.g. XMLSyntaxError)
        if data[:4] != b"PK\x03\x04":
            raise
        raise ApiError(422, "invalid_docx",
                       f"{name}：Word 文件已损坏或不是 .docx 格式（旧版 .doc 请先另存为 .docx）。") from None
    if not text.strip():
        raise ApiError(422, "empty_text", f"{name}：没有可审读的文字。")
    if len(text) > settings.max_text_chars:
        raise ApiError(413, "text_too_long", f"文本过长：共 {len(text)} 字，上限为 {settings.max_text_chars} 字。")
    chosen = resolve_structure(structure or None, None)
    result = await to_thread.run_sync(lambda: review(text, structure=chosen))
    out = result.to_json()
    out.pop("path", None)
    out.update(text=text, name=name)
    return out
