"""Review task: the deterministic reviewer (``service.review.engine.review``) on the
labelled reviewer dev set (``evals/datasets/reviewer``).

Solver, as the set's README prescribes:

- ``problem``/``cause``/``measure`` items are embedded by :func:`evals.harness.embed`
  into the clean org-life-2021 harness document and reviewed with that structure;
- ``text`` items are reviewed as given, without a structure (the passage has no
  aspects; structure categories are out of scope for them), as a user would run
  ``duizhao review`` without ``--structure``;
- documents are reviewed with their labelled structure;
- notes are passed exactly when the case has them.
"""

from __future__ import annotations

import time
from typing import Any

import yaml

from evals.dataset import Sample, load_reviewer_docs, load_reviewer_items
from evals.scorers import reviewer as scorer

ITEM_STRUCTURE = "org-life-2021"


def _notes(mapping: dict | None):
    if not mapping:
        return None
    from service.notes import load_notes

    return load_notes(yaml.safe_dump(mapping, allow_unicode=True))


def solve_item(sample: Sample):
    """(document text, item span, review result)."""
    from evals.harness import embed
    from service.review.engine import review

    kind = sample.input["kind"]
    text, span = embed(kind, sample.input["text"])
    structure = None if kind == "text" else ITEM_STRUCTURE
    return text, span, review(text, structure=structure, notes=_notes(sample.input["notes"]))


def solve_doc(sample: Sample):
    from service.review.engine import review

    text = sample.input["text"]
    return text, review(text, structure=sample.input["structure"], notes=_notes(sample.input["notes"]))


def _misjudged(sample: Sample, text: str, span: tuple[int, int] | None, outcomes: list[dict]) -> list[dict]:
    out = []
    for o in outcomes:
        if o["outcome"] not in ("fn", "fp"):
            continue
        rec: dict[str, Any] = {"id": sample.id, "category": o["category"], "error": o["outcome"]}
        if sample.id.startswith("doc:"):
            rec["text"] = o.get("quote") or ""
            rec["where"] = sample.metadata["file"]
        else:
            rec["text"] = sample.input["text"].strip()
            rec["kind"] = sample.input["kind"]
            rec["why"] = sample.metadata.get("why", "")
        if o["outcome"] == "fp":
            rec["findings"] = o["evidence"]
        else:
            rec["instead"] = o.get("instead", [])
        out.append(rec)
    return out


def run(items: list[Sample] | None = None, docs: list[Sample] | None = None) -> dict[str, Any]:
    """Review every labelled case; return per-sample scores, metrics and the misjudged."""
    t0 = time.monotonic()
    items = load_reviewer_items() if items is None else items
    docs = load_reviewer_docs() if docs is None else docs
    samples, outcomes, misjudged, verdicts = [], [], [], []
    for s in items:
        text, span, result = solve_item(s)
        oc = scorer.constraint_outcomes(text, result.findings, scorer.item_constraints(s, span))
        outcomes += oc
        misjudged += _misjudged(s, text, span, oc)
        samples.append({"id": s.id, "kind": s.input["kind"], "score": scorer.score_sample(oc).to_json(),
                        "outcomes": [{k: o[k] for k in ("category", "label", "outcome")} for o in oc]})
    for s in docs:
        text, result = solve_doc(s)
        oc = scorer.constraint_outcomes(text, result.findings, scorer.doc_constraints(s, text))
        outcomes += oc
        misjudged += _misjudged(s, text, None, oc)
        samples.append({"id": s.id, "kind": "document", "score": scorer.score_sample(oc).to_json(),
                        "outcomes": [{k: o[k] for k in ("category", "label", "outcome")} for o in oc]})
        if s.target.get("verdict"):
            verdicts.append({"id": s.id, "expected": s.target["verdict"], "got": result.verdict,
                             "ok": s.target["verdict"] == result.verdict})
    m = scorer.metrics(outcomes)
    return {
        "items": len(items), "documents": len(docs), "constraints": len(outcomes),
        "categories": m["categories"], "micro": m["micro"],
        "verdicts": {"agree": sum(v["ok"] for v in verdicts), "total": len(verdicts), "cases": verdicts},
        "misjudged": misjudged, "samples": samples,
        "elapsed_s": round(time.monotonic() - t0, 2),
    }
