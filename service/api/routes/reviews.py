"""``POST /v1/reviews``: the review result object of design.md (the CLI's JSON without
``path``). The rules run in a worker thread; ``llm: true`` adds the model critique when
the critique pass is available, else ``critique.status`` is ``unavailable`` with the
reason in Chinese and the rule findings complete."""

from __future__ import annotations

import importlib
import importlib.util
import logging
from typing import Any

from anyio import to_thread
from fastapi import APIRouter, Depends

from service.api.auth import current_owner
from service.api.deps import get_settings, get_slots
from service.api.errors import ApiError, where_raised
from service.api.limits import DraftSlots
from service.api.inputs import parse_notes, resolve_structure
from service.api.schemas import ErrorOut, ReviewRequest, ReviewResult
from service.settings import Settings

router = APIRouter(tags=["reviews"])
log = logging.getLogger("duizhao.api")

CRITIQUE_NOT_BUILT = "模型审读尚未启用（本版本未提供模型审读），以下为完整的规则检查结果。"
CRITIQUE_NO_MODEL = "未配置模型，无法进行模型审读，以下为完整的规则检查结果。"
CRITIQUE_FAILED = "模型审读失败，以下为完整的规则检查结果。"


def _critique_available() -> bool:
    return importlib.util.find_spec("service.critique") is not None


async def _critique(result: Any, notes: Any, settings: Settings, owner: str, slots: DraftSlots) -> None:
    """Adds the model critique to ``result`` in place, or says why not. A critique is a
    backend call: it takes a drafting slot (429/503 when the service is full)."""
    if not _critique_available():
        result.critique = {"status": "unavailable", "model": None, "reason": CRITIQUE_NOT_BUILT}
        return
    if not settings.has_model:
        result.critique = {"status": "unavailable", "model": None, "reason": CRITIQUE_NO_MODEL}
        return
    critique = importlib.import_module("service.critique")
    acritique = getattr(critique, "acritique", None)
    if acritique is None:  # the package exists but offers no entry point for the API
        result.critique = {"status": "unavailable", "model": None, "reason": CRITIQUE_NOT_BUILT}
        return
    slot = await slots.acquire(owner)
    try:
        await acritique(result, notes, settings)  # contract: sets result.critique (+ llm findings)
    except Exception as exc:  # noqa: BLE001 — the rule findings stand on their own
        log.warning("critique failed: %s at %s", type(exc).__name__, where_raised(exc))
        result.critique = {"status": "unavailable", "model": None, "reason": CRITIQUE_FAILED}
    finally:
        slot.release()


@router.post("/reviews", operation_id="createReview", response_model=ReviewResult,
             summary="审读一份对照检查材料",
             responses={413: {"model": ErrorOut, "description": "请求体或文本过长"},
                        429: {"model": ErrorOut, "description": "llm: true 时，同一令牌同时进行的模型调用过多"},
                        503: {"model": ErrorOut, "description": "llm: true 时，模型调用已满（见 Retry-After）"}})
async def create_review(body: ReviewRequest, owner: str = Depends(current_owner),
                        settings: Settings = Depends(get_settings), slots: DraftSlots = Depends(get_slots)) -> Any:
    from service.review.engine import review

    if len(body.text) > settings.max_text_chars:
        raise ApiError(413, "text_too_long",
                       f"文本过长：共 {len(body.text)} 字，上限为 {settings.max_text_chars} 字。")
    notes = parse_notes(body.notes)
    structure = resolve_structure(body.structure, notes)
    result = await to_thread.run_sync(lambda: review(body.text, structure=structure, notes=notes))
    if body.llm:
        await _critique(result, notes, settings, owner, slots)
    return result.to_json()
