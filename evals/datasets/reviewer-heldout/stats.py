"""Check the held-out reviewer set and print its counts.

    .venv/bin/python evals/datasets/reviewer-heldout/stats.py [--markdown]

Checks: the YAML loads; ids are unique and follow h<family>-0xx / h<family>-1xx; kinds and
categories come from the fixed vocabularies; no category is both expected and forbidden;
every hard negative (-1xx) forbids something; every `text` case has the three headings;
notes (when given) load as role notes. Exits 1 on any error.
"""

from __future__ import annotations

import re
import sys
from collections import Counter
from pathlib import Path

import yaml

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[2]
sys.path.insert(0, str(ROOT))

from service.review.finding import CATEGORIES  # noqa: E402

KINDS = {"problem", "cause", "measure", "text"}
HEADINGS = ("一、查摆问题", "二、原因剖析", "三、整改措施")
ID = re.compile(r"^h([a-z]{2})-([01])\d\d$")


def main(argv: list[str]) -> int:
    items = yaml.safe_load((HERE / "items.yaml").read_text(encoding="utf-8"))
    errors: list[str] = []
    seen: set[str] = set()
    pos, neg, forb, kinds = Counter(), Counter(), Counter(), Counter()
    for it in items:
        iid = it.get("id", "?")
        if iid in seen:
            errors.append(f"{iid}: duplicate id")
        seen.add(iid)
        m = ID.match(iid)
        if not m:
            errors.append(f"{iid}: id must look like h<family>-0xx or h<family>-1xx")
        if it.get("kind") not in KINDS:
            errors.append(f"{iid}: bad kind {it.get('kind')!r}")
        kinds[it.get("kind")] += 1
        exp, fb = set(it.get("expect") or []), set(it.get("forbid") or [])
        for c in exp | fb:
            if c not in CATEGORIES:
                errors.append(f"{iid}: unknown category {c!r}")
        if exp & fb:
            errors.append(f"{iid}: both expected and forbidden: {sorted(exp & fb)}")
        if not (exp or fb):
            errors.append(f"{iid}: no constraint")
        if m and m.group(2) == "1" and not fb:
            errors.append(f"{iid}: a hard negative must forbid its category")
        if not it.get("why"):
            errors.append(f"{iid}: missing why")
        if it.get("kind") == "text" and not all(h in it["text"] for h in HEADINGS):
            errors.append(f"{iid}: text case needs the three section headings")
        if it.get("notes"):
            from service.notes import parse_notes
            try:
                parse_notes(it["notes"])
            except Exception as exc:  # noqa: BLE001
                errors.append(f"{iid}: notes invalid: {exc}")
        elif "ungrounded_fact" in exp | fb:
            errors.append(f"{iid}: ungrounded_fact needs notes")
        for c in exp:
            pos[c] += 1
        for c in fb:
            forb[c] += 1
            if m and m.group(2) == "1":
                neg[c] += 1
    for e in errors:
        print("ERROR", e, file=sys.stderr)
    cats = sorted(set(pos) | set(forb))
    print(f"{len(items)} items (" + ", ".join(f"{k} {kinds[k]}" for k in ("problem", "cause", "measure", "text")) + f"); "
          f"{len(cats)} categories, {sum(1 for c in cats if pos[c])} with positives")
    if "--markdown" in argv:
        print("\n| category | positives (expect) | hard negatives (1xx forbids) | items forbidding it (all) |")
        print("|---|---:|---:|---:|")
        for c in cats:
            print(f"| {c} | {pos[c]} | {neg[c]} | {forb[c]} |")
    else:
        for c in cats:
            print(f"{c:28s} expect {pos[c]:3d}  hard-neg {neg[c]:3d}  forbid {forb[c]:3d}")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
