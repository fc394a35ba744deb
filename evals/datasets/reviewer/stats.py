"""Validate the reviewer development set and print per-category counts.

Usage: python evals/datasets/reviewer/stats.py [--markdown]

Checks: every YAML file loads; item ids are unique; kinds and categories are from the fixed
vocabulary (design.md); every {category, quote} in docs/*.labels.yaml is an exact substring of its
document (decoded as UTF-8 with a leading BOM dropped, newlines untouched).
Exit status 1 on any validation error.
"""
import collections
import pathlib
import sys

import yaml

HERE = pathlib.Path(__file__).resolve().parent
CATEGORIES = {
    "structure_missing", "structure_extra", "numbering", "formulaic", "disguised_praise",
    "suggestion_not_criticism", "not_own_problem", "work_report", "objective_excuse",
    "cause_gap", "unmatched_problem", "orphan_measure", "vague_measure", "last_year_missing",
    "feedback_unaddressed", "case_analysis_missing", "nonstandard_term", "ungrounded_fact",
    "quotation_unverified", "template_copy", "length_balance", "register", "confidential",
    "ai_flavour", "placeholder", "pinyin_substitution", "typo",
}
KINDS = {"problem", "cause", "measure", "text"}
STRUCTURES = {"org-life-2021", "org-life-2022", "dem-life-2022", "org-life-2023-theme",
              "dem-life-2023-theme", "org-life-2024", "dem-life-2024", "dem-life-2025"}
TEXT_HEADINGS = ("一、查摆问题", "二、原因剖析", "三、整改措施")
# id prefix -> the category the family targets; <prefix>-1xx ids are that family's hard negatives
FAMILY = {
    "fm": ["formulaic"], "dp": ["disguised_praise"], "sg": ["suggestion_not_criticism"],
    "oe": ["objective_excuse"], "no": ["not_own_problem"], "wr": ["work_report"],
    "vm": ["vague_measure"], "nt": ["nonstandard_term"], "ty": ["typo"],
    "py": ["pinyin_substitution"], "ph": ["placeholder"], "rg": ["register"],
    "cf": ["confidential"], "tc": ["template_copy"], "ai": ["ai_flavour"],
    "uf": ["ungrounded_fact"], "cg": ["cause_gap"], "lb": ["length_balance"],
    "um": ["unmatched_problem"], "om": ["orphan_measure"], "fb": ["feedback_unaddressed"],
    "ly": ["last_year_missing"], "mx": ["unmatched_problem", "orphan_measure"],
}


def load_items(errors):
    items = yaml.safe_load((HERE / "items.yaml").read_text(encoding="utf-8"))
    seen = set()
    for it in items:
        iid = it.get("id")
        if iid in seen:
            errors.append(f"duplicate id {iid}")
        seen.add(iid)
        if it.get("kind") not in KINDS:
            errors.append(f"{iid}: bad kind {it.get('kind')}")
        if not isinstance(it.get("text"), str) or not it["text"].strip():
            errors.append(f"{iid}: empty text")
        if not it.get("why"):
            errors.append(f"{iid}: missing why")
        for key in ("expect", "forbid"):
            for c in it.get(key) or []:
                if c not in CATEGORIES:
                    errors.append(f"{iid}: unknown category {c} in {key}")
        both = set(it.get("expect") or []) & set(it.get("forbid") or [])
        if both:
            errors.append(f"{iid}: category both expected and forbidden: {both}")
        if it.get("kind") == "text":
            for h in TEXT_HEADINGS:
                if h not in it["text"]:
                    errors.append(f"{iid}: text case lacks heading {h}")
        notes = it.get("notes")
        if notes is not None and (not notes.get("role") or not notes.get("facts")):
            errors.append(f"{iid}: notes need role and facts")
    return items


def problems_causes_share(text):
    """Share of the body (after the title line) taken by 查摆 + 剖析 in a `text` case."""
    body = text.split("\n", 1)[1]
    return (body.index("三、整改措施") - body.index("一、查摆问题")) / len(body.strip())


def check_length_balance(items, errors):
    for it in items:
        if it["id"].startswith("lb-"):
            share = problems_causes_share(it["text"])
            if it["id"].startswith("lb-0") and share > 0.25:
                errors.append(f"{it['id']}: positive but 查摆+剖析 share is {share:.2f}")
            if it["id"].startswith("lb-1") and share < 0.6:
                errors.append(f"{it['id']}: negative but 查摆+剖析 share is {share:.2f}")


def load_docs(errors):
    docs = []
    for lab in sorted((HERE / "docs").glob("*.labels.yaml")):
        name = lab.name[: -len(".labels.yaml")]
        txt_path = lab.with_name(name + ".txt")
        if not txt_path.exists():
            errors.append(f"{lab.name}: no document {txt_path.name}")
            continue
        text = txt_path.read_bytes().decode("utf-8")
        if text.startswith("\ufeff"):
            text = text[1:]
        labels = yaml.safe_load(lab.read_text(encoding="utf-8"))
        if labels.get("structure") not in STRUCTURES:
            errors.append(f"{lab.name}: unknown structure {labels.get('structure')}")
        for key in ("expect", "forbid"):
            for e in labels.get(key) or []:
                cat = e if isinstance(e, str) else e.get("category")
                if cat not in CATEGORIES:
                    errors.append(f"{lab.name}: unknown category {cat}")
                quote = None if isinstance(e, str) else e.get("quote")
                if quote is not None and quote not in text:
                    errors.append(f"{lab.name}: quote not in document: {quote!r}")
        docs.append((name, labels, text))
    return docs


def main():
    errors = []
    items = load_items(errors)
    docs = load_docs(errors)
    check_length_balance(items, errors)
    pos, neg, hard = collections.Counter(), collections.Counter(), collections.Counter()
    kinds = collections.Counter(it["kind"] for it in items)
    for it in items:
        pos.update(set(it.get("expect") or []))
        neg.update(set(it.get("forbid") or []))
        prefix, _, num = it["id"].partition("-")
        if prefix not in FAMILY:
            errors.append(f"{it['id']}: unknown id prefix")
        elif num.startswith("1"):
            for c in FAMILY[prefix]:
                if c not in (it.get("forbid") or []):
                    errors.append(f"{it['id']}: hard negative does not forbid {c}")
                hard[c] += 1
    dpos, dneg = collections.Counter(), collections.Counter()
    for _, labels, _ in docs:
        for e in labels.get("expect") or []:
            dpos[e if isinstance(e, str) else e["category"]] += 1
        for e in labels.get("forbid") or []:
            dneg[e if isinstance(e, str) else e["category"]] += 1
    md = "--markdown" in sys.argv
    print(f"items: {len(items)} ({', '.join(f'{k} {v}' for k, v in sorted(kinds.items()))}); "
          f"documents: {len(docs)}")
    if md:
        print("\n| category | item positives (expect) | item hard negatives (family 1xx) | items forbidding it (all) | doc expects | doc forbids |")
        print("|---|---:|---:|---:|---:|---:|")
    for c in sorted(CATEGORIES):
        row = (pos[c], hard[c], neg[c], dpos[c], dneg[c])
        if md:
            print("| " + " | ".join([c] + [str(x) for x in row]) + " |")
        else:
            print(f"{c:26s} pos {row[0]:3d}  hard-neg {row[1]:3d}  forbid {row[2]:3d}  doc+ {row[3]:2d}  doc- {row[4]:2d}")
    if errors:
        print("\nERRORS:", *errors, sep="\n  ", file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
