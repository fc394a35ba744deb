"""The rendered critique and revise prompts, as readable Markdown snapshots, so a prompt
change shows up in review. Update after an intended change:

    .venv/bin/python -m pytest tests/critique/test_prompts.py -q --snapshot-update
    .venv/bin/python tests/critique/build_cassettes.py     # the cassettes match on the body
"""

from __future__ import annotations

from syrupy.extensions.single_file import SingleFileSnapshotExtension, WriteMode

from service.critique.prompt import render_critique, render_revise
from service.critique.revise import targets_of
from service.review.engine import review

from .conftest import PRAISE


class MarkdownSnapshot(SingleFileSnapshotExtension):
    _write_mode = WriteMode.TEXT
    file_extension = "md"

    def serialize(self, data, **kwargs):
        return str(data)


def _md(rendered) -> str:
    parts = [f"<!-- {rendered.id} -->"]
    for m in rendered.messages:
        parts += [f"## {m['role']}", "", m["content"]]
    return "\n".join(parts)


def test_critique_prompt(snapshot, notes):
    r = review(PRAISE, notes=notes)
    shown = [f for f in r.findings if f.item and f.category in ("disguised_praise", "unmatched_problem")]
    rendered = render_critique(r.doc, r.structure, notes, [(f"r{i}", f) for i, f in enumerate(shown, 1)])
    assert _md(rendered) == snapshot.use_extension(MarkdownSnapshot)


def test_revise_prompt(snapshot, notes):
    r = review(PRAISE, notes=notes)
    rendered = render_revise(r.doc, [(f"F{i}", f) for i, f in enumerate(targets_of(r), 1)], notes)
    assert _md(rendered) == snapshot.use_extension(MarkdownSnapshot)
