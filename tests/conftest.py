"""Shared test configuration.

The two environment variables MUST be set before anything can import litellm: with
them litellm uses its bundled price map and never goes to the network.
"""

import os

os.environ["LITELLM_LOCAL_MODEL_COST_MAP"] = "True"
os.environ["LITELLM_OFFLINE_MODE"] = "true"

import json  # noqa: E402
import re  # noqa: E402
from pathlib import Path  # noqa: E402

import pytest  # noqa: E402
import yaml  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
CASSETTES = Path(__file__).parent / "cassettes"

# Request/response headers that may carry credentials or account identifiers.
SECRET_HEADERS = [
    "authorization", "api-key", "x-api-key", "proxy-authorization", "cookie", "set-cookie",
    "openai-organization", "openai-project", "x-goog-api-key", "x-dashscope-api-key",
    "x-dashscope-workspace", "anthropic-api-key", "x-request-id", "openai-api-key",
]


def _names_to_scrub() -> list[str]:
    """Member names: from the example notes' `name`/`姓名` and DUIZHAO_SCRUB_NAMES."""
    names: set[str] = set()
    for path in (ROOT / "examples" / "notes").glob("*.yaml"):
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        except (OSError, yaml.YAMLError):
            continue
        for key in ("name", "姓名"):
            if isinstance(data, dict) and isinstance(data.get(key), str):
                names.add(data[key].strip())
    names.update(n.strip() for n in os.environ.get("DUIZHAO_SCRUB_NAMES", "").split(",") if n.strip())
    return sorted((n for n in names if n), key=len, reverse=True)


_NAMES = _names_to_scrub()
SCRUBBED = "某某"


def scrub_text(text: str) -> str:
    for name in _NAMES:
        text = text.replace(name, SCRUBBED)
    return text


def _scrub_body(body):
    if body is None:
        return body
    if isinstance(body, bytes):
        try:
            return scrub_text(body.decode("utf-8")).encode("utf-8")
        except UnicodeDecodeError:
            return body
    if isinstance(body, str):
        return scrub_text(body)
    return body


def scrub_request(request):
    request.body = _scrub_body(request.body)
    return request


def scrub_response(response):
    body = response.get("body") or {}
    if "string" in body:
        body["string"] = _scrub_body(body["string"])
    return response


class UnicodeYamlSerializer:
    """vcrpy's YAML serializer, but Chinese stays readable (allow_unicode) and bodies
    are stored as text. Loads with the safe loader."""

    @staticmethod
    def deserialize(cassette_string: str):
        return yaml.safe_load(cassette_string)

    @staticmethod
    def serialize(cassette_dict) -> str:
        for interaction in cassette_dict.get("interactions", []):
            for part in (interaction.get("request", {}), interaction.get("response", {}).get("body", {})):
                key = "body" if "body" in part and "uri" in part else "string"
                val = part.get(key)
                if isinstance(val, bytes):
                    try:
                        part[key] = val.decode("utf-8")
                    except UnicodeDecodeError:
                        pass
        return yaml.safe_dump(cassette_dict, allow_unicode=True, sort_keys=False, width=100)


def pytest_configure(config):
    # litellm 1.110 reads pydantic attributes pydantic 2.11+ deprecates: not ours to fix
    config.addinivalue_line("filterwarnings", "ignore:Accessing the 'model_:DeprecationWarning:litellm")
    config.addinivalue_line("filterwarnings", "ignore:Items? .* on TypedDict class:UserWarning")


def pytest_collection_modifyitems(config, items):
    """Tests on the local fake model server (fixture ``server``) run with the network
    blocked except loopback (also under ``--block-network``)."""
    mine = (os.sep + "llm" + os.sep, os.sep + "drafting" + os.sep)
    for item in items:
        if "server" in getattr(item, "fixturenames", ()) and any(m in str(item.fspath) for m in mine):
            item.add_marker(pytest.mark.block_network(allowed_hosts=[r"127\.0\.0\.1"]))


def pytest_recording_configure(config, vcr):
    vcr.register_serializer("yaml", UnicodeYamlSerializer())


@pytest.fixture(scope="module")
def vcr_config(record_mode):
    # "none" unless --record-mode is given (see tests/cassettes/README.md)
    return {
        "filter_headers": [(h, "REDACTED") for h in SECRET_HEADERS],
        "filter_query_parameters": [("key", "REDACTED"), ("api_key", "REDACTED")],
        "match_on": ["method", "scheme", "host", "port", "path", "query", "body"],
        "record_mode": record_mode or "none",
        "before_record_request": scrub_request,
        "before_record_response": scrub_response,
        "decode_compressed_response": True,
        "serializer": "yaml",
    }


@pytest.fixture(scope="session")
def vcr_cassette_dir():
    return str(CASSETTES)


@pytest.fixture
def examples_dir() -> Path:
    return ROOT / "examples" / "notes"


def json_line(text: str):
    """Parse one JSON object printed on one line."""
    assert "\n" not in text.strip(), "expected one line"
    return json.loads(text)


KEY_PATTERN = re.compile(
    r"(sk-[A-Za-z0-9_\-]{16,}|Bearer\s+(?!REDACTED)[A-Za-z0-9._\-]{12,}|"
    r"AKIA[0-9A-Z]{16}|AIza[0-9A-Za-z_\-]{30,}|[0-9a-f]{32}\.[A-Za-z0-9]{16})"
)


@pytest.fixture
def server():
    """A scripted OpenAI-compatible fake backend on 127.0.0.1 (tests/llm/fake_server.py)."""
    from llm.fake_server import FakeServer

    with FakeServer() as srv:
        yield srv


@pytest.fixture(scope="session")
def pg_server():
    """A PostgreSQL server on 127.0.0.1, one per test session (skipped, with the reason,
    where the server binaries are absent)."""
    from tests.pg_server import PostgresServer, unavailable

    reason = unavailable()
    if reason:
        pytest.skip(reason)
    server = PostgresServer().start()
    try:
        yield server
    finally:
        server.stop()
