"""Merge the model's answer into a review result.

- An issue is kept only when its item exists, the check applies to that kind of item,
  and its quote is found verbatim in that item: everything else is dropped (and
  counted, with why, in ``critique.dropped``).
- The same span and category is reported once: an issue that overlaps a rule finding
  of the same category on the same item is not added; it confirms that rule finding.
- The model's view of a rule finding is shown on it (``llm_verdict``: ``confirms`` |
  ``contradicts``, ``llm_reason``). A contradiction never removes or changes a rule
  finding: the rule findings stay exactly as the rules made them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from service.critique.checks import config
from service.critique.locate import find_quote
from service.critique.schema import CritiqueAnswer
from service.prompts import as_data
from service.review.finding import Finding

if TYPE_CHECKING:  # pragma: no cover
    from service.review.engine import ReviewResult

_SEVERITY_ORDER = {"error": 0, "warning": 1, "info": 2}
DROP_REASONS = {"no_item": "条目不存在", "wrong_kind": "检查项不适用于该条目",
                "quote_not_found": "引文不在该条目原文中", "duplicate": "与已有发现重复",
                "unknown_finding": "规则发现编号不存在"}


@dataclass
class Merged:
    added: list[Finding] = field(default_factory=list)
    confirmed: int = 0
    contradicted: int = 0
    dropped: list[dict] = field(default_factory=list)


def _overlap(a: Finding, s: int, e: int) -> bool:
    return a.start < e and s < a.end or (a.start == s and a.end == e)


def merge(result: "ReviewResult", answer: CritiqueAnswer, rule_ids: dict[str, Finding]) -> Merged:
    """Apply ``answer`` to ``result`` in place (findings, verdict); ``rule_ids`` maps
    the ids shown to the model (r1, …) to the rule findings."""
    from service.review.verdict import verdict as decide_verdict

    checks = config().by_id()
    doc = result.doc
    items = {it.id: it for it in doc.items}
    out = Merged()

    for v in answer.rule_findings:
        f = rule_ids.get(v.finding)
        if f is None:
            out.dropped.append({"finding": as_data(v.finding)[:20], "why": DROP_REASONS["unknown_finding"]})
            continue
        f.extra["llm_verdict"] = "confirms" if v.verdict == "confirm" else "contradicts"
        f.extra["llm_reason"] = as_data(v.reason)

    rules = [f for f in result.findings if f.source == "rules"]
    for issue in answer.issues:
        check = checks[issue.check]
        item = items.get(issue.item)
        where = {"item": as_data(issue.item)[:20], "check": issue.check}
        if item is None:
            out.dropped.append({**where, "why": DROP_REASONS["no_item"]})
            continue
        if item.kind != check.applies:
            out.dropped.append({**where, "why": DROP_REASONS["wrong_kind"]})
            continue
        o_start, o_end = doc.norm.orig_span(item.start, item.end)
        span = find_quote(doc, issue.quote, o_start, o_end)
        if span is None:
            out.dropped.append({**where, "why": DROP_REASONS["quote_not_found"]})
            continue
        s, e = span
        same = next((f for f in rules if f.category == check.category and f.item == item.id and _overlap(f, s, e)),
                    None)
        if same is not None:
            if "llm_verdict" not in same.extra:
                same.extra["llm_verdict"] = "confirms"
                same.extra["llm_reason"] = as_data(issue.reason)
            out.dropped.append({**where, "why": DROP_REASONS["duplicate"]})
            continue
        if any(f.category == check.category and _overlap(f, s, e) for f in out.added):
            out.dropped.append({**where, "why": DROP_REASONS["duplicate"]})
            continue
        out.added.append(Finding(
            rule=check.rule, category=check.category, severity=check.severity, start=s, end=e,
            message=f"{check.message}：{as_data(issue.reason)}", suggestion=as_data(issue.suggestion),
            item=item.id, source="llm", extra={"rubric": check.rubric}))

    out.confirmed = sum(1 for f in rules if f.extra.get("llm_verdict") == "confirms")
    out.contradicted = sum(1 for f in rules if f.extra.get("llm_verdict") == "contradicts")
    findings = result.findings + out.added
    findings.sort(key=lambda f: (f.start, _SEVERITY_ORDER[f.severity], f.rule))
    result.findings = findings
    spec = result.scores.get("specificity") if result.specificity else None
    result.verdict = decide_verdict(findings, spec)
    return out
