#!/usr/bin/env python3
"""Review every text the repository holds and write one JSON line per text: a golden
file for refactoring the reviewer without changing what it reports.

    .venv/bin/python scripts/golden_reviews.py > /tmp/before.jsonl
    # … change the code …
    .venv/bin/python scripts/golden_reviews.py > /tmp/after.jsonl && cmp /tmp/before.jsonl /tmp/after.jsonl
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from evals.harness import embed  # noqa: E402
from service.errors import InputError  # noqa: E402
from service.notes import load_notes  # noqa: E402
from service.review.engine import review  # noqa: E402


def texts():
    ds = ROOT / "evals" / "datasets"
    for case in yaml.safe_load((ds / "reviewer" / "items.yaml").read_text(encoding="utf-8")):
        doc, _ = embed(case.get("kind", "problem"), case["text"])
        notes = case.get("notes")
        yield case["id"], doc, notes
    for path in sorted(ds.rglob("*.txt")):
        yield str(path.relative_to(ROOT)), path.read_text(encoding="utf-8"), None
    for path in sorted((ROOT / "tests").rglob("*.txt")):
        yield str(path.relative_to(ROOT)), path.read_text(encoding="utf-8"), None
    for path in sorted((ROOT / "tests" / "review" / "examples").glob("*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for key in ("flag", "pass"):
            for i, case in enumerate(data.get(key) or []):
                doc, _ = embed(case.get("kind", "problem"), case["text"])
                yield f"{path.stem}-{key}-{i}", doc, case.get("notes")


def main() -> None:
    for name, text, notes in texts():
        try:
            n = load_notes(yaml.safe_dump(notes, allow_unicode=True)) if notes else None
            out = review(text, notes=n).to_json()
        except InputError as exc:
            out = {"error": str(exc)}
        except Exception as exc:  # a StructureError from notes etc.
            out = {"error": f"{type(exc).__name__}: {exc}"}
        sys.stdout.write(json.dumps({"name": name, "result": out}, ensure_ascii=False,
                                    sort_keys=True) + "\n")


if __name__ == "__main__":
    main()
