"""The document verdict (可提交 / 需修改 / 不达标) from findings and scores.

Thresholds live in ``lexicons/policy.yaml``.
"""

from __future__ import annotations

from service.review.finding import Finding
from service.review.lexicon import load

PASS, REVISE, FAIL = "可提交", "需修改", "不达标"


def verdict(findings: list[Finding], specificity: float | None) -> str:
    policy = load("policy")
    errors = [f for f in findings if f.severity == "error"]
    warnings = [f for f in findings if f.severity == "warning"]
    fail = policy["fail"]
    if any(f.category in fail["categories"] for f in errors):
        return FAIL
    if len(errors) >= fail["min_errors"]:
        return FAIL
    if specificity is not None and specificity < fail["max_specificity"]:
        return FAIL
    revise = policy["revise"]
    if errors or len(warnings) >= revise["min_warnings"]:
        return REVISE
    if any(f.category in revise.get("categories", ()) for f in findings):
        return REVISE
    return PASS
