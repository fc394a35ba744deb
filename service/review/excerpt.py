"""Short quotations of the text inside finding messages."""

from __future__ import annotations

_EDGE_PUNCT = "。；;，,：: "


def excerpt(s: str, limit: int = 30, trim: bool = True) -> str:
    """``s`` cut to ``limit`` characters with “……”; with ``trim`` the sentence
    punctuation at both ends is dropped first (a headline quoted inside “”)."""
    if trim:
        s = s.strip(_EDGE_PUNCT)
    return s if len(s) <= limit else s[:limit] + "……"
