"""Turning request fields into domain objects, safely for remote callers.

- Notes given as text are parsed as content, never taken for a file path.
- A structure named by the caller or by the notes is a built-in id only
  (``allow_path=False``): a remote caller never makes the server read a file.
- A model named by the caller must be one the operator allowed (the server's keys pay
  for it, and its ``api_base`` is the operator's).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from service.api.errors import ApiError

if TYPE_CHECKING:  # pragma: no cover
    from service.notes import RoleNotes
    from service.settings import Settings
    from service.structures import Structure


def parse_notes(value: "dict[str, Any] | str | None") -> "RoleNotes | None":
    """Raises ``NotesError`` (422 with its Chinese line)."""
    if value is None:
        return None
    from service.notes import load_notes
    from service.notes import parse_notes as from_mapping

    if isinstance(value, dict):
        return from_mapping(value)
    return load_notes(value.encode("utf-8"))  # bytes: always content, never a path


def resolve_structure(explicit: str | None, notes: "RoleNotes | None") -> "Structure | None":
    """The structure named in the request, else the one the notes ask for, else None
    (detected from the text). Raises ``StructureError`` (422)."""
    from service.structures import get_structure

    ref = explicit or (notes.structure_id() if notes is not None else None)
    if not ref:
        return None
    return get_structure(ref, allow_path=False)


def allowed_models(settings: "Settings") -> list[str]:
    """Models a caller may name: the configured ``DUIZHAO_MODEL`` and the extra
    litellm model strings of ``DUIZHAO_API_MODELS``."""
    out: list[str] = []
    if settings.model:
        out.append(settings.model)
    out += list(getattr(settings, "api_models", []) or [])
    return list(dict.fromkeys(out))


def check_model(model: str | None, settings: "Settings") -> str | None:
    if not model:
        return None
    allowed = allowed_models(settings)
    if model not in allowed:
        hint = "可用：" + "、".join(allowed) if allowed else "服务端未配置模型，省略 model 将只生成提纲"
        raise ApiError(422, "model_not_allowed", f"不允许使用模型“{model[:60]}”。{hint}。")
    return model
