"""Run the suite and write one self-describing report.

    from evals.run import run_eval
    report = run_eval(Path("eval-out"), mode="replay", models=["deepseek/deepseek-chat"])

``mode``: ``replay`` (every model response from ``evals/cassettes``: offline,
deterministic; the default) or ``live`` (the models are called; ``record=True`` also
rewrites the cassettes). Writes ``report.json`` and ``report.md`` into ``out_dir``.
"""

from __future__ import annotations

import datetime as _dt
import os
import platform
import time
from pathlib import Path
from typing import Any

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
os.environ.setdefault("LITELLM_OFFLINE_MODE", "true")

MODES = ("replay", "live")


def prompt_hashes() -> dict[str, Any]:
    """Every prompt task's id and template hash (``service.prompts``)."""
    from service import prompts

    try:  # the critique package registers the critique and revise prompt tasks
        import service.critique.prompt  # noqa: F401
    except ModuleNotFoundError:
        pass
    out = {}
    for task, h in sorted(prompts.check_templates().items()):
        out[task] = {"id": f"{task}@{h[:12]}", "template_sha256": h,
                     "templates": list(prompts.TASKS[task][1])}
    return out


def _versions() -> dict[str, str]:
    from importlib.metadata import PackageNotFoundError, version

    out = {"python": platform.python_version()}
    for pkg in ("duizhao", "litellm", "vcrpy", "pytest-recording"):
        try:
            out[pkg] = version(pkg)
        except PackageNotFoundError:
            out[pkg] = "not installed"
    return out


def run_eval(out_dir: Path | str, mode: str = "replay", models: list[str] | None = None, *,
             api_base: str | None = None, record: bool = False, reviewer: bool = True,
             drafting: bool = True, critique: bool = True, cassettes: Path | None = None) -> dict[str, Any]:
    """Run the tasks, write ``report.json`` + ``report.md`` into ``out_dir``, return the report.
    ``cassettes``: another cassette root than ``evals/cassettes`` (tests)."""
    from evals import report as report_mod
    from evals.tasks import draft as draft_task

    if mode not in MODES:
        raise ValueError(f"mode must be one of {MODES}")
    if record and mode != "live":
        raise ValueError("record=True needs mode='live'")
    models = list(models or draft_task.SHIPPED_MODELS)
    t0 = time.monotonic()
    rep: dict[str, Any] = {
        "suite": "duizhao-evals", "format": 1, "mode": mode, "record": record,
        "created": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
        "models": models, "api_base": api_base, "prompts": prompt_hashes(), "versions": _versions(),
    }
    if reviewer:
        from evals.tasks import review as review_task

        from evals.dataset import load_reviewer_heldout_items

        rep["reviewer"] = review_task.run()
        # the held-out test set: reported on its own, never part of the baseline check
        rep["reviewer_heldout"] = review_task.run(items=load_reviewer_heldout_items(), docs=[])
    if drafting:
        rep["drafting"] = draft_task.run(models, api_base=api_base, mode=mode, record=record, cassettes=cassettes)
    if critique:
        from evals.tasks import critique as critique_task

        rep["critique"] = critique_task.run(models, api_base=api_base, mode=mode, record=record,
                                            cassettes=cassettes)
    rep["runtime_s"] = round(time.monotonic() - t0, 1)
    report_mod.write(rep, Path(out_dir))
    return rep
