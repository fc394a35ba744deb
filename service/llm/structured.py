"""Structured output: a pydantic model out of a chat model, portable across providers.

The mode comes from OUR configuration per deployment (``providers.yaml``/models file),
not from litellm's capability flags:

- ``json_schema``: ``response_format={"type": "json_schema", ...}`` with the model's
  schema (strict); if the server rejects it (HTTP 400), the call is repeated once in
  ``json_object`` mode.
- ``json_object``: ``response_format={"type": "json_object"}``; the system message says
  "JSON" and carries the schema.

Every answer is validated with pydantic; an invalid one is re-asked at most
``max_reasks`` times with the validation error; usage accumulates over all attempts.
When it stays invalid, :class:`StructuredOutputError` (Chinese ``reason``) lets the
caller degrade gracefully (e.g. critique ``unavailable``).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from pydantic import BaseModel, ValidationError

from service.llm.errors import BackendError, StructuredOutputError
from service.llm.usage import Usage

T = TypeVar("T", bound=BaseModel)
_FENCE = re.compile(r"^\s*```(?:json)?\s*(.*?)\s*```\s*$", re.S)


@dataclass
class Structured(Generic[T]):
    value: T
    usage: Usage
    attempts: int
    mode: str
    text: str


def response_format(output: type[BaseModel], mode: str) -> dict[str, Any]:
    if mode == "json_schema":
        return {"type": "json_schema",
                "json_schema": {"name": output.__name__, "schema": output.model_json_schema(), "strict": True}}
    return {"type": "json_object"}


def _with_schema_instruction(messages: list[dict[str, Any]], output: type[BaseModel]) -> list[dict[str, Any]]:
    schema = json.dumps(output.model_json_schema(), ensure_ascii=False)
    note = ("\n\n只输出一个 JSON 对象（JSON only），不要输出其他文字或代码块标记。"
            f"该 JSON 必须符合以下 JSON Schema：\n{schema}")
    out = [dict(m) for m in messages]
    if out and out[0].get("role") == "system":
        out[0]["content"] = str(out[0]["content"]) + note
    else:
        out.insert(0, {"role": "system", "content": note.strip()})
    return out


def parse_json(text: str) -> str:
    """The JSON part of an answer: code fences and text around the outer object dropped."""
    m = _FENCE.match(text)
    if m:
        text = m.group(1)
    start, end = text.find("{"), text.rfind("}")
    return text[start:end + 1] if start != -1 and end > start else text


def _short_error(err: ValidationError | ValueError) -> str:
    if isinstance(err, ValidationError):
        parts = []
        for e in err.errors(include_url=False)[:5]:
            loc = ".".join(str(p) for p in e.get("loc", ())) or "(root)"
            parts.append(f"{loc}: {e.get('msg')}")
        return "; ".join(parts)
    return str(err)[:300]


async def astructured(backend: Any, messages: list[dict[str, Any]], output: type[T], *,
                      max_reasks: int = 2, max_tokens: int | None = None,
                      mode: str | None = None) -> Structured[T]:
    """Ask ``backend`` for an instance of ``output``. Raises :class:`BackendError` when
    the backend itself fails, :class:`StructuredOutputError` when the answer stays
    invalid after ``max_reasks`` re-asks."""
    mode = mode or backend.structured_mode
    usage = Usage()
    convo = list(messages) if mode == "json_schema" else _with_schema_instruction(messages, output)
    text, attempts, downgraded = "", 0, False
    while attempts < 1 + max_reasks:
        attempts += 1
        try:
            comp = await backend.acomplete(convo, max_tokens=max_tokens,
                                           response_format=response_format(output, mode))
        except BackendError as exc:
            usage.add(exc.usage)
            if mode == "json_schema" and exc.kind == "bad_request" and not downgraded:
                # the server refused json_schema: our config was too optimistic
                mode, downgraded = "json_object", True
                convo = _with_schema_instruction(messages, output)
                attempts -= 1
                continue
            exc.usage = usage
            raise
        usage.add(comp.usage)
        text = comp.text
        try:
            value = output.model_validate_json(parse_json(text))
            return Structured(value=value, usage=usage, attempts=attempts, mode=mode, text=text)
        except (ValidationError, ValueError) as err:
            problem = _short_error(err)
            convo = convo + [
                {"role": "assistant", "content": text},
                {"role": "user", "content": f"上面的输出不是符合要求的 JSON：{problem}。"
                                            "请只输出修正后的完整 JSON 对象，不要解释。"},
            ]
    raise StructuredOutputError(f"模型输出的 JSON 经 {attempts} 次尝试仍不符合格式要求", usage=usage,
                                last_text=text, attempts=attempts)


def structured(backend: Any, messages: list[dict[str, Any]], output: type[T], **kw: Any) -> Structured[T]:
    """Synchronous :func:`astructured`."""
    from service.llm.sync import run_sync

    return run_sync(astructured(backend, messages, output, **kw))
