"""Scorers: each turns one sample's output into :class:`Score` objects.

A score always carries its explanation (in Chinese: it goes into the report as is)
and, where useful, the evidence behind it in ``details`` (quoted spans, lists of
numbers that are not in the notes, …). ``value`` is in [0, 1] unless the scorer says
otherwise (tokens, cost, calls); ``None`` means "not measurable here" and the
explanation says why.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class Score:
    value: float | None
    explanation: str
    details: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        d: dict[str, Any] = {"value": self.value, "explanation": self.explanation}
        if self.details:
            d["details"] = self.details
        return d


def mean(values) -> float | None:
    vals = [v for v in values if v is not None]
    return round(sum(vals) / len(vals), 4) if vals else None
