"""The judgement checks the critique asks about (data: ``checks.yaml``)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

CHECKS_FILE = Path(__file__).with_name("checks.yaml")


@dataclass(frozen=True)
class Check:
    id: str
    rubric: str
    applies: str            # problem | cause | measure
    category: str
    severity: str
    question: str
    message: str

    @property
    def rule(self) -> str:
        """The ``rule`` of the findings this check produces."""
        return f"LLM-{self.id}"


@dataclass(frozen=True)
class CheckConfig:
    checks: tuple[Check, ...]
    confirmable_categories: frozenset[str]
    not_revisable: frozenset[str]
    limits: dict[str, int]
    addable_rules: frozenset[str] = frozenset()
    addition_reference: str = "针对“{headline}”的问题，"
    addition_reference_index: str = "针对第{n}个问题，"

    def by_id(self) -> dict[str, Check]:
        return {c.id: c for c in self.checks}


@lru_cache(maxsize=1)
def config() -> CheckConfig:
    from service.review.finding import CATEGORIES, SEVERITIES

    data: dict[str, Any] = yaml.safe_load(CHECKS_FILE.read_text(encoding="utf-8"))
    checks = []
    for c in data["checks"]:
        check = Check(id=c["id"], rubric=c.get("rubric", c["id"]), applies=c["applies"], category=c["category"],
                      severity=c["severity"], question=c["question"], message=c["message"])
        if check.category not in CATEGORIES or check.severity not in SEVERITIES \
                or check.applies not in ("problem", "cause", "measure"):
            raise ValueError(f"checks.yaml: bad check {check.id}")
        checks.append(check)
    return CheckConfig(checks=tuple(checks),
                       confirmable_categories=frozenset(data.get("confirmable_categories") or ()),
                       not_revisable=frozenset(data.get("not_revisable") or ()),
                       limits=dict(data.get("limits") or {}),
                       addable_rules=frozenset(data.get("addable_rules") or ()),
                       addition_reference=data.get("addition_reference", CheckConfig.addition_reference),
                       addition_reference_index=data.get("addition_reference_index",
                                                         CheckConfig.addition_reference_index))
