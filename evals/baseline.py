"""The committed baseline (``evals/baseline.json``) and the regression check against it.

A replay run is deterministic (the model responses are fixed), so every drop is caused
by a change in the repository: the rules, the pipeline, the prompts or the scorers.
Tolerances (``TOLERANCE``, stored in the baseline file too):

- reviewer micro F1 may drop by at most 0.02 (a category losing one true positive
  out of ~270 costs ~0.004);
- each drafting quality score (mean over the cases of a model: structure, specificity,
  coverage, grounding, no_template_copy) may drop by at most 0.05, and the largest
  cross-member similarity may rise by at most 0.05;
- every drafting case that succeeded in the baseline must still succeed;
- the critique's micro F1 (rules + critique, on the labelled documents) may drop by at
  most 0.05.

A per-category reviewer F1 drop of more than 0.10 is reported as a warning (it is
also visible in the micro F1). Improvements never fail; they are listed so that the
baseline can be raised deliberately:

    .venv/bin/duizhao eval --update-baseline      # replay mode only; then review the diff
"""

from __future__ import annotations

import datetime as _dt
import json
from pathlib import Path
from typing import Any

from evals.tasks.draft import QUALITY_SCORES

BASELINE = Path(__file__).resolve().parent / "baseline.json"
TOLERANCE = {"reviewer_micro_f1": 0.02, "reviewer_category_f1_warn": 0.10, "drafting_score": 0.05,
             "max_similarity": 0.05, "critique_f1": 0.05}


def load(path: Path = BASELINE) -> dict[str, Any]:
    return json.loads(path.read_text(encoding="utf-8"))


def from_report(rep: dict[str, Any]) -> dict[str, Any]:
    """The baseline a report implies (replay runs only)."""
    if rep["mode"] != "replay":
        raise ValueError("只有回放（replay）模式的结果可以作为基线")
    out: dict[str, Any] = {
        "format": 1, "updated": _dt.date.today().isoformat(), "tolerance": dict(TOLERANCE),
        "note": ("由 duizhao eval --update-baseline 从回放结果生成；更新前请在评审中说明分数为何变化。"
                 "Generated from a replay run; explain score changes in review before committing."),
        "prompts": {k: v["id"] for k, v in rep.get("prompts", {}).items()},
    }
    if "reviewer" in rep:
        r = rep["reviewer"]
        out["reviewer"] = {"micro": {k: r["micro"][k] for k in ("precision", "recall", "f1")},
                           "categories": {c: v["f1"] for c, v in r["categories"].items()}}
    if "drafting" in rep:
        d = {}
        for model, s in rep["drafting"]["summary"].items():
            d[model] = {k: s[k] for k in QUALITY_SCORES}
            d[model]["max_similarity"] = s["max_similarity"]
            d[model]["cases_ok"] = sorted(c["id"] for c in rep["drafting"]["cases"] if c["model"] == model and c["ok"])
        out["drafting"] = d
    crit = rep.get("critique") or {}
    if crit.get("status") == "ran":
        out["critique"] = {m: {"with_critique_f1": s["with_critique"]["f1"], "rules_only_f1": s["rules_only"]["f1"]}
                           for m, s in crit["summary"].items()}
    return out


def save(rep: dict[str, Any], path: Path = BASELINE) -> dict[str, Any]:
    base = from_report(rep)
    path.write_text(json.dumps(base, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    return base


def _drop(now: float | None, then: float | None) -> float | None:
    if now is None or then is None:
        return None
    return round(then - now, 4)


def compare(rep: dict[str, Any], base: dict[str, Any]) -> dict[str, list[str]]:
    """``{"failures": [...], "warnings": [...], "improvements": [...]}`` (Chinese lines)."""
    tol = {**TOLERANCE, **(base.get("tolerance") or {})}
    fails: list[str] = []
    warns: list[str] = []
    better: list[str] = []
    if "reviewer" in base and "reviewer" in rep:
        now, then = rep["reviewer"]["micro"]["f1"], base["reviewer"]["micro"]["f1"]
        d = _drop(now, then)
        if d is not None and d > tol["reviewer_micro_f1"]:
            fails.append(f"审读器微平均 F1 从 {then} 降到 {now}（容差 {tol['reviewer_micro_f1']}）")
        elif d is not None and d < -0.005:
            better.append(f"审读器微平均 F1 从 {then} 升到 {now}")
        for cat, f1 in base["reviewer"]["categories"].items():
            c = rep["reviewer"]["categories"].get(cat)
            dd = _drop(c["f1"] if c else None, f1)
            if dd is not None and dd > tol["reviewer_category_f1_warn"]:
                warns.append(f"审读器类别 {cat} 的 F1 从 {f1} 降到 {c['f1']}")
    for model, b in (base.get("drafting") or {}).items():
        s = (rep.get("drafting") or {}).get("summary", {}).get(model)
        if s is None:
            if "drafting" in rep:
                fails.append(f"起草：基线中的模型 {model} 这次没有评测")
            continue
        for k in QUALITY_SCORES:
            d = _drop(s.get(k), b.get(k))
            if d is not None and d > tol["drafting_score"]:
                fails.append(f"起草（{model}）{k} 均值从 {b[k]} 降到 {s[k]}（容差 {tol['drafting_score']}）")
            elif d is not None and d < -0.01:
                better.append(f"起草（{model}）{k} 均值从 {b[k]} 升到 {s[k]}")
        if b.get("max_similarity") is not None and s.get("max_similarity") is not None:
            rise = round(s["max_similarity"] - b["max_similarity"], 4)
            if rise > tol["max_similarity"]:
                fails.append(f"起草（{model}）跨成员最大相似度从 {b['max_similarity']} 升到 {s['max_similarity']}")
        ok_now = {c["id"] for c in rep["drafting"]["cases"] if c["model"] == model and c["ok"]}
        lost = sorted(set(b.get("cases_ok") or []) - ok_now)
        if lost:
            reasons = {c["id"]: c["error"] for c in rep["drafting"]["cases"] if c["model"] == model}
            fails += [f"起草（{model}）案例 {cid} 失败：{reasons.get(cid) or '没有运行'}" for cid in lost]
    crit = rep.get("critique") or {}
    for model, b in (base.get("critique") or {}).items():
        if crit.get("status") != "ran":
            continue
        s = crit["summary"].get(model)
        if s is None:
            fails.append(f"模型审读：基线中的模型 {model} 这次没有评测")
            continue
        d = _drop(s["with_critique"]["f1"], b["with_critique_f1"])
        if d is not None and d > tol["critique_f1"]:
            fails.append(f"模型审读（{model}）加审读后的 F1 从 {b['with_critique_f1']} 降到 {s['with_critique']['f1']}")
    return {"failures": fails, "warnings": warns, "improvements": better}
