"""Embed one item (a problem, a cause or a measure) into a clean, specific document.

Rule examples (tests/review/examples) and the reviewer dev set (evals/datasets/reviewer)
describe single items; rules judge items inside documents. ``embed`` places the item as
the last item of its kind in ``harness_doc.txt`` (an org-life-2021 text written to be
clean) and returns the document with the item's span.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

_HERE = Path(__file__).parent
_MARKER = re.compile(r"^\s*(?:[一二三四五六七八九十]{1,2}是|[（(][一二三四五六七八九十\d]{1,2}[）)]|\d{1,2}[、.．]|第[一二三四五六七八九十]{1,2}[，、])")
_SLOTS = {"problem": "{PROBLEM}", "cause": "{CAUSE}", "measure": "{MEASURE}"}
_LABEL = {"problem": "\n二是", "cause": "\n（五）", "measure": "\n（五）"}


@lru_cache(maxsize=1)
def template() -> str:
    return (_HERE / "harness_doc.txt").read_text(encoding="utf-8")


def embed(kind: str, text: str) -> tuple[str, tuple[int, int]]:
    """(document, (start, end)) with ``text`` placed as an item of ``kind``.

    ``kind == "text"`` returns the text itself as the whole document."""
    if kind == "text":
        return text, (0, len(text))
    if kind not in _SLOTS:
        raise ValueError(f"unknown kind {kind!r}")
    body = _MARKER.sub("", text.strip(), count=1)
    doc = template()
    for slot in _SLOTS.values():
        if slot != _SLOTS[kind]:
            doc = doc.replace(slot, "")
    label = _LABEL[kind]
    pos = doc.index(_SLOTS[kind])
    doc = doc.replace(_SLOTS[kind], label + body)
    start = pos + 1  # after the newline: the span includes the marker
    return doc, (start, pos + len(label) + len(body))


def clean_document() -> str:
    """The harness document with no item inserted."""
    doc = template()
    for slot in _SLOTS.values():
        doc = doc.replace(slot, "")
    return doc
