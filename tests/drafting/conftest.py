"""Fixtures for drafting tests: the fake OpenAI-compatible server and example notes."""

from __future__ import annotations

import pytest

from conftest import ROOT
from service.llm import Backend, Deadlines
from service.llm.config import from_model
from service.notes import load_notes

DRAFT = (ROOT / "tests" / "drafting" / "data" / "tax-clerk.draft.txt").read_text(encoding="utf-8")


@pytest.fixture
def backend(server, monkeypatch):
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    cfg = from_model("openai/drafter", server.base_url, num_retries=1)
    return Backend(cfg, deadlines=Deadlines(total=10, first_token=3, gap=1, attempt=2))


@pytest.fixture
def tax_clerk():
    return load_notes(ROOT / "examples" / "notes" / "tax-clerk.yaml")
