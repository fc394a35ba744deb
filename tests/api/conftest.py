"""Fixtures for the HTTP API: settings on a temporary SQLite file, a scripted
in-process drafter, and a TestClient that runs the lifespan."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, AsyncIterator

import pytest
from fastapi.testclient import TestClient

from service.api import create_app
from service.api.drafter import DraftJob, DraftOutcome
from service.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
NOTES_FILE = ROOT / "examples" / "notes" / "tax-clerk.yaml"
SEED = ROOT / "tests" / "fixtures" / "seed_2021.txt"


def make_settings(tmp_path: Path, **kw: Any) -> Settings:
    base: dict[str, Any] = dict(database_url=f"sqlite:///{tmp_path / 'api.db'}", api_tokens=[], model=None,
                                api_base=None, models_file=None, api_models=[])
    base.update(kw)
    return Settings(**base)


def notes_text() -> str:
    return NOTES_FILE.read_text(encoding="utf-8")


def notes_dict() -> dict[str, Any]:
    import yaml

    return yaml.safe_load(notes_text())


@dataclass
class FakeDrafter:
    """Scripted drafter: yields ``chunks`` with ``gap`` seconds between them, then an
    outcome built from the real reviewer; or fails. Records what happened."""

    chunks: list[str] = field(default_factory=lambda: ["一、对照检查出的问题\n", "（一）学习方面\n", "一是学习不够。\n"])
    gap: float = 0.0
    fail: Exception | None = None            # raised after the chunks
    hang: bool = False                       # never finishes (until cancelled)
    jobs: list[DraftJob] = field(default_factory=list)
    started: asyncio.Event | None = None
    cancelled: int = 0
    finished: int = 0
    on_start: Any = None                     # callable(job), e.g. to look at the store

    async def stream(self, job: DraftJob) -> AsyncIterator[str | DraftOutcome]:
        self.jobs.append(job)
        if self.on_start is not None:
            self.on_start(job)
        try:
            for i, chunk in enumerate(self.chunks):
                if i and self.gap:
                    await asyncio.sleep(self.gap)
                yield chunk
            if self.hang:
                await asyncio.sleep(3600)
            if self.fail is not None:
                raise self.fail
            text = "".join(self.chunks)
            yield DraftOutcome(text=text, review={"verdict": "需修改", "findings": []},
                               usage={"prompt_tokens": 10, "completion_tokens": len(text), "calls": 1},
                               model="fake/model", prompts=[{"id": "draft@abc"}],
                               structure=job.structure.id if job.structure else None)
            self.finished += 1
        except asyncio.CancelledError:
            self.cancelled += 1
            raise


@pytest.fixture
def fake() -> FakeDrafter:
    return FakeDrafter()


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return make_settings(tmp_path)


@pytest.fixture
def client(settings: Settings, fake: FakeDrafter):
    with TestClient(create_app(settings, drafter=fake)) as c:
        yield c


@pytest.fixture
def outline_client(settings: Settings):
    """The real drafting pipeline with no model: outline mode."""
    with TestClient(create_app(settings)) as c:
        yield c


def sse_events(body: str) -> list[tuple[str, Any]]:
    """(event, data) pairs of an SSE body; comments skipped."""
    import json

    out = []
    for block in body.replace("\r\n", "\n").split("\n\n"):
        event, data = None, []
        for line in block.split("\n"):
            if line.startswith("event:"):
                event = line[6:].strip()
            elif line.startswith("data:"):
                data.append(line[5:].lstrip(" "))
        if event or data:
            out.append((event or "message", json.loads("\n".join(data)) if data else None))
    return out


