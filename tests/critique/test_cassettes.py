"""The critique against DeepSeek's wire format, replayed from HAND-WRITTEN cassettes
(``build_cassettes.py``; matched on the request body, so a changed prompt fails
instead of replaying a stale answer): a valid answer, and invalid-then-valid."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from conftest import KEY_PATTERN
from service.critique.critic import critique
from service.llm import get_backend
from service.notes import load_notes
from service.review.engine import review
from service.settings import Settings

from .cassette_cases import NOTES, TEXT

CASSETTES = Path(__file__).resolve().parent / "cassettes"


@pytest.fixture
def deepseek(monkeypatch):
    monkeypatch.setenv("DEEPSEEK_API_KEY", "sk-test-not-a-key")
    monkeypatch.delenv("DEEPSEEK_API_BASE", raising=False)
    return get_backend(Settings(model="deepseek/deepseek-chat", num_retries=0))


def _critique(backend):
    notes = load_notes(NOTES)
    return critique(review(TEXT, notes=notes), notes, backend)


@pytest.mark.vcr
@pytest.mark.default_cassette("deepseek_critique_valid.yaml")
def test_deepseek_critique(deepseek):
    result = _critique(deepseek)
    c = result.critique
    assert c["status"] == "ok" and c["mode"] == "json_object" and c["attempts"] == 1
    assert c["model"] == "deepseek/deepseek-chat" and c["confirmed"] == 2 and c["findings"] == 2
    assert c["usage"]["calls"] == 1 and c["usage"]["prompt_tokens"] > 1000
    assert c["usage"]["cost_usd"] is not None and c["usage"]["cost_usd"] > 0   # priced: DeepSeek is in the map
    spans = {TEXT[f.start:f.end] for f in result.findings if f.source == "llm"}
    assert spans == {"说明我把学习当成任务来完成", "严格落实“三会一课”制度"}


@pytest.mark.vcr
@pytest.mark.default_cassette("deepseek_critique_reask.yaml")
def test_deepseek_critique_reask(deepseek):
    result = _critique(deepseek)
    c = result.critique
    assert c["status"] == "ok" and c["attempts"] == 2 and c["usage"]["calls"] == 2


@pytest.mark.vcr
@pytest.mark.default_cassette("deepseek_critique_valid.yaml")
def test_changed_text_does_not_replay_a_stale_answer(deepseek):
    notes = load_notes(NOTES)
    result = critique(review(TEXT.replace("8次", "9次"), notes=notes), notes, deepseek)
    assert result.critique["status"] == "unavailable"


def _cassettes() -> list[Path]:
    return sorted(CASSETTES.glob("*.yaml"))


def test_there_are_critique_cassettes():
    assert {p.name for p in _cassettes()} >= {"deepseek_critique_valid.yaml", "deepseek_critique_reask.yaml"}


@pytest.mark.parametrize("path", _cassettes(), ids=lambda p: p.name)
def test_cassette_is_marked_hand_written_and_has_no_secrets(path):
    text = path.read_text(encoding="utf-8")
    assert text.startswith("# HAND-WRITTEN CASSETTE — NOT A RECORDING.")
    assert not KEY_PATTERN.search(text) and "张三" not in text
    for inter in yaml.safe_load(text)["interactions"]:
        assert inter["response"]["headers"]["x-duizhao-note"] == ["hand-written, not a recording"]
        assert inter["request"]["headers"]["authorization"] == ["REDACTED"]
