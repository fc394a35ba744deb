"""Providers' wire formats, replayed from cassettes (pytest-recording, match on body).

The cassettes are HAND-WRITTEN (see tests/cassettes/README.md): requests captured from
our own code path, responses written in each provider's documented format. A changed
prompt changes the request body and the replay fails instead of answering stale text.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from conftest import CASSETTES, KEY_PATTERN, ROOT
from service.drafting import draft
from service.llm import get_backend, structured
from service.notes import load_notes
from service.settings import Settings

from .structured_case import Verdict, messages

DRAFT = (ROOT / "tests" / "drafting" / "data" / "tax-clerk.draft.txt").read_text(encoding="utf-8")


@pytest.fixture
def notes():
    return load_notes(ROOT / "examples" / "notes" / "tax-clerk.yaml")


@pytest.fixture
def deepseek_env(monkeypatch):
    monkeypatch.setenv("DEEPSEEK_API_KEY", "sk-test-not-a-key")
    monkeypatch.delenv("DEEPSEEK_API_BASE", raising=False)


@pytest.mark.vcr
@pytest.mark.default_cassette("openai_compatible_draft_tax_clerk.yaml")
def test_openai_compatible_server_draft(notes, monkeypatch):
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    backend = get_backend(Settings(model="openai/qwen2.5-7b-instruct", api_base="http://llm.example.internal:8000/v1"))
    result = draft(notes, backend=backend)
    assert result.error is None and result.complete
    assert result.text == DRAFT
    assert result.mode == "draft" and result.model == "openai/qwen2.5-7b-instruct"
    u = result.usage.to_json()
    assert u["prompt_tokens"] > 1000 and u["completion_tokens"] > 500 and u["calls"] == 1
    assert u["cost_usd"] is None  # a self-hosted model: unknown, never 0
    assert re.fullmatch(r"draft@[0-9a-f]{12}", result.prompts[0]["id"])
    assert result.review["verdict"] in ("可提交", "需修改")
    assert result.review["scores"]["coverage"] == 1.0


@pytest.mark.vcr
@pytest.mark.default_cassette("deepseek_draft_tax_clerk.yaml")
def test_deepseek_draft(notes, deepseek_env):
    result = draft(notes, backend=get_backend(Settings(model="deepseek/deepseek-chat")))
    assert result.error is None, result.error
    assert result.text == DRAFT
    u = result.usage.to_json()
    assert u["prompt_tokens"] > 1000
    assert u["cost_usd"] is not None and 0 < u["cost_usd"] < 0.05  # priced in litellm's bundled map
    assert result.budget["tokenizer"] == "deepseek"


@pytest.mark.vcr
@pytest.mark.default_cassette("deepseek_draft_tax_clerk.yaml")
def test_changed_prompt_does_not_replay_a_stale_answer(notes, deepseek_env):
    changed = notes.model_copy(update={"facts": notes.facts[:-1]})
    result = draft(changed, backend=get_backend(Settings(model="deepseek/deepseek-chat", num_retries=0)))
    assert result.error is not None and not result.complete
    assert result.text == ""


@pytest.mark.vcr
@pytest.mark.default_cassette("deepseek_structured_json_object.yaml")
def test_deepseek_structured_output_json_object(deepseek_env):
    backend = get_backend(Settings(model="deepseek/deepseek-chat"))
    assert backend.structured_mode == "json_object"  # our config, not litellm's flag
    out = structured(backend, messages(), Verdict)
    assert isinstance(out.value, Verdict) and out.value.specific is False
    assert out.value.issues[0].quote == "理论学习不够深入"
    assert out.attempts == 1 and out.mode == "json_object"
    assert out.usage.calls == 1 and out.usage.prompt_tokens > 100


# ---- hygiene of every cassette -------------------------------------------------------------

def _cassettes() -> list[Path]:
    return sorted(CASSETTES.glob("*.yaml"))


def test_there_are_cassettes_for_two_providers():
    names = {p.name for p in _cassettes()}
    assert any(n.startswith("openai_compatible") for n in names)
    assert any(n.startswith("deepseek") for n in names)


@pytest.mark.parametrize("path", _cassettes(), ids=lambda p: p.name)
def test_cassette_has_no_secrets(path):
    text = path.read_text(encoding="utf-8")
    assert not KEY_PATTERN.search(text), f"key-like string in {path.name}"
    data = yaml.safe_load(text)
    for inter in data["interactions"]:
        for name, values in inter["request"]["headers"].items():
            if name.lower() in ("authorization", "api-key", "x-api-key"):
                assert values == ["REDACTED"]
        assert "张三" not in inter["request"]["body"]  # member names never sent (or scrubbed)


@pytest.mark.parametrize("path", _cassettes(), ids=lambda p: p.name)
def test_cassette_says_it_is_hand_written(path):
    text = path.read_text(encoding="utf-8")
    assert text.startswith("# HAND-WRITTEN CASSETTE — NOT A RECORDING.")
    data = yaml.safe_load(text)
    for inter in data["interactions"]:
        assert inter["response"]["headers"]["x-duizhao-note"] == ["hand-written, not a recording"]


def test_key_pattern_catches_keys():
    for leaked in ("sk-" + "a1B2" * 8, "Bearer " + "x9" * 12, "AKIA" + "ABCDEFGHIJKLMNOP"):
        assert KEY_PATTERN.search(leaked)
    assert not KEY_PATTERN.search("Bearer REDACTED")
