"""What a stored draft keeps of its revision rounds (``drafts.revision``).

The pipeline hands over ``Revision.to_json()`` (:mod:`service.critique.revise`):
every round with its full review, edits, rejected edits, usage and prompt. The row
keeps only what a member needs to see what each round changed, so rows stay small
(the final review is stored in ``drafts.review`` already)::

    {"rounds": [{"round": 0, "text": "…", "diff": null, "verdict": "需修改",
                 "scores": {"specificity": 0.4, …}, "findings": {"error": 2, "warning": 1, "info": 0}},
                {"round": 1, "text": "…", "diff": "--- 第0轮\\n+++ 第1轮\\n@@ …", "verdict": "需修改",
                 "scores": {…}, "findings": {"error": 0, "warning": 1, "info": 0}}],
     "best": 1, "stopped": "converged", "message": "阻断性问题已全部解决", "max_rounds": 2}

Round 0 is the first draft (``diff`` null); ``diff`` of round n is the sentence-by-sentence unified diff
against round n − 1. ``best`` is the index of the round whose text is the draft's
``text``. ``stopped`` is a stable code (``STOP_REASONS`` in service.critique.revise),
``message`` its Chinese explanation. Pure data shaping: nothing is logged here.
"""

from __future__ import annotations

from typing import Any

SEVERITIES = ("error", "warning", "info")


def _round(r: dict[str, Any]) -> dict[str, Any]:
    review = r.get("review") if isinstance(r.get("review"), dict) else {}
    findings = review.get("findings") or []
    counts = {s: sum(1 for f in findings if isinstance(f, dict) and f.get("severity") == s) for s in SEVERITIES}
    return {"round": int(r.get("round", 0)), "text": r.get("text") or "", "diff": r.get("diff"),
            "verdict": review.get("verdict"), "scores": dict(review.get("scores") or {}), "findings": counts}


def stored_revision(revision: dict[str, Any] | None) -> dict[str, Any] | None:
    """The stored form of a pipeline revision (``Revision.to_json()``); None stays None."""
    if not revision:
        return None
    return {"rounds": [_round(r) for r in revision.get("rounds") or []],
            "best": int(revision.get("best", 0)), "stopped": revision.get("stopped"),
            "message": revision.get("message"), "max_rounds": int(revision.get("max_rounds", 0))}
