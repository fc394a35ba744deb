"""The whole suite in replay mode, against the committed baseline (CI gate).

Fails when reviewer micro F1 or a drafting score drops beyond the tolerance stated in
``evals/baseline.py`` (and ``evals/README.md``). To accept a change deliberately:
``.venv/bin/duizhao eval --update-baseline``, review the diff of evals/baseline.json,
and say why in the commit message.
"""

import json

import pytest

from evals import baseline
from evals.dataset import MEMBER_KINDS
from evals.run import run_eval


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    out = tmp_path_factory.mktemp("eval")
    rep = run_eval(out, mode="replay")
    return rep, out


def test_report_files_and_required_keys(report):
    rep, out = report
    data = json.loads((out / "report.json").read_text(encoding="utf-8"))
    assert data["mode"] == "replay"
    assert {"draft", "critique", "revise"} <= set(data["prompts"])
    for p in data["prompts"].values():
        assert p["id"].startswith(p["id"].split("@")[0] + "@") and len(p["template_sha256"]) == 64
    cats = data["reviewer"]["categories"]
    assert all({"precision", "recall", "f1", "support"} <= set(v) for v in cats.values())
    assert {"precision", "recall", "f1"} <= set(data["reviewer"]["micro"])
    assert data["drafting"]["cases"] and all("scores" in c for c in data["drafting"]["cases"])
    md = (out / "report.md").read_text(encoding="utf-8")
    assert "手写" in md and "判错的条目" in md and "最差的案例" in md


def test_reviewer_set_is_large_enough(report):
    rep, _ = report
    r = rep["reviewer"]
    assert r["items"] >= 150
    assert sum(1 for c in r["categories"].values() if c["support"] > 0) >= 12
    assert any(s["id"].split("-")[1].startswith("1") for s in r["samples"] if s["kind"] != "document")


def test_drafting_cases_are_varied_and_all_replay(report):
    rep, _ = report
    cases = rep["drafting"]["cases"]
    assert len(cases) >= 12
    assert {c["member"] for c in cases} == set(MEMBER_KINDS)
    assert len({c["structure"] for c in cases}) >= 4
    assert sum(c["thin"] for c in cases) >= 2
    failed = [(c["id"], c["error"]) for c in cases if not c["ok"]]
    assert not failed, failed
    assert all(c["origin"] in ("hand-written", "recorded") for c in cases)
    # the pipeline ran its revision loop on some cases
    assert any((c["scores"]["revision_rounds"]["value"] or 0) > 0 for c in cases)
    for c in cases:
        for name, sc in c["scores"].items():
            assert sc["explanation"], (c["id"], name)


def test_no_regression_against_baseline(report):
    rep, _ = report
    result = baseline.compare(rep, baseline.load())
    assert not result["failures"], (
        "评测回归（超出 evals/baseline.py 中的容差）：\n" + "\n".join(result["failures"])
        + "\n若变化是有意的：.venv/bin/duizhao eval --update-baseline，审阅 evals/baseline.json 的差异后提交。")


def test_suite_is_fast(report):
    rep, _ = report
    assert rep["runtime_s"] < 300


def test_heldout_reviewer_set_is_reported_on_its_own(report):
    """The held-out test set (evals/datasets/reviewer-heldout) loads, is large and varied,
    appears in report.json / report.md as ``reviewer_heldout``, and is not gated."""
    from evals.dataset import load_reviewer_heldout_items

    rep, out = report
    items = load_reviewer_heldout_items()
    cats = {c for s in items for c in s.target["expect"] + s.target["forbid"]}
    assert len(items) >= 80 and len(cats) >= 12
    assert not {s.id for s in items} & {s["id"] for s in rep["reviewer"]["samples"]}
    data = json.loads((out / "report.json").read_text(encoding="utf-8"))
    h = data["reviewer_heldout"]
    assert h["items"] == len(items) and h["documents"] == 0
    assert sum(1 for c in h["categories"].values() if c["support"] > 0) >= 12
    assert all({"precision", "recall", "f1", "support"} <= set(v) for v in h["categories"].values())
    assert {"precision", "recall", "f1"} <= set(h["micro"]) and isinstance(h["misjudged"], list)
    assert "审读器（独立测试集）" in (out / "report.md").read_text(encoding="utf-8")
    assert "reviewer_heldout" not in baseline.from_report(rep)  # reported, never gated
