"""Outline mode: deterministic, offline, every fact placed, questions where facts are
missing, a measure slot per problem, the reviewer's heading style."""

from __future__ import annotations

import pytest
from syrupy.extensions.single_file import SingleFileSnapshotExtension, WriteMode

from conftest import ROOT
from service.document import parse
from service.drafting.outline import outline, place
from service.notes import load_notes
from service.structures import get_structure, list_structures

EXAMPLES = sorted((ROOT / "examples" / "notes").glob("*.yaml"))


class MarkdownSnapshot(SingleFileSnapshotExtension):
    _write_mode = WriteMode.TEXT
    file_extension = "md"

    def serialize(self, data, **kwargs):
        return str(data)


def _case(path, structure=None):
    notes = load_notes(path)
    return notes, get_structure(structure or notes.structure_id() or "org-life-2024")


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_outline_parses_like_a_draft(path):
    notes, struct = _case(path)
    text = outline(notes, struct)
    doc = parse(text)
    kinds = [s.kind for s in doc.sections]
    assert kinds[:3] == ["problems", "causes", "measures"]
    problems = doc.section("problems")
    assert len(problems.aspects) == len(struct.aspects)
    for parsed, expected in zip(problems.aspects, struct.aspects):
        assert f"“{expected.title}”方面" in parsed.title
    assert all(a.items for a in problems.aspects)                  # every aspect has a slot
    assert len(doc.measures) == len(doc.problems)                  # one measure slot per problem
    assert len(doc.causes) == len(struct.cause_dimensions)
    if notes.last_year:
        assert "followup" in kinds and len(doc.followups) == len(notes.last_year)


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_every_statement_is_placed_verbatim(path):
    notes, struct = _case(path)
    text = outline(notes, struct)
    problems_part = text.split("二、")[0]
    for s in notes.facts + notes.feedback + notes.self_assessment:
        assert s.rstrip("。") in problems_part
    placed = place(notes, struct)
    assert sum(len(v) for v in placed.values()) == len(notes.facts + notes.feedback + notes.self_assessment)


def test_says_it_is_an_outline_and_how_to_configure():
    notes, struct = _case(ROOT / "examples/notes/thin.yaml")
    text = outline(notes, struct)
    first, notice = text.splitlines()[:2]
    assert first.endswith("（提纲）")
    assert "不是成稿" in notice and "DUIZHAO_MODEL" in notice and "--api-base" in notice


def test_missing_facts_become_questions():
    notes, struct = _case(ROOT / "examples/notes/thin.yaml", "org-life-2024")
    text = outline(notes, struct)
    empty = [a for a, slots in place(notes, struct).items() if not slots]
    assert len(empty) == len(struct.aspects) - 1
    for number in empty:
        assert f"在“{struct.aspects[number - 1].title}”方面，今年有哪件具体事情做得不到位" in text
    assert text.count("【待补：") >= len(struct.aspects) + len(struct.cause_dimensions)


def test_placement_uses_aspect_keywords():
    notes, struct = _case(ROOT / "examples/notes/tax-clerk.yaml")
    placed = place(notes, struct)
    where = {s.text: n for n, slots in placed.items() for s in slots}
    assert where[notes.facts[1]] == 1           # 党史学习教育 → 对照党中央……号召和要求
    assert where[notes.facts[4]] == 3           # 我为群众办实事 → 入党誓词 (群众, 宗旨)
    assert where[notes.facts[3]] == 2           # 党小组会 → 合格党员标准 (组织生活)


def test_deterministic():
    notes, struct = _case(ROOT / "examples/notes/teacher.yaml")
    assert outline(notes, struct) == outline(notes, struct)


@pytest.mark.parametrize("struct", list_structures(), ids=lambda s: s.id)
def test_every_structure(struct):
    notes = load_notes(ROOT / "examples/notes/tax-clerk.yaml")
    doc = parse(outline(notes, struct))
    assert len(doc.section("problems").aspects) == len(struct.aspects)
    required = {s.kind for s in struct.sections if s.required}
    assert required <= {s.kind for s in doc.sections}


@pytest.mark.parametrize("name,structure", [("tax-clerk", None), ("thin", "org-life-2023-theme")])
def test_outline_snapshot(snapshot, name, structure):
    notes, struct = _case(ROOT / f"examples/notes/{name}.yaml", structure)
    assert outline(notes, struct) == snapshot.use_extension(MarkdownSnapshot)
