"""Drafting: role notes + structure → prompt → backend → reviewed draft (or, with no
model configured, an outline). Entry points in :mod:`service.drafting.pipeline`."""

from service.drafting.pipeline import (
    DraftEvent, DraftResult, adraft, adraft_stream, clean_output, draft, iter_draft, resolve_structure,
)

__all__ = ["DraftEvent", "DraftResult", "adraft", "adraft_stream", "clean_output", "draft", "iter_draft",
           "resolve_structure"]
