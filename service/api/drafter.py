"""What the HTTP layer needs from the drafting pipeline, and the adapter to it.

A :class:`Drafter` turns a :class:`DraftJob` into an async stream: text deltas
(``str``) as the model writes, then exactly one :class:`DraftOutcome`. It raises
``service.llm.BackendError`` (``partial`` text kept) when the backend fails,
:class:`InvalidOutput` when the model's answer is not a 对照检查材料, and
``service.errors.InputError`` subclasses for bad input (notes, budget, model).
Cancelling the consumer cancels the backend call.

The app takes its drafter from ``app.state.drafter`` (:func:`service.api.deps.get_drafter`,
overridable in tests); the default is :class:`PipelineDrafter` over ``service.drafting``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, AsyncIterator, Protocol

if TYPE_CHECKING:  # pragma: no cover
    from service.notes import RoleNotes
    from service.structures import Structure


@dataclass
class DraftJob:
    notes: "RoleNotes"
    structure: "Structure | None" = None   # a built-in structure (checked by the route)
    model: str | None = None          # None: the configured model (or outline mode)
    rounds: int | None = None         # revision rounds cap; None: the settings' default


@dataclass
class DraftOutcome:
    text: str
    review: dict[str, Any] | None = None
    usage: dict[str, Any] | None = None
    model: str | None = None          # the model that served it; None in outline mode
    prompts: Any = None               # prompt names and hashes (``name@hash``)
    structure: str | None = None      # the structure actually used
    extra: dict[str, Any] = field(default_factory=dict)


class InvalidOutput(Exception):
    """The model answered, but not with a 对照检查材料 (HTTP 502; the text is kept)."""

    kind = "invalid_output"
    cause = "模型的输出不是对照检查材料"
    is_timeout = False

    def __init__(self, text: str = "", usage: Any = None):
        self.partial = text
        self.usage = usage
        super().__init__(self.cause)


class Drafter(Protocol):
    def stream(self, job: DraftJob) -> AsyncIterator["str | DraftOutcome"]:  # pragma: no cover
        ...
