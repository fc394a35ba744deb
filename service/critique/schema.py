"""What the model must answer, as pydantic models (validated; re-asked on error).

The schemas carry no length keywords (some servers' strict ``json_schema`` mode refuses
them): limits are checked by validators, and a violation is re-asked like any other
validation error. Every field is required, no extra keys (``additionalProperties:
false``), so the same schema works in ``json_schema`` and ``json_object`` mode
(``RevisionAnswer.additions`` is listed as required too, but an answer without it is
accepted as an empty list).
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from service.critique.checks import config

_LIMITS = config().limits
CheckId = Literal[tuple(c.id for c in config().checks)]  # type: ignore[valid-type]


class _Answer(BaseModel):
    model_config = ConfigDict(extra="forbid")


def _at_most(value: str, limit: int, what: str) -> None:
    if len(value) > limit:
        raise ValueError(f"{what} 超过 {limit} 字")


class Issue(_Answer):
    """One failed check on one item."""

    item: str = Field(description="条目编号，如 p1、c2、m3（只能用给出的编号）")
    check: CheckId = Field(description="检查项编号，如 Q4")
    quote: str = Field(description="从该条目原文中逐字复制的有问题的片段（不改一个字）")
    reason: str = Field(description="一句话说明为什么不合格")
    suggestion: str = Field(description="一句话说明应当怎样改")

    @model_validator(mode="after")
    def _limits(self) -> "Issue":
        if not self.quote.strip():
            raise ValueError("quote 不能为空")
        _at_most(self.quote, _LIMITS.get("max_quote_chars", 300), "quote")
        _at_most(self.reason, _LIMITS.get("max_reason_chars", 200), "reason")
        _at_most(self.suggestion, _LIMITS.get("max_suggestion_chars", 300), "suggestion")
        return self


class RuleVerdict(_Answer):
    """The model's view of one rule finding."""

    finding: str = Field(description="规则发现的编号，如 r1")
    verdict: Literal["confirm", "contradict"] = Field(description="confirm：同意；contradict：不同意")
    reason: str = Field(description="一句话理由")

    @model_validator(mode="after")
    def _limits(self) -> "RuleVerdict":
        _at_most(self.reason, _LIMITS.get("max_reason_chars", 200), "reason")
        return self


class CritiqueAnswer(_Answer):
    issues: list[Issue] = Field(description="不合格的检查项；全部合格时为空列表")
    rule_findings: list[RuleVerdict] = Field(description="对每条规则发现的判断；没有规则发现时为空列表")

    @model_validator(mode="after")
    def _limits(self) -> "CritiqueAnswer":
        limit = _LIMITS.get("max_issues", 60)
        if len(self.issues) > limit:
            raise ValueError(f"issues 超过 {limit} 条：只保留最重要的")
        return self


class Edit(_Answer):
    """Replace one flagged span."""

    finding: str = Field(description="要修改的问题编号，如 F1")
    original: str = Field(description="被修改的原文片段，从该问题标出的原文中逐字复制")
    replacement: str = Field(description="改写后的文字")


class Addition(_Answer):
    """A new measure for a problem that has none (rule DZ301 only)."""

    finding: str = Field(description="“问题没有对应的整改措施”的问题编号，如 F3（其他问题不能新增措施）")
    measure: str = Field(description="为该问题新增的一条整改措施：做什么、什么时候前完成、怎样检查；"
                                     "笔记里没有的事实写【待补：……】，不编造数字和日期")

    @model_validator(mode="after")
    def _limits(self) -> "Addition":
        if not self.measure.strip():
            raise ValueError("measure 不能为空")
        _at_most(self.measure, _LIMITS.get("max_measure_chars", 300), "measure")
        return self


def _all_required(schema: dict) -> None:
    """``additions`` may be missing from an answer (old answers stay valid), but the
    schema lists every property as required and carries no default (strict mode)."""
    schema["required"] = list(schema.get("properties", {}))
    for prop in schema.get("properties", {}).values():
        prop.pop("default", None)


class RevisionAnswer(_Answer):
    model_config = ConfigDict(extra="forbid", json_schema_extra=_all_required)

    edits: list[Edit] = Field(description="每处修改一项")
    additions: list[Addition] = Field(default_factory=list,
                                      description="为“问题没有对应的整改措施”的问题新增的措施，每个问题至多一条；"
                                                  "没有时为空列表")
