"""``duizhao review --llm [--model M] [--api-base URL]``: the critic the review
command applies to each result (:func:`make_critic`)."""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING, Callable

if TYPE_CHECKING:  # pragma: no cover
    from service.notes import RoleNotes
    from service.review.engine import ReviewResult

Critic = Callable[["ReviewResult", "RoleNotes | None"], "ReviewResult"]


def make_critic(args: argparse.Namespace) -> Critic:
    """A callable ``critic(result, notes) -> result``. A bad ``--model``/``--api-base``
    is bad usage: :class:`service.errors.InputError` (the command prints it and exits 2
    before anything is printed). With no model configured, every result says
    ``critique.status: unavailable``."""
    from service.critique.critic import critique
    from service.errors import InputError
    from service.llm import BackendConfigError, get_backend

    try:
        backend = get_backend(model=getattr(args, "model", None), api_base=getattr(args, "api_base", None))
    except BackendConfigError as exc:
        raise InputError(str(exc)) from None

    def critic(result: "ReviewResult", notes: "RoleNotes | None") -> "ReviewResult":
        result = critique(result, notes, backend)
        if result.critique.get("status") != "ok":
            print(f"duizhao: {result.critique.get('reason')}", file=sys.stderr)
        return result

    return critic
