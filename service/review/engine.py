"""The review pipeline: text → normalized → document → rules → matches, scores, verdict.

``review()`` is the one entry point shared by the CLI, the HTTP API, drafting and the
evals. It is pure and offline (no litellm, no FastAPI) and fast: a 5,000-character
document takes a few milliseconds (BENCHMARKS.md).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from service.document import Document, parse
from service.errors import EmptyTextError, NotThisGenreError
from service.review import matching, specificity
from service.review.context import ReviewContext
from service.review.finding import Finding
from service.review.lexicon import load
from service.review.registry import all_rules
from service.review.verdict import verdict as decide_verdict

if TYPE_CHECKING:  # pragma: no cover
    from service.notes import RoleNotes
    from service.structures import Structure

_SEVERITY_ORDER = {"error": 0, "warning": 1, "info": 2}


@dataclass
class ReviewResult:
    """The review result of design.md (``to_json``), plus the parsed document."""

    doc: Document
    structure: "Structure | None"
    detection: dict | None
    findings: list[Finding]
    matches: list[dict]
    specificity: dict[str, float]
    scores: dict[str, float]
    verdict: str
    critique: dict = field(default_factory=lambda: {"status": "off", "model": None,
                                                    "reason": None})

    @property
    def text(self) -> str:
        return self.doc.norm.original

    def items_json(self) -> list[dict]:
        out = []
        for it in self.doc.items:
            s, e = self.doc.norm.orig_span(it.start, it.end)
            d: dict[str, Any] = {"id": it.id, "kind": it.kind, "aspect": it.aspect,
                                 "start": s, "end": e}
            if it.kind == "problem" and it.id in self.specificity:
                d["specificity"] = self.specificity[it.id]
            out.append(d)
        return out

    def to_json(self, path: str | None = None) -> dict:
        d: dict[str, Any] = {}
        if path is not None:
            d["path"] = path
        d["structure"] = self.structure.id if self.structure is not None else None
        if self.detection is not None:
            d["structure_detection"] = self.detection
        d["items"] = self.items_json()
        d["matches"] = self.matches
        d["findings"] = [f.to_json() for f in self.findings]
        d["scores"] = self.scores
        d["verdict"] = self.verdict
        d["critique"] = self.critique
        return d

    @property
    def has_errors(self) -> bool:
        return any(f.severity == "error" for f in self.findings)


def _check_genre(doc: Document) -> None:
    text = doc.norm.text
    if not text.strip():
        raise EmptyTextError("文本为空：没有可审读的内容。")
    if doc.sections:
        return
    policy = load("policy")
    hits = sum(1 for w in policy["genre_words"] if w in text)
    if hits < policy["genre_min_hits"]:
        raise NotThisGenreError(
            "这段文字看起来不是对照检查材料：没有找到“查摆问题、原因剖析、整改措施”等部分，"
            "也几乎没有这类材料的常用词。请确认文件是否选对。")


def _resolve_structure(structure, notes, doc: Document):
    """(structure, detection) from an explicit structure, the notes, or the text."""
    from service.structures import Structure, detect_structure, get_structure

    if isinstance(structure, Structure):
        return structure, None
    if isinstance(structure, str) and structure:
        return get_structure(structure), None
    sid = notes.structure_id() if notes is not None else None
    if sid:
        return get_structure(sid, allow_path=False), {
            "method": "notes", "confidence": 1.0,
            "reason": f"按角色笔记中指定的结构 {sid}"}
    det = detect_structure(doc.norm.text)
    info = {"method": "detected", "confidence": round(det.confidence, 2),
            "reason": det.reason}
    return det.structure, info


def review(text: str, structure: "Structure | str | None" = None,
           notes: "RoleNotes | None" = None) -> ReviewResult:
    """Review ``text`` (as the user gave it). Raises :class:`service.errors.InputError`
    subclasses for empty or off-genre text and ``StructureError`` for an unknown
    structure; everything else is a finding."""
    doc = parse(text)
    _check_genre(doc)
    struct, detection = _resolve_structure(structure, notes, doc)
    ctx = ReviewContext(doc=doc, structure=struct, notes=notes,
                        structure_confidence=detection["confidence"] if detection else 1.0)

    findings: list[Finding] = []
    for rule in all_rules():
        if rule.needs_notes and notes is None:
            continue
        findings.extend(rule.check(ctx, rule))
    findings = _dedupe(findings)
    findings.sort(key=lambda f: (f.start, _SEVERITY_ORDER[f.severity], f.rule))

    per_item = {it.id: round(specificity.item_score(ctx, it), 2) for it in doc.problems}
    doc_spec = round(sum(per_item.values()) / len(per_item), 2) if per_item else 0.0
    matches = matching.matches(ctx)
    matched = sum(1 for m in matches if m["measures"])
    coverage = round(matched / len(doc.problems), 2) if doc.problems else 0.0
    scores = {"specificity": doc_spec, "coverage": coverage}
    return ReviewResult(
        doc=doc, structure=struct, detection=detection, findings=findings,
        matches=matches, specificity=per_item, scores=scores,
        verdict=decide_verdict(findings, doc_spec if per_item else None),
    )


def _dedupe(findings: list[Finding]) -> list[Finding]:
    """Drop exact repeats: the same rule saying the same thing about the same span."""
    seen: set[tuple[str, int, int, str]] = set()
    out = []
    for f in findings:
        key = (f.rule, f.start, f.end, f.message)
        if key not in seen:
            seen.add(key)
            out.append(f)
    return out
