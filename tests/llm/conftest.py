"""Fixtures for backend tests: the local fake OpenAI-compatible server."""

from __future__ import annotations

import pytest

from service.llm import Backend, Deadlines
from service.llm.config import from_model



@pytest.fixture
def make_backend(server, monkeypatch):
    """Backend for openai/<model> on the fake server, with short deadlines."""
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)

    def make(model: str = "m1", *, total: float = 10, first_token: float = 3, gap: float = 1,
             attempt: float = 2, retries: int = 1, **kw) -> Backend:
        cfg = from_model(f"openai/{model}", server.base_url, kw.pop("api_key", None), num_retries=retries)
        return Backend(cfg, deadlines=Deadlines(total=total, first_token=first_token, gap=gap, attempt=attempt), **kw)

    return make


MSG = [{"role": "user", "content": "请起草。"}]
