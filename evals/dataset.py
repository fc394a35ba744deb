"""Datasets: every evaluation case is a :class:`Sample` (``id``, ``input``, ``target``,
``metadata``), loaded from the files under ``evals/datasets/``.

- reviewer items (``datasets/reviewer/items.yaml``): input ``{kind, text, notes}``,
  target ``{expect, forbid}`` (categories), metadata ``{why, family}``.
- reviewer held-out items (``datasets/reviewer-heldout/items.yaml``): the same format
  as the reviewer items, item cases only (:func:`load_reviewer_heldout_items`).
- reviewer documents (``datasets/reviewer/docs/*.txt`` + ``.labels.yaml``): input
  ``{text, structure, notes}``, target ``{expect, forbid, verdict}`` where every entry is
  ``{category, quote|None}``.
- drafting cases (``datasets/drafting/*.yaml``): input ``{notes, structure}``, target
  ``{asks}``, metadata ``{title, member, workplace, thin, response}``; the hand-written
  model responses of a case live in ``datasets/drafting/responses/<id>/``.

The label semantics are those of ``datasets/reviewer/README.md``; nothing here
interprets them beyond loading.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

EVALS = Path(__file__).resolve().parent
DATASETS = EVALS / "datasets"
REVIEWER = DATASETS / "reviewer"
REVIEWER_HELDOUT = DATASETS / "reviewer-heldout"  # held-out test set: reported, never tuned on
DRAFTING = DATASETS / "drafting"
RESPONSES = DRAFTING / "responses"

MEMBER_KINDS = ("普通党员", "党小组长", "支部书记", "班子成员")


@dataclass(frozen=True)
class Sample:
    id: str
    input: dict[str, Any]
    target: dict[str, Any] = field(default_factory=dict)
    metadata: dict[str, Any] = field(default_factory=dict)


class DatasetError(ValueError):
    """A dataset file is malformed (a developer error: the message names the file)."""


def _read_yaml(path: Path) -> Any:
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise DatasetError(f"{path}: {exc}") from None


def read_document(path: Path) -> str:
    """A document as the review contract reads it: UTF-8, a leading BOM dropped,
    newlines left as written."""
    text = path.read_bytes().decode("utf-8")
    return text[1:] if text.startswith("\ufeff") else text


# ---- reviewer ---------------------------------------------------------------------------

def load_reviewer_items(path: Path | None = None) -> list[Sample]:
    data = _read_yaml(path or REVIEWER / "items.yaml") or []
    out = []
    for it in data:
        out.append(Sample(
            id=it["id"],
            input={"kind": it["kind"], "text": it["text"], "notes": it.get("notes")},
            target={"expect": list(it.get("expect") or []), "forbid": list(it.get("forbid") or [])},
            metadata={"why": it.get("why", ""), "family": it["id"].split("-", 1)[0]},
        ))
    return out


def load_reviewer_heldout_items(path: Path | None = None) -> list[Sample]:
    """The held-out reviewer test set (same label format; written without seeing the rules)."""
    return load_reviewer_items(path or REVIEWER_HELDOUT / "items.yaml")


def _entries(raw: list | None) -> list[dict[str, Any]]:
    out = []
    for e in raw or []:
        if isinstance(e, str):
            out.append({"category": e, "quote": None})
        else:
            out.append({"category": e["category"], "quote": e.get("quote")})
    return out


def load_reviewer_docs(directory: Path | None = None) -> list[Sample]:
    directory = directory or REVIEWER / "docs"
    out = []
    for lab in sorted(directory.glob("*.labels.yaml")):
        name = lab.name[: -len(".labels.yaml")]
        labels = _read_yaml(lab) or {}
        text = read_document(lab.with_name(name + ".txt"))
        out.append(Sample(
            id=f"doc:{name}",
            input={"text": text, "structure": labels.get("structure"), "notes": labels.get("notes")},
            target={"expect": _entries(labels.get("expect")), "forbid": _entries(labels.get("forbid")),
                    "verdict": labels.get("verdict")},
            metadata={"file": f"docs/{name}.txt"},
        ))
    return out


# ---- drafting ---------------------------------------------------------------------------

def load_drafting_cases(directory: Path | None = None) -> list[Sample]:
    directory = directory or DRAFTING
    out = []
    for path in sorted(directory.glob("*.yaml")):
        case = _read_yaml(path) or {}
        cid = case.get("id")
        if cid != path.stem:
            raise DatasetError(f"{path}: id {cid!r} must equal the file name")
        for key in ("title", "member", "workplace", "structure", "notes"):
            if not case.get(key):
                raise DatasetError(f"{path}: missing {key}")
        if case["member"] not in MEMBER_KINDS:
            raise DatasetError(f"{path}: member must be one of {MEMBER_KINDS}")
        expect = case.get("expect") or {}
        out.append(Sample(
            id=cid,
            input={"notes": case["notes"], "structure": case["structure"]},
            target={"asks": bool(expect.get("asks", False))},
            metadata={"title": case["title"], "member": case["member"], "workplace": case["workplace"],
                      "thin": bool(case.get("thin", False)), "response": case.get("response") or {}},
        ))
    return out


def response_files(case_id: str) -> list[Path]:
    """The hand-written responses of a case, in the order the pipeline asks for them
    (``01-draft.txt``, ``02-revise.txt`` …)."""
    d = RESPONSES / case_id
    return sorted(p for p in d.iterdir() if p.is_file()) if d.is_dir() else []
