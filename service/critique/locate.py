"""Find a span the model quoted, verbatim, inside a given part of the text.

The model sees the text through :func:`service.prompts.as_data` (one line, ``<``/``>``
shown as full-width), so a quote is matched exactly first, then on the normalized text
(NFKC, punctuation variants folded: the reviewer's own normalization). Anything else
is not a quote and the caller drops the finding.
"""

from __future__ import annotations

from bisect import bisect_left
from typing import TYPE_CHECKING

from service.text.normalize import normalize_phrase

if TYPE_CHECKING:  # pragma: no cover
    from service.document import Document


def _norm_index(doc: "Document", orig: int) -> int:
    """The first normalized index whose original index is ≥ ``orig``."""
    return bisect_left(doc.norm.origin, orig)


def find_quote(doc: "Document", quote: str, start: int, end: int) -> tuple[int, int] | None:
    """Original offsets of ``quote`` within the original span [start, end), or None."""
    quote = quote.strip()
    if not quote:
        return None
    original = doc.norm.original
    i = original.find(quote, start, end)
    if i != -1:
        return i, i + len(quote)
    needle = normalize_phrase(quote)
    if not needle.strip():
        return None
    ns, ne = _norm_index(doc, start), _norm_index(doc, end)
    j = doc.norm.text.find(needle, ns, ne)
    if j == -1:
        return None
    s, e = doc.norm.orig_span(j, j + len(needle))
    return (s, e) if start <= s and e <= end else None
