"""Table-driven should-flag / should-pass examples for every rule."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from evals.harness import embed
from service.notes import load_notes
from service.review.engine import review
from service.review.registry import all_rules

EXAMPLES = Path(__file__).parent / "examples"


def _cases():
    for rule in all_rules():
        path = EXAMPLES / f"{rule.code}.yaml"
        if not path.exists():
            continue
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for expect in ("flag", "pass"):
            for i, case in enumerate(data.get(expect) or []):
                yield pytest.param(rule.code, expect, case, id=f"{rule.code}-{expect}-{i}")


def test_every_rule_has_examples():
    missing = []
    for rule in all_rules():
        path = EXAMPLES / f"{rule.code}.yaml"
        if not path.exists():
            missing.append(f"{rule.code}: no {path.name}")
            continue
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for key in ("flag", "pass"):
            if not data.get(key):
                missing.append(f"{rule.code}: no '{key}' examples")
    assert not missing, "rules without examples:\n" + "\n".join(missing)


def _run(case):
    kind = case.get("kind", "problem")
    doc, (start, end) = embed(kind, case["text"])
    if case.get("quote"):
        start = doc.index(case["quote"])
        end = start + len(case["quote"])
    notes = load_notes(yaml.safe_dump(case["notes"], allow_unicode=True)) if case.get("notes") else None
    result = review(doc, structure=case.get("structure"), notes=notes)
    return kind, (start, end), result


@pytest.mark.parametrize("code,expect,case", list(_cases()))
def test_rule_example(code, expect, case):
    kind, (start, end), result = _run(case)
    own = [f for f in result.findings if f.rule == code]
    if kind != "text" or case.get("quote"):
        own = [f for f in own if f.start < end and f.end > start]
    if expect == "flag":
        assert own, f"{code} should flag: {case.get('why', '')}\n{case['text'][:200]}"
    else:
        assert not own, (f"{code} should pass: {case.get('why', '')}\n"
                         + "\n".join(f"{f.message} [{result.text[f.start:f.end]}]" for f in own))
