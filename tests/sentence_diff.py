"""Reading the sentence diffs of revision rounds (service.critique.revise.diff) in tests."""

from __future__ import annotations


def changed(diff: str) -> tuple[str, str]:
    """The removed and the added text of a sentence diff (its - and + lines joined)."""
    lines = diff.splitlines()[2:]   # after the --- / +++ header
    return ("".join(x[1:] for x in lines if x.startswith("-")),
            "".join(x[1:] for x in lines if x.startswith("+")))
