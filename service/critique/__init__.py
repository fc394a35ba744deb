"""The LLM critique pass and the revision loop (issue 4).

- :func:`acritique` — the HTTP API's entry point: critique a review result in place
  with the configured backend (``critique.status`` ``ok`` | ``unavailable``).
- :mod:`service.critique.critic` — :func:`~service.critique.critic.critique` with a
  given backend; :mod:`service.critique.revise` — revise flagged spans, ≤ 2 rounds;
  :mod:`service.critique.command` — ``make_critic`` for ``duizhao review --llm``.

Importing this package imports neither litellm nor the backend: the heavy parts load
when a critique actually runs.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover
    from service.notes import RoleNotes
    from service.review.engine import ReviewResult

_BACKENDS: dict[tuple, Any] = {}


def backend_for(settings: Any) -> Any:
    """The configured backend (built once per configuration); None when no model is
    configured. Raises ``BackendConfigError``."""
    key = (settings.model, settings.api_base, str(settings.models_file or ""))
    if key not in _BACKENDS:
        from service.llm import get_backend

        _BACKENDS[key] = get_backend(settings)
    return _BACKENDS[key]


async def acritique(result: "ReviewResult", notes: "RoleNotes | None", settings: Any) -> "ReviewResult":
    """Critique ``result`` in place with the backend the settings configure."""
    from service.critique.critic import KEEP_RULES, acritique_with, unavailable
    from service.llm import BackendConfigError

    try:
        backend = backend_for(settings)
    except BackendConfigError as exc:
        result.critique = unavailable(f"模型审读不可用：{exc}。{KEEP_RULES}")
        return result
    return await acritique_with(result, notes, backend)


__all__ = ["acritique", "backend_for"]
