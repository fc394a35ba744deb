"""The drafting pipeline: role notes + structure → prompt → backend → parse → review.

    result = draft(notes, structure="org-life-2021", backend=get_backend())
    async for event in adraft_stream(notes, backend=backend): ...

With no backend (no model configured) the result is an *outline* (提纲, see
:mod:`service.drafting.outline`): deterministic, offline, never invented text.

A result is ``{text, review, usage, model, prompts}`` plus ``mode`` (draft|outline),
``structure``, ``complete`` and ``error``. A backend failure is not raised: the
stream ends with an ``error`` event and the result keeps the partial text
(``complete: false``). Bad input (notes, structure, token budget) raises
:class:`service.errors.InputError` (or ``StructureError``) before anything is produced.
Nothing here logs prompts or note contents.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, AsyncIterator, Iterator

from service.errors import InputError
from service.notes import RoleNotes

if TYPE_CHECKING:  # pragma: no cover
    from service.llm import Backend, BackendError, Usage
    from service.structures import Structure


@dataclass
class DraftResult:
    text: str
    mode: str                       # draft | outline
    structure: str
    review: dict | None
    usage: "Usage"
    model: str | None
    prompts: list[dict] = field(default_factory=list)
    complete: bool = True
    error: dict | None = None
    budget: dict | None = None
    elapsed: float = 0.0
    exception: "BackendError | None" = None
    revision: dict | None = None    # critique/revision rounds (service.critique.revise), when asked

    @property
    def ok(self) -> bool:
        return self.complete and self.error is None

    def to_json(self) -> dict[str, Any]:
        return {
            "mode": self.mode, "structure": self.structure, "complete": self.complete,
            "text": self.text, "review": self.review, "usage": self.usage.to_json(),
            "model": self.model, "prompts": self.prompts, "budget": self.budget,
            "elapsed_s": round(self.elapsed, 3), "error": self.error,
        } | ({"revision": self.revision} if self.revision is not None else {})


@dataclass
class DraftEvent:
    """``delta`` (text), ``review`` (review JSON), ``done`` (result) or ``error``
    (result with the partial text and ``result.error``)."""

    kind: str
    text: str = ""
    review: dict | None = None
    result: DraftResult | None = None


class StructureMissingError(InputError):
    code = "structure_missing"


def resolve_structure(notes: RoleNotes, structure: "Structure | str | None" = None) -> "Structure":
    """The structure to draft against: the argument, else the notes' ``structure`` or
    ``year`` + ``meeting``. Raises InputError/StructureError (one Chinese line)."""
    from service.structures import Structure, get_structure, structure_ids

    if isinstance(structure, Structure):
        return structure
    ref = structure or notes.structure_id()
    if not ref:
        raise StructureMissingError(
            "没有指定结构：请用 --structure 指定（可选：" + "、".join(structure_ids())
            + "），或在角色笔记中写 structure，或写 year 和 meeting。")
    return get_structure(ref)


_FENCE_LINE = re.compile(r"^\s*```.*$", re.M)
_MD_HEADING = re.compile(r"^\s{0,3}#{1,6}\s*", re.M)
_BOLD = re.compile(r"\*\*(.+?)\*\*")


def clean_output(text: str) -> str:
    """The model's answer as plain text: code fences, Markdown heading marks and bold
    markers removed, line endings normalized, outer blank lines dropped."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = _FENCE_LINE.sub("", text)
    text = _MD_HEADING.sub("", text)
    text = _BOLD.sub(r"\1", text)
    text = re.sub(r"\n{3,}", "\n\n", text)
    return text.strip() + "\n"


def _review(text: str, structure: "Structure", notes: RoleNotes) -> dict:
    from service.review.engine import review

    return review(text, structure=structure, notes=notes).to_json()


async def adraft_stream(notes: RoleNotes, *, structure: "Structure | str | None" = None,
                        backend: "Backend | None" = None, include_name: bool = False,
                        critique: bool = False, rounds: int = 0,
                        ) -> AsyncIterator[DraftEvent]:
    """Draft and review, yielding events as they happen (see :class:`DraftEvent`)."""
    from service.llm import BackendError, Completion, Usage

    t0 = time.monotonic()
    struct = resolve_structure(notes, structure)
    if backend is None:
        from service.drafting.outline import outline

        text = outline(notes, struct)
        yield DraftEvent("delta", text=text)
        review = _review(text, struct, notes)
        yield DraftEvent("review", review=review)
        yield DraftEvent("done", result=DraftResult(
            text=text, mode="outline", structure=struct.id, review=review, usage=Usage.none(), model=None,
            elapsed=time.monotonic() - t0))
        return

    from service.prompts import render_draft

    rendered = render_draft(notes, struct, include_name=include_name)
    budget = backend.check_budget(rendered.messages)       # BudgetError: refused up front
    base = dict(mode="draft", structure=struct.id, model=None, prompts=[rendered.to_json()],
                budget=budget.to_json())
    completion: Completion | None = None
    parts: list[str] = []
    try:
        async for item in backend.astream(rendered.messages, max_tokens=budget.max_output_tokens):
            if isinstance(item, Completion):
                completion = item
            else:
                parts.append(item)
                yield DraftEvent("delta", text=item)
    except BackendError as exc:
        result = DraftResult(text="".join(parts) or exc.partial, review=None, usage=exc.usage or Usage(),
                             complete=False, error=exc.to_json(), exception=exc,
                             elapsed=time.monotonic() - t0, **base)
        yield DraftEvent("error", result=result)
        return
    assert completion is not None
    text = clean_output(completion.text)
    base["model"] = completion.model
    try:
        review = _review(text, struct, notes)
    except InputError as exc:  # the answer is not a 对照检查材料 at all
        result = DraftResult(text=text, review=None, usage=completion.usage, complete=False,
                             error={"code": "invalid_output", "backend": backend.label,
                                    "message": f"模型后端 {backend.label} 的输出不是对照检查材料：{exc}"},
                             elapsed=time.monotonic() - t0, **base)
        yield DraftEvent("error", result=result)
        return
    revision = None
    if critique or rounds:  # model critique and/or revision of flagged spans (service.critique)
        from service.critique.revise import arevise

        rev = await arevise(text, structure=struct, notes=notes, backend=backend, critique=critique,
                            max_rounds=rounds)
        text, review, revision = rev.final.text, rev.final.review.to_json(), rev.to_json()
        completion.usage.add(rev.usage)
        base["prompts"] += rev.prompts()
    yield DraftEvent("review", review=review)
    yield DraftEvent("done", result=DraftResult(text=text, review=review, usage=completion.usage,
                                                elapsed=time.monotonic() - t0, revision=revision, **base))


async def adraft(notes: RoleNotes, **kw: Any) -> DraftResult:
    """The whole result (see :func:`adraft_stream` for the arguments)."""
    result = None
    async for event in adraft_stream(notes, **kw):
        if event.kind in ("done", "error"):
            result = event.result
    assert result is not None
    return result


def draft(notes: RoleNotes, **kw: Any) -> DraftResult:
    """Synchronous :func:`adraft`."""
    from service.llm.sync import run_sync

    return run_sync(adraft(notes, **kw))


def iter_draft(notes: RoleNotes, **kw: Any) -> Iterator[DraftEvent]:
    """Synchronous :func:`adraft_stream`: events as they happen."""
    from service.llm.sync import iter_sync

    return iter_sync(adraft_stream(notes, **kw))
