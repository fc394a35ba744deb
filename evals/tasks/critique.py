"""Critique task: the LLM critique pass (``service.critique``) on the labelled reviewer
documents, with the model's answers replayed from ``evals/cassettes/<model>/critique/``.

Solver: ``review(text, structure, notes)`` (the rules), then
``service.critique.critic.critique(result, notes, backend)`` — a separate model
context that answers the judgement checks item by item, validated with pydantic and
re-asked on invalid output; issues whose quote is not in the item are dropped.

Scorers, per document:

- ``status``: 1 when the critique ran (``ok``), 0 when it was ``unavailable`` (the
  reason is the explanation);
- ``quotes_kept``: share of the model's issues that survived the merge (a quote not
  found verbatim in its item, an unknown item or a check that does not apply is
  dropped: the product never shows an unverifiable quote);
- ``labels``: the document's labels (``datasets/reviewer/docs/*.labels.yaml``, same
  semantics as the reviewer task) checked against the rule findings alone and against
  rules + critique; the suite reports both micro P/R/F1, so the critique's gain (or
  harm) is measured, not assumed;
- ``attempts``, ``tokens``, ``cost_usd``: re-asks and spend.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import yaml

from evals.dataset import DATASETS, Sample, load_reviewer_docs
from evals.scorers import Score
from evals.scorers import reviewer as rscore
from evals.tasks.replay import CaseRun, run_with_cassette

NAME = "critique"
RESPONSES = DATASETS / "critique" / "responses"


def available() -> bool:
    try:
        import service.critique.critic  # noqa: F401
    except ModuleNotFoundError:
        return False
    return True


# ---- the generator's view of this task (evals/make_cassettes.py) ---------------------------

def samples() -> list[Sample]:
    return load_reviewer_docs()


def doc_name(sample: Sample) -> str:
    return sample.id.split(":", 1)[1]


def cassette_name(sample: Sample) -> str:
    return f"critique/{doc_name(sample)}"


def responses_dir(sample: Sample) -> Path:
    return RESPONSES / doc_name(sample)


def response_files(sample: Sample) -> list[Path]:
    d = responses_dir(sample)
    return sorted(p for p in d.iterdir() if p.is_file()) if d.is_dir() else []


def prompt_ids(run: CaseRun) -> list[str]:
    crit = run.result.critique if run.result is not None else {}
    p = (crit or {}).get("prompt")
    return [p["id"]] if p else []


def describe(run: CaseRun) -> str:
    c = run.result.critique
    return (f"critique {c.get('status')}, added {c.get('findings')}, dropped {len(c.get('dropped') or [])}, "
            f"attempts {c.get('attempts')}, reason {c.get('reason')}")


# ---- solver ---------------------------------------------------------------------------------

def _notes(mapping: dict | None):
    if not mapping:
        return None
    from service.notes import load_notes

    return load_notes(yaml.safe_dump(mapping, allow_unicode=True))


class Solved:
    """The review before and after the critique (rule findings are kept as they were)."""

    def __init__(self, text: str, rules: list, result: Any):
        self.text, self.rules, self.result = text, rules, result

    @property
    def critique(self) -> dict:
        return self.result.critique


def solve(sample: Sample, backend) -> Solved:
    from service.critique.critic import critique
    from service.review.engine import review

    text = sample.input["text"]
    notes = _notes(sample.input["notes"])
    result = review(text, structure=sample.input["structure"], notes=notes)
    rules = list(result.findings)
    critique(result, notes, backend)
    return Solved(text, rules, result)


def run_case(sample: Sample, model: str, *, api_base: str | None = None, mode: str = "replay",
             record: bool = False, cassettes: Path | None = None) -> CaseRun:
    return run_with_cassette(sample, cassette_name(sample), model, lambda backend: solve(sample, backend),
                             api_base=api_base, mode=mode, record=record, cassettes=cassettes)


# ---- scorers --------------------------------------------------------------------------------

def score_case(sample: Sample, run: CaseRun) -> tuple[dict[str, Score], list[dict], list[dict]]:
    """(scores, outcomes with rules only, outcomes with rules + critique)."""
    solved: Solved = run.result
    constraints = rscore.doc_constraints(sample, solved.text)
    before = rscore.constraint_outcomes(solved.text, solved.rules, constraints)
    after = rscore.constraint_outcomes(solved.text, solved.result.findings, constraints)
    c = solved.critique or {}
    usage = c.get("usage") or {}
    ok = c.get("status") == "ok"
    scores: dict[str, Score] = {}
    if run.error:
        scores["status"] = Score(0.0, run.error)
    else:
        scores["status"] = Score(1.0 if ok else 0.0, "模型审读完成" if ok else (c.get("reason") or "不可用"))
    added, dropped = c.get("findings") or 0, c.get("dropped") or []
    kept_from_model = [d for d in dropped if d.get("why") != "与已有发现重复"]
    asked = added + len(kept_from_model)
    if ok:
        why = "；".join(f"{d.get('item', d.get('finding', '?'))}/{d.get('check', '')}：{d['why']}"
                       for d in kept_from_model[:5])
        scores["quotes_kept"] = Score(round(added / asked, 4) if asked else 1.0,
                                      f"模型提出 {asked} 条新问题，采纳 {added} 条" + (f"，丢弃：{why}" if why else "")
                                      + f"；确认规则发现 {c.get('confirmed', 0)} 条，反驳 {c.get('contradicted', 0)} 条",
                                      {"added": added, "dropped": dropped, "confirmed": c.get("confirmed"),
                                       "contradicted": c.get("contradicted")})
    else:
        scores["quotes_kept"] = Score(None, "模型审读不可用，没有可核对的引文")
    sat = lambda oc: sum(1 for o in oc if o["outcome"] in ("tp", "tn"))  # noqa: E731
    changed = [f"{o['category']} {a['outcome']}→{o['outcome']}" for a, o in zip(before, after)
               if a["outcome"] != o["outcome"]]
    scores["labels"] = Score(round(sat(after) / len(after), 4) if after else None,
                             f"标注约束满足：仅规则 {sat(before)}/{len(before)}，加模型审读 {sat(after)}/{len(after)}"
                             + (f"（变化：{'、'.join(changed)}）" if changed else ""),
                             {"rules_only": sat(before), "with_critique": sat(after), "constraints": len(after)})
    scores["attempts"] = Score(c.get("attempts"), f"结构化输出尝试 {c.get('attempts')} 次（含重问）；模式 {c.get('mode')}")
    scores["tokens"] = Score(usage.get("total_tokens"), f"词元 {usage.get('total_tokens')}；后端调用 {usage.get('calls')} 次")
    scores["cost_usd"] = Score(usage.get("cost_usd"), f"费用 {usage.get('cost_usd')}")
    return scores, before, after


def run(models: list[str], *, api_base: str | None = None, mode: str = "replay", record: bool = False,
        cassettes: Path | None = None) -> dict[str, Any]:
    """The critique section of the report (``status: not_available`` when the
    package is absent)."""
    if not available():
        return {"status": "not_available", "reason": "service/critique 不存在：模型审读任务未运行"}
    t0 = time.monotonic()
    docs, summary = [], {}
    for model in models:
        all_before, all_after = [], []
        for s in samples():
            r = run_case(s, model, api_base=api_base, mode=mode, record=record, cassettes=cassettes)
            scores, before, after = score_case(s, r)
            all_before += before
            all_after += after
            c = r.result.critique if r.result is not None else {}
            docs.append({"id": doc_name(s), "model": model, "origin": r.origin, "cassette": r.cassette,
                         "status": (c or {}).get("status"), "error": r.error,
                         "scores": {k: v.to_json() for k, v in scores.items()},
                         "prompt": ((c or {}).get("prompt") or {}).get("id"), "elapsed_s": round(r.elapsed, 2)})
        mine = [d for d in docs if d["model"] == model]
        summary[model] = {
            "documents": len(mine), "ok": sum(d["status"] == "ok" for d in mine),
            "rules_only": rscore.metrics(all_before)["micro"], "with_critique": rscore.metrics(all_after)["micro"],
            "quotes_kept": _mean(d["scores"]["quotes_kept"]["value"] for d in mine),
            "tokens_total": _sum(d["scores"]["tokens"]["value"] for d in mine),
            "cost_usd_total": _sum(d["scores"]["cost_usd"]["value"] for d in mine),
        }
    return {"status": "ran", "documents": docs, "summary": summary, "elapsed_s": round(time.monotonic() - t0, 2)}


def _mean(values) -> float | None:
    from evals.scorers import mean

    return mean(values)


def _sum(values) -> float | None:
    vals = list(values)
    return None if any(v is None for v in vals) else round(sum(vals), 6)
