"""The rule catalogue: every module in ``service/review/rules/`` is one rule.

A rule module defines ``CODE``, ``NAME``, ``CATEGORY``, ``SEVERITY``, ``RUBRIC``, a
docstring (its user documentation) and ``check(ctx, rule)`` yielding findings. It may
also define ``phrase_table()`` (phrase → tags): those phrases are found by the one phrase
pass per problem item that specificity runs (:func:`service.review.specificity.item_phrases`).
"""

from __future__ import annotations

import importlib
import pkgutil
from dataclasses import dataclass
from functools import lru_cache
from types import ModuleType
from typing import Callable, Iterable

from service.review import rules as rules_pkg
from service.review.finding import CATEGORIES, SEVERITIES, Finding


@dataclass(frozen=True)
class Rule:
    code: str
    name: str
    category: str
    severity: str
    rubric: tuple[str, ...]
    doc: str
    check: Callable[..., Iterable[Finding]]
    needs_notes: bool = False
    phrase_table: Callable[[], dict[str, tuple[str, ...]]] | None = None

    # ctx.finding() reads CODE, CATEGORY and SEVERITY, the names a rule module has:
    # plain instance attributes (a property costs a call on every finding)
    def __post_init__(self) -> None:
        object.__setattr__(self, "CODE", self.code)
        object.__setattr__(self, "CATEGORY", self.category)
        object.__setattr__(self, "SEVERITY", self.severity)

    @property
    def summary(self) -> str:
        """First line of the documentation (the rule's Chinese title)."""
        first = self.doc.strip().splitlines()[0] if self.doc.strip() else self.name
        return first.removeprefix(self.code).strip()


def _from_module(mod: ModuleType) -> Rule:
    for attr in ("CODE", "NAME", "CATEGORY", "SEVERITY", "check"):
        if not hasattr(mod, attr):
            raise TypeError(f"rule module {mod.__name__} lacks {attr}")
    if mod.CATEGORY not in CATEGORIES:
        raise TypeError(f"rule {mod.CODE}: unknown category {mod.CATEGORY!r}")
    if mod.SEVERITY not in SEVERITIES:
        raise TypeError(f"rule {mod.CODE}: unknown severity {mod.SEVERITY!r}")
    if not (mod.__doc__ or "").strip():
        raise TypeError(f"rule {mod.CODE}: the docstring is its documentation")
    return Rule(
        code=mod.CODE, name=mod.NAME, category=mod.CATEGORY, severity=mod.SEVERITY,
        rubric=tuple(getattr(mod, "RUBRIC", ())), doc=mod.__doc__.strip(),
        check=mod.check, needs_notes=bool(getattr(mod, "NEEDS_NOTES", False)),
        phrase_table=getattr(mod, "phrase_table", None),
    )


@lru_cache(maxsize=1)
def all_rules() -> tuple[Rule, ...]:
    """Every rule, sorted by code."""
    found = []
    for info in pkgutil.iter_modules(rules_pkg.__path__):
        if info.name.startswith("_"):
            continue
        mod = importlib.import_module(f"{rules_pkg.__name__}.{info.name}")
        found.append(_from_module(mod))
    codes = [r.code for r in found]
    dupes = {c for c in codes if codes.count(c) > 1}
    if dupes:
        raise TypeError(f"duplicate rule codes: {sorted(dupes)}")
    return tuple(sorted(found, key=lambda r: r.code))


def get_rule(code: str) -> Rule | None:
    code = code.strip().upper()
    for r in all_rules():
        if r.code == code or r.name == code.lower():
            return r
    return None
