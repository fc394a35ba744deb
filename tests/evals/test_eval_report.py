"""The report: one comparison row per model; baseline comparison semantics."""

import copy

from evals import baseline, report

SUMMARY = {"cases": 2, "ok": 2, "structure": 1.0, "specificity": 0.6, "coverage": 0.9, "grounding": 0.8,
           "grounding.grounded": 0.9, "grounding.facts_used": 0.8, "grounding.asks": 0.7, "no_template_copy": 1.0,
           "max_similarity": 0.1, "tokens_total": 100, "cost_usd_total": None, "backend_calls_total": 4,
           "revision_rounds_total": 1}


def _case(cid, model, ok=True):
    scores = {k: {"value": 0.5, "explanation": "说明"} for k in
              ("structure", "specificity", "coverage", "grounding", "no_template_copy", "similarity", "tokens",
               "cost_usd", "backend_calls", "revision_rounds", "revision_effect")}
    return {"id": cid, "model": model, "title": "t", "member": "普通党员", "workplace": "学校",
            "structure": "org-life-2021", "thin": False, "response_quality": "good", "origin": "recorded",
            "cassette": "x", "ok": ok, "error": None if ok else "回放失败", "verdict": "可提交", "scores": scores}


def _report():
    return {
        "mode": "replay", "record": False, "created": "2026-01-01T00:00:00+00:00", "runtime_s": 1.0,
        "models": ["a/m1", "b/m2"], "api_base": None, "versions": {}, "prompts": {},
        "reviewer": {"items": 1, "documents": 0, "constraints": 2, "elapsed_s": 0.1,
                     "micro": {"precision": 0.9, "recall": 0.9, "f1": 0.9, "tp": 9, "fp": 1, "fn": 1, "tn": 9},
                     "categories": {"formulaic": {"precision": 0.9, "recall": 0.9, "f1": 0.9, "support": 10,
                                                  "tp": 9, "fp": 1, "fn": 1, "tn": 9}},
                     "verdicts": {"agree": 0, "total": 0, "cases": []}, "misjudged": [], "samples": []},
        "drafting": {"cases": [_case("c1", "a/m1"), _case("c2", "a/m1"), _case("c1", "b/m2"), _case("c2", "b/m2")],
                     "summary": {"a/m1": dict(SUMMARY), "b/m2": dict(SUMMARY, specificity=0.3)},
                     "similarity": {"a/m1": {"max": None, "pairs": 1, "method": "m"},
                                    "b/m2": {"max": None, "pairs": 1, "method": "m"}}},
        "critique": {"status": "not_available", "reason": "无"},
    }


def test_markdown_has_one_comparison_row_per_model_and_says_unknown_cost():
    md = report.markdown(_report())
    rows = [line for line in md.splitlines() if line.startswith("| a/m1 |") or line.startswith("| b/m2 |")]
    assert len([r for r in rows if "| 2 | 2 |" in r]) == 2
    assert "未知" in md and "未运行" in md


def test_baseline_round_trip_and_tolerance():
    rep = _report()
    base = baseline.from_report(rep)
    assert baseline.compare(rep, base)["failures"] == []
    worse = copy.deepcopy(rep)
    worse["reviewer"]["micro"]["f1"] = 0.87          # −0.03 > 0.02
    worse["drafting"]["summary"]["a/m1"]["grounding"] = 0.76   # −0.04 ≤ 0.05: tolerated
    worse["drafting"]["cases"][0] = _case("c1", "a/m1", ok=False)
    fails = baseline.compare(worse, base)["failures"]
    assert any("微平均 F1" in f for f in fails)
    assert not any("grounding" in f for f in fails)
    assert any("c1" in f and "回放失败" in f for f in fails)
    better = copy.deepcopy(rep)
    better["drafting"]["summary"]["b/m2"]["specificity"] = 0.5
    res = baseline.compare(better, base)
    assert res["failures"] == [] and any("specificity" in s for s in res["improvements"])


def test_live_results_cannot_become_the_baseline():
    rep = _report()
    rep["mode"] = "live"
    try:
        baseline.from_report(rep)
    except ValueError as exc:
        assert "回放" in str(exc)
    else:
        raise AssertionError("a live run must not become the baseline")
