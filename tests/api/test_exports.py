"""Word export: ``POST /v1/exports/docx`` and ``GET /v1/drafts/{id}/docx``."""

from __future__ import annotations

import io

import pytest
from fastapi.testclient import TestClient

from service.api import create_app
from service.llm.errors import BackendError
from tests.api.conftest import SEED, FakeDrafter, make_settings, notes_text

pytest.importorskip("service.export")
docx = pytest.importorskip("docx")

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def paragraphs(data: bytes) -> list[str]:
    return [p.text for p in docx.Document(io.BytesIO(data)).paragraphs]


def test_export_text(client):
    text = SEED.read_text(encoding="utf-8")
    r = client.post("/v1/exports/docx", json={"text": text})
    assert r.status_code == 200
    assert r.headers["content-type"] == DOCX
    assert "filename*=UTF-8''" in r.headers["content-disposition"]
    assert r.content[:2] == b"PK"
    body = "".join(paragraphs(r.content))
    assert text.splitlines()[0].strip()[:10] in body


def test_control_characters_are_dropped_not_a_500(client):
    r = client.post("/v1/exports/docx", json={"text": "一、对照检查出的问题\u0005\n（一）学习\u000b方面"})
    assert r.status_code == 200
    assert "\u0005" not in "".join(paragraphs(r.content))
    r = client.post("/v1/exports/docx", json={"text": "\u0005\u0006"})
    assert r.status_code == 422 and r.json()["error"]["code"] == "empty_text"


def test_draft_as_word_file_for_its_owner_only(tmp_path):
    s = make_settings(tmp_path, api_tokens=["tok-a-111111", "tok-b-222222"])
    a, b = {"Authorization": "Bearer tok-a-111111"}, {"Authorization": "Bearer tok-b-222222"}
    fake = FakeDrafter()
    with TestClient(create_app(s, drafter=fake)) as c:
        made = c.post("/v1/drafts", json={"notes": notes_text()}, headers=a).json()
        r = c.get(f"/v1/drafts/{made['id']}/docx", headers=a)
        assert r.status_code == 200 and r.headers["content-type"] == DOCX
        assert any("对照检查出的问题" in p for p in paragraphs(r.content))
        assert c.get(f"/v1/drafts/{made['id']}/docx", headers=b).status_code == 404
        assert c.get(f"/v1/drafts/{made['id']}/docx").status_code == 401


def test_draft_without_text_is_409(tmp_path):
    fake = FakeDrafter(chunks=[], fail=BackendError("connection", "m"))
    with TestClient(create_app(make_settings(tmp_path), drafter=fake)) as c:
        r = c.post("/v1/drafts", json={"notes": notes_text()})
        assert r.status_code == 502
        got = c.get(r.headers["location"] + "/docx")
        assert got.status_code == 409 and got.json()["error"]["code"] == "draft_empty"
