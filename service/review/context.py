"""What a rule sees: the text, its normalized form, the parsed document, the
structure and (optionally) the member's notes, plus helpers to build findings."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from service.review.finding import Finding

if TYPE_CHECKING:  # pragma: no cover
    from service.document import Document, Item
    from service.notes import RoleNotes
    from service.structures import Structure


@dataclass
class ReviewContext:
    doc: "Document"
    structure: "Structure | None" = None
    notes: "RoleNotes | None" = None
    # 1.0 when the user named the structure; the detection confidence otherwise
    structure_confidence: float = 1.0
    # scratch space shared between rules in one review (e.g. matching results)
    cache: dict[str, Any] = field(default_factory=dict)

    @property
    def text(self) -> str:
        """The normalized text (what rules match on)."""
        return self.doc.norm.text

    def finding(
        self,
        rule: Any,
        start: int,
        end: int,
        message: str,
        suggestion: str,
        item: "Item | None" = None,
        severity: str | None = None,
        **extra: Any,
    ) -> Finding:
        """Build a finding from a *normalized* span; offsets are mapped back to the
        original text here, so rules never deal with the offset map."""
        o_start, o_end = self.doc.norm.orig_span(start, end)
        # positional (a keyword call to the dataclass costs more): rule, category,
        # severity, start, end, message, suggestion, item, source, extra
        return Finding(rule.CODE, rule.CATEGORY, severity or rule.SEVERITY, o_start, o_end,
                       message, suggestion, item.id if item is not None else None, "rules",
                       extra)
