"""The verdict policy (lexicons/policy.yaml)."""

from service.review.finding import Finding
from service.review.verdict import FAIL, PASS, REVISE, verdict


def f(category="formulaic", severity="warning"):
    return Finding("DZ999", category, severity, 0, 1, "m", "s")


def test_clean_is_submittable():
    assert verdict([], 0.8) == PASS
    assert verdict([f(severity="info")], 0.8) == PASS


def test_errors_or_many_warnings_need_revision():
    assert verdict([f(severity="error")], 0.8) == REVISE
    assert verdict([f()] * 4, 0.8) == REVISE
    assert verdict([f()] * 3, 0.8) == PASS


def test_unfilled_placeholder_or_missing_case_analysis_is_never_submittable():
    assert verdict([f("placeholder", "info")], 0.9) == REVISE
    assert verdict([f("case_analysis_missing", "warning")], 0.9) == REVISE


def test_structure_missing_many_errors_or_vague_problems_fail():
    assert verdict([f("structure_missing", "error")], 0.9) == FAIL
    assert verdict([f(severity="error")] * 6, 0.9) == FAIL
    assert verdict([], 0.2) == FAIL
