"""Draft task: member notes → the real drafting pipeline → scores.

Solver: ``service.drafting.draft`` with a real :class:`service.llm.Backend` (litellm
Router). In *replay* mode every HTTP request litellm makes is answered by vcrpy from
``evals/cassettes/<model>/<case>.yaml`` (record mode ``none``: a request that is not in
the cassette, e.g. because a prompt changed, fails the case loudly). In *live* mode the
backend is called for real, and with ``record=True`` the exchange is written to the
cassette (``origin: recorded``). The backend is built from fixed settings
(:data:`evals.tasks.replay.EVAL_SETTINGS`), so request bodies do not depend on the
environment.

The pipeline runs as design.md describes it, with the model critique and up to two
revision rounds (:data:`DRAFT_OPTIONS`), so the scorers see the final text and the
revision scores see what the rounds did.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import yaml

from evals.dataset import Sample
from evals.tasks.replay import (  # noqa: F401  (re-exported for the generator and tests)
    EVAL_SETTINGS, SHIPPED_MODELS, CaseRun, ReplayError, backend_for, run_with_cassette,
)

# The pipeline as design.md describes it: draft → review → critique → revise (≤ 2 rounds,
# only on evidence). Options the installed pipeline does not take are left out.
DRAFT_OPTIONS: dict[str, Any] = {"critique": True, "rounds": EVAL_SETTINGS["max_revision_rounds"]}


def notes_of(sample: Sample):
    from service.notes import load_notes

    return load_notes(yaml.safe_dump(sample.input["notes"], allow_unicode=True))


def draft_options() -> dict[str, Any]:
    import inspect

    from service.drafting import pipeline

    params = inspect.signature(pipeline.adraft_stream).parameters
    return {k: v for k, v in DRAFT_OPTIONS.items() if k in params}


def solve(sample: Sample, backend) -> Any:
    """The pipeline, with the options :data:`DRAFT_OPTIONS` (as far as it takes them)."""
    from service.drafting import draft

    return draft(notes_of(sample), structure=sample.input["structure"], backend=backend, **draft_options())


def note_names(samples: list[Sample]) -> list[str]:
    return [s.input["notes"].get(k) for s in samples for k in ("name", "姓名")
            if isinstance(s.input["notes"].get(k), str)]


# ---- the generator's view of this task (evals/make_cassettes.py) ---------------------------

NAME = "draft"


def samples() -> list[Sample]:
    from evals.dataset import load_drafting_cases

    return load_drafting_cases()


def cassette_name(sample: Sample) -> str:
    return sample.id


def responses_dir(sample: Sample) -> Path:
    from evals.dataset import RESPONSES

    return RESPONSES / sample.id


def response_files(sample: Sample) -> list[Path]:
    from evals.dataset import response_files as files

    return files(sample.id)


def prompt_ids(run: CaseRun) -> list[str]:
    return [p["id"] for p in (run.result.prompts if run.result is not None else [])]


def describe(run: CaseRun) -> str:
    r = run.result
    state = "ok" if r.error is None else f"error {r.error.get('code')}"
    rev = getattr(r, "revision", None) or {}
    crit = ((r.review or {}).get("critique") or {}).get("status")
    return (f"{state}, {len(r.text)} chars, verdict {(r.review or {}).get('verdict')}, critique {crit}, "
            f"revision {len(rev.get('rounds', [])) - 1 if rev else '-'} round(s) ({rev.get('stopped', '-')})")


def run_case(sample: Sample, model: str, *, api_base: str | None = None, mode: str = "replay",
             record: bool = False, cassettes: Path | None = None) -> CaseRun:
    """Run one drafting case (cassette ``<model>/<case id>.yaml``)."""
    return run_with_cassette(sample, sample.id, model, lambda backend: solve(sample, backend),
                             api_base=api_base, mode=mode, record=record, cassettes=cassettes,
                             names=note_names([sample]))


# ---- scoring ------------------------------------------------------------------------------

QUALITY_SCORES = ("structure", "specificity", "coverage", "grounding", "no_template_copy")
COST_SCORES = ("tokens", "cost_usd", "backend_calls", "revision_rounds", "revision_effect")


def score_case(run: CaseRun) -> dict[str, Any]:
    """Every per-case score of one run (the suite-level similarity is added later)."""
    from evals.scorers import Score
    from evals.scorers import drafting as D
    from service.document import parse
    from service.structures import get_structure

    r = run.result
    if r is None or r.error is not None or run.error:
        why = run.error or (r.error or {}).get("message") if r is not None else run.error
        return {name: Score(None, f"没有初稿：{why}") for name in QUALITY_SCORES + COST_SCORES}
    notes = notes_of(run.sample)
    structure = get_structure(r.structure)
    doc = parse(r.text)
    usage = D.usage_score(r)
    u = usage.details
    cost = "未知（模型不在价格表中，不按 0 计）" if u["cost_usd"] is None else f"${u['cost_usd']:.6f}"
    return {
        "structure": D.structure_score(doc, structure, notes),
        "specificity": D.specificity_score(r.review, r.text),
        "coverage": D.coverage_score(r.review, r.text),
        "grounding": D.grounding_score(doc, notes, structure, run.sample.target),
        "no_template_copy": D.template_copy_score(doc.norm.text),
        "tokens": usage,
        "cost_usd": Score(u["cost_usd"], f"费用 {cost}（{', '.join(u['models'])}）"),
        "backend_calls": Score(u["calls"], f"后端调用 {u['calls']} 次，HTTP 尝试 {u['attempts']} 次",
                               {"attempts": u["attempts"]}),
        "revision_rounds": D.revision_score(r),
        "revision_effect": revision_effect(run, doc, structure, notes),
    }


def revision_effect(run: CaseRun, final_doc, structure, notes):
    """The quality scores of the first draft (round 0) against the final text."""
    from evals.scorers import Score
    from evals.scorers import drafting as D
    from service.document import parse

    rev = getattr(run.result, "revision", None) or {}
    rounds = rev.get("rounds") or []
    if len(rounds) < 2:
        return Score(None, "没有修订，终稿即初稿")
    first = rounds[0]
    doc0 = parse(first["text"])
    before = {"specificity": D.specificity_score(first["review"], first["text"]).value,
              "coverage": D.coverage_score(first["review"], first["text"]).value,
              "grounding": D.grounding_score(doc0, notes, structure, run.sample.target).value,
              "no_template_copy": D.template_copy_score(doc0.norm.text).value}
    r = run.result
    after = {"specificity": D.specificity_score(r.review, r.text).value,
             "coverage": D.coverage_score(r.review, r.text).value,
             "grounding": D.grounding_score(final_doc, notes, structure, run.sample.target).value,
             "no_template_copy": D.template_copy_score(final_doc.norm.text).value}
    keys = [k for k in before if before[k] is not None and after[k] is not None]
    delta = round(sum(after[k] - before[k] for k in keys) / len(keys), 4) if keys else None
    parts = "，".join(f"{k} {before[k]}→{after[k]}" for k in keys)
    return Score(delta, f"修订前后（质量分变化均值 {delta:+.2f}）：{parts}", {"before": before, "after": after})


def case_json(run: CaseRun) -> dict[str, Any]:
    s, r = run.sample, run.result
    review = (r.review or {}) if r is not None else {}
    findings = review.get("findings") or []
    return {
        "id": s.id, "model": run.model, "title": s.metadata["title"], "member": s.metadata["member"],
        "workplace": s.metadata["workplace"], "structure": s.input["structure"], "thin": s.metadata["thin"],
        "response_quality": (s.metadata.get("response") or {}).get("quality"),
        "origin": run.origin, "cassette": run.cassette,
        "ok": bool(r is not None and r.error is None and not run.error),
        "error": run.error or ((r.error or {}).get("message") if r is not None and r.error else None),
        "verdict": review.get("verdict"),
        "findings": {sev: sum(1 for f in findings if f.get("severity") == sev) for sev in ("error", "warning", "info")},
        "chars": len(r.text) if r is not None else 0,
        "prompts": (r.prompts if r is not None else []),
        "usage": r.usage.to_json() if r is not None else None,
        "elapsed_s": round(run.elapsed, 2),
        "scores": {k: v.to_json() for k, v in run.scores.items()},
    }


def summarize(cases: list[dict[str, Any]]) -> dict[str, Any]:
    """Per model: the mean of every quality score, totals of tokens/cost/calls."""
    from evals.scorers import mean

    out: dict[str, Any] = {}
    for model in sorted({c["model"] for c in cases}):
        mine = [c for c in cases if c["model"] == model]
        row: dict[str, Any] = {"cases": len(mine), "ok": sum(c["ok"] for c in mine)}
        for name in QUALITY_SCORES:
            row[name] = mean(c["scores"][name]["value"] for c in mine)
        for part in ("grounded", "facts_used", "asks"):
            row[f"grounding.{part}"] = mean((c["scores"]["grounding"].get("details") or {}).get(part) for c in mine)
        sims = [c["scores"].get("similarity", {}).get("value") for c in mine]
        row["max_similarity"] = max((v for v in sims if v is not None), default=None)
        for name in ("tokens", "cost_usd", "backend_calls"):
            vals = [c["scores"][name]["value"] for c in mine]
            row[f"{name}_total"] = None if any(v is None for v in vals) else round(sum(vals), 6)
        row["revision_rounds_total"] = (None if any(c["scores"]["revision_rounds"]["value"] is None for c in mine)
                                        else sum(c["scores"]["revision_rounds"]["value"] for c in mine))
        out[model] = row
    return out


def run(models: list[str], *, api_base: str | None = None, mode: str = "replay", record: bool = False,
        samples: list[Sample] | None = None, cassettes: Path | None = None) -> dict[str, Any]:
    """Every drafting case under every model, scored; the drafting section of the report."""
    from evals.dataset import load_drafting_cases
    from evals.scorers import drafting as D

    t0 = time.monotonic()
    samples = load_drafting_cases() if samples is None else samples
    cases: list[dict[str, Any]] = []
    similarity: dict[str, Any] = {}
    for model in models:
        runs = []
        for s in samples:
            r = run_case(s, model, api_base=api_base, mode=mode, record=record, cassettes=cassettes)
            r.scores = score_case(r)
            runs.append(r)
        texts = {r.sample.id: r.result.text for r in runs
                 if r.result is not None and r.result.error is None and not r.error}
        cm = D.cross_member(texts)
        for r in runs:
            from evals.scorers import Score

            r.scores["similarity"] = cm["per_case"].get(r.sample.id, Score(None, "没有初稿，未参与比较"))
        similarity[model] = {"max": cm["max"], "pairs": cm["pairs"], "method": cm["method"]}
        cases += [case_json(r) for r in runs]
    return {"cases": cases, "summary": summarize(cases), "similarity": similarity,
            "elapsed_s": round(time.monotonic() - t0, 2)}
