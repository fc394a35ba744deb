"""Usage and cost per call and per draft. Unknown cost is ``None``, never 0."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class Usage:
    prompt_tokens: int | None = 0
    completion_tokens: int | None = 0
    cost: float | None = 0.0        # USD; None once any part is unknown
    calls: int = 0                  # backend calls we made (one per completion/stream)
    attempts: int = 0               # HTTP attempts incl. retries and fallbacks (as reported)
    models: list[str] = field(default_factory=list)

    @classmethod
    def none(cls) -> "Usage":
        """Nothing spent (outline mode)."""
        return cls()

    @property
    def total_tokens(self) -> int | None:
        if self.prompt_tokens is None or self.completion_tokens is None:
            return None
        return self.prompt_tokens + self.completion_tokens

    def add(self, other: "Usage | None") -> "Usage":
        if other is None:
            return self

        def plus(a, b):
            return None if a is None or b is None else a + b

        self.prompt_tokens = plus(self.prompt_tokens, other.prompt_tokens)
        self.completion_tokens = plus(self.completion_tokens, other.completion_tokens)
        self.cost = plus(self.cost, other.cost)
        self.calls += other.calls
        self.attempts += other.attempts
        self.models += [m for m in other.models if m not in self.models]
        return self

    def to_json(self) -> dict[str, Any]:
        return {
            "prompt_tokens": self.prompt_tokens,
            "completion_tokens": self.completion_tokens,
            "total_tokens": self.total_tokens,
            "cost_usd": None if self.cost is None else round(self.cost, 6),
            "calls": self.calls,
            "attempts": self.attempts,
            "models": list(self.models),
        }
