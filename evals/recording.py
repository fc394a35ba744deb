"""Recorded model responses (vcrpy cassettes, the pytest-recording format) for the
drafting task.

Layout: ``evals/cassettes/<model slug>/<case id>.yaml``, one cassette per case and model.
The same configuration serves the eval runner (``duizhao eval``, which drives vcrpy
directly) and the pytest-recording tests in ``tests/evals`` (whose ``vcr_config``
returns :func:`vcr_config`):

- requests match on method, scheme, host, port, path, query **and body** (vcrpy
  compares ``application/json`` bodies as parsed JSON), so a changed prompt fails
  loudly instead of replaying a stale answer;
- credentials are filtered from headers and query strings, member names are scrubbed
  from bodies before anything is written;
- the serializer keeps Chinese readable (``allow_unicode``, bodies as text, multi-line
  strings as YAML block literals) and writes a ``metadata`` block saying where the
  responses came from.

**The shipped cassettes are hand-written, not recordings** (no model is reachable from
the build machines): their ``metadata.origin`` is ``hand-written`` and
``evals/make_cassettes.py`` generated them. A cassette written by ``duizhao eval
--record`` against a real backend gets ``origin: recorded``.
"""

from __future__ import annotations

import datetime as _dt
import json
import re
from pathlib import Path
from typing import Any, Iterable

import yaml

CASSETTES = Path(__file__).resolve().parent / "cassettes"
MATCH_ON = ["method", "scheme", "host", "port", "path", "query", "body"]
SERIALIZER = "duizhao-evals-yaml"

# Request/response headers that may carry credentials or account identifiers.
SECRET_HEADERS = (
    "authorization", "api-key", "x-api-key", "proxy-authorization", "cookie", "set-cookie",
    "openai-organization", "openai-project", "x-goog-api-key", "x-dashscope-api-key",
    "x-dashscope-workspace", "anthropic-api-key", "openai-api-key",
)
SECRET_QUERY = ("key", "api_key", "access_token")
REDACTED = "REDACTED"
SCRUBBED_NAME = "某某"

HAND_WRITTEN_NOTE = ("手写的响应，不是真实录制：构建机无法访问任何模型，响应正文由项目工程师按提供方线路格式"
                     "（OpenAI 兼容 chat completions 流，DeepSeek）手写，用量按项目内置分词器计算。"
                     "用 duizhao eval --record 配合密钥可对真实后端重新录制。")
RECORDED_NOTE = "由 duizhao eval --record 对真实后端录制。"


def model_slug(model: str, api_base: str | None = None) -> str:
    """``deepseek/deepseek-chat`` → ``deepseek--deepseek-chat``; an api_base adds its
    host and port (``openai--qwen2.5-7b@127.0.0.1-8000``)."""
    slug = re.sub(r"[^A-Za-z0-9._-]+", "-", model.replace("/", "--")).strip("-")
    if api_base:
        host = re.sub(r"^https?://", "", api_base).split("/", 1)[0]
        slug += "@" + re.sub(r"[^A-Za-z0-9.-]+", "-", host)
    return slug


def cassette_dir(model: str, api_base: str | None = None, root: Path | None = None) -> Path:
    return (root or CASSETTES) / model_slug(model, api_base)


def cassette_path(model: str, case_id: str, api_base: str | None = None, root: Path | None = None) -> Path:
    return cassette_dir(model, api_base, root) / f"{case_id}.yaml"


# ---- serializer -------------------------------------------------------------------------

class _Dumper(yaml.SafeDumper):
    pass


def _str(dumper: yaml.SafeDumper, data: str):
    style = "|" if "\n" in data else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", data, style=style)


_Dumper.add_representer(str, _str)


def _as_text(value: Any) -> Any:
    if isinstance(value, bytes):
        try:
            return value.decode("utf-8")
        except UnicodeDecodeError:
            return value
    return value


def pretty_json_body(body: Any) -> Any:
    """A JSON request body re-indented with Chinese kept (vcrpy compares JSON bodies
    parsed, so the layout is free); anything else unchanged."""
    text = _as_text(body)
    if not isinstance(text, str):
        return text
    try:
        return json.dumps(json.loads(text), ensure_ascii=False, indent=1) + "\n"
    except ValueError:
        return text


class Serializer:
    """vcrpy serializer: readable Chinese, bodies as text, a ``metadata`` block.

    vcrpy hands ``serialize`` only the interactions, so a cassette it writes (a real
    recording) gets ``origin: recorded``; :func:`write_cassette` (the hand-written
    generator) writes its own metadata."""

    @staticmethod
    def deserialize(cassette_string: str) -> dict:
        data = yaml.safe_load(cassette_string) or {}
        data.pop("metadata", None)
        return data

    @staticmethod
    def serialize(cassette_dict: dict) -> str:
        interactions = cassette_dict.get("interactions", [])
        for it in interactions:
            req = it.get("request", {})
            req["body"] = pretty_json_body(req.get("body"))
            body = it.get("response", {}).get("body", {})
            if "string" in body:
                body["string"] = _as_text(body["string"])
        models = sorted({_request_model(it.get("request", {})) for it in interactions} - {None})
        meta = {"origin": "recorded", "recorded_at": _dt.date.today().isoformat(),
                "models": models, "note": RECORDED_NOTE}
        return dump({"metadata": meta, **cassette_dict})


def dump(data: dict) -> str:
    return yaml.dump(data, Dumper=_Dumper, allow_unicode=True, sort_keys=False, width=100)


def _request_model(req: dict) -> str | None:
    try:
        return json.loads(_as_text(req.get("body")) or "{}").get("model")
    except (ValueError, AttributeError):
        return None


def read_metadata(path: Path) -> dict:
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    return data.get("metadata") or {}


def write_cassette(path: Path, interactions: list[dict], metadata: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    for it in interactions:
        it["request"]["body"] = pretty_json_body(it["request"].get("body"))
    path.write_text(dump({"metadata": metadata, "interactions": interactions, "version": 1}), encoding="utf-8")


# ---- filters ----------------------------------------------------------------------------

def make_scrubber(names: Iterable[str]):
    """before_record_request: member names → 某某 in the body (longest first)."""
    names = sorted({n.strip() for n in names if n and n.strip()}, key=len, reverse=True)

    def scrub(request):
        body = request.body
        if names and body:
            text = _as_text(body)
            if isinstance(text, str):
                for n in names:
                    text = text.replace(n, SCRUBBED_NAME)
                request.body = text.encode("utf-8") if isinstance(body, bytes) else text
        return request

    return scrub


def scrub_response(response: dict) -> dict:
    headers = response.get("headers") or {}
    for key in list(headers):
        if key.lower() in SECRET_HEADERS:
            headers[key] = [REDACTED]
    return response


def vcr_config(record_mode: str = "none", names: Iterable[str] = ()) -> dict[str, Any]:
    """Keyword arguments for ``vcr.VCR`` (and pytest-recording's ``vcr_config``)."""
    return {
        "filter_headers": [(h, REDACTED) for h in SECRET_HEADERS],
        "filter_query_parameters": [(q, REDACTED) for q in SECRET_QUERY],
        "match_on": list(MATCH_ON),
        "record_mode": record_mode,
        "before_record_request": make_scrubber(names),
        "before_record_response": scrub_response,
        "decode_compressed_response": True,
        "serializer": SERIALIZER,
    }


def make_vcr(record_mode: str = "none", names: Iterable[str] = ()):
    import vcr

    v = vcr.VCR(**vcr_config(record_mode, names))
    v.register_serializer(SERIALIZER, Serializer())
    return v


KEY_PATTERN = re.compile(
    r"(sk-[A-Za-z0-9_\-]{16,}|Bearer\s+(?!REDACTED)[A-Za-z0-9._\-]{12,}|"
    r"AKIA[0-9A-Z]{16}|AIza[0-9A-Za-z_\-]{30,}|[0-9a-f]{32}\.[A-Za-z0-9]{16})"
)
