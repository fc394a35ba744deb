"""Reviewer scorers: labelled constraints → outcomes → precision, recall, F1.

Label semantics (``datasets/reviewer/README.md``, followed exactly):

- an ``expect`` category needs at least one finding of that category overlapping the
  item's span (item cases), anywhere in the passage (``text`` cases), overlapping the
  quote (document entries with a quote) or anywhere (document entries without one);
- a ``forbid`` category must have no such finding;
- categories in neither list are unconstrained and never counted.

Every constraint becomes one *outcome*: ``tp`` (expected and found), ``fn`` (expected,
not found), ``fp`` (forbidden, found), ``tn`` (forbidden, not found). Per category:
precision = tp / (tp + fp), recall = tp / (tp + fn), F1 their harmonic mean, support =
tp + fn (the labelled positives); micro-averaged over all categories by summing the
counts. Precision is therefore measured on the *labelled* negatives (the forbids,
hard negatives included), not on every finding the reviewer makes: unlabelled
findings are unconstrained by the set's design. A ratio with a zero denominator is
``None`` ("—" in the report), never 0 or 1.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any, Iterable

from evals.scorers import Score

OUTCOMES = ("tp", "fn", "fp", "tn")


def _quote(text: str, start: int, end: int, limit: int = 60) -> str:
    s = text[start:end].replace("\r", "").replace("\n", "⏎")
    return s if len(s) <= limit else s[: limit - 1] + "…"


def _evidence(text: str, findings: Iterable[Any]) -> list[dict[str, Any]]:
    return [{"rule": f.rule, "category": f.category, "severity": f.severity, "start": f.start, "end": f.end,
             "span": _quote(text, f.start, f.end), "message": f.message} for f in findings]


def _overlapping(findings, start: int | None, end: int | None):
    if start is None:
        return list(findings)
    return [f for f in findings if f.start < end and f.end > start]


def _outcome(label: str, found: bool) -> str:
    if label == "expect":
        return "tp" if found else "fn"
    return "fp" if found else "tn"


def constraint_outcomes(text: str, findings: list, constraints: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One outcome per constraint ``{label: expect|forbid, category, start, end, quote}``
    (``start is None``: anywhere in the text)."""
    out = []
    for c in constraints:
        hits = [f for f in _overlapping(findings, c["start"], c["end"]) if f.category == c["category"]]
        o = _outcome(c["label"], bool(hits))
        rec: dict[str, Any] = {"category": c["category"], "label": c["label"], "outcome": o}
        if c.get("quote"):
            rec["quote"] = c["quote"]
        if o == "fp":
            rec["evidence"] = _evidence(text, hits)
        elif o == "fn":  # what the reviewer said there instead (helps read a miss)
            near = _overlapping(findings, c["start"], c["end"])
            rec["instead"] = sorted({f.category for f in near})
        out.append(rec)
    return out


def item_constraints(sample, span: tuple[int, int]) -> list[dict[str, Any]]:
    """Item cases: problem/cause/measure constrain findings overlapping the item's
    span; ``text`` cases constrain findings anywhere in the passage."""
    start, end = (None, None) if sample.input["kind"] == "text" else span
    return [{"label": label, "category": cat, "start": start, "end": end}
            for label in ("expect", "forbid") for cat in sample.target[label]]


def doc_constraints(sample, text: str) -> list[dict[str, Any]]:
    out = []
    for label in ("expect", "forbid"):
        for e in sample.target[label]:
            q = e.get("quote")
            if q:
                s = text.index(q)
                out.append({"label": label, "category": e["category"], "start": s, "end": s + len(q), "quote": q})
            else:
                out.append({"label": label, "category": e["category"], "start": None, "end": None})
    return out


def score_sample(outcomes: list[dict[str, Any]]) -> Score:
    """Share of a sample's constraints the reviewer satisfied, with the misses named."""
    if not outcomes:
        return Score(None, "该条没有约束")
    ok = sum(1 for o in outcomes if o["outcome"] in ("tp", "tn"))
    misses = [o for o in outcomes if o["outcome"] in ("fn", "fp")]
    if not misses:
        return Score(1.0, f"{len(outcomes)} 条约束全部满足")
    parts = []
    for o in misses:
        if o["outcome"] == "fn":
            parts.append(f"漏报 {o['category']}")
        else:
            rules = "、".join(sorted({e["rule"] for e in o["evidence"]}))
            parts.append(f"误报 {o['category']}（{rules}）")
    return Score(round(ok / len(outcomes), 4), "；".join(parts))


def _ratio(a: int, b: int) -> float | None:
    return round(a / b, 4) if b else None


def _prf(tp: int, fp: int, fn: int) -> dict[str, Any]:
    """F1 is None without labelled positives (recall undefined); with positives but no
    true positive it is 0."""
    p, r = _ratio(tp, tp + fp), _ratio(tp, tp + fn)
    if r is None:
        f1 = None
    elif tp == 0:
        f1 = 0.0
    else:
        f1 = round(2 * p * r / (p + r), 4)
    return {"precision": p, "recall": r, "f1": f1}


def metrics(all_outcomes: Iterable[dict[str, Any]]) -> dict[str, Any]:
    """``{"categories": {cat: {precision, recall, f1, support, tp, fp, fn, tn}}, "micro": {...}}``."""
    counts: dict[str, dict[str, int]] = defaultdict(lambda: dict.fromkeys(OUTCOMES, 0))
    for o in all_outcomes:
        counts[o["category"]][o["outcome"]] += 1
    cats = {}
    for cat in sorted(counts):
        c = counts[cat]
        cats[cat] = {**_prf(c["tp"], c["fp"], c["fn"]), "support": c["tp"] + c["fn"], **c}
    tot = {k: sum(c[k] for c in counts.values()) for k in OUTCOMES}
    micro = {**_prf(tot["tp"], tot["fp"], tot["fn"]), "support": tot["tp"] + tot["fn"], **tot}
    return {"categories": cats, "micro": micro}
