"""Request bodies and prompts are never logged: notes and texts carrying a unique
marker go through every path (outline, a real backend on a local fake server,
success, backend failure, validation errors, internal errors), and the marker appears
in no log record, at any level, of any logger."""

from __future__ import annotations

import logging
import uuid

import pytest
import yaml
from fastapi.testclient import TestClient

from service.api import create_app
from service.llm.errors import BackendError
from tests.api.conftest import SEED, FakeDrafter, make_settings, notes_dict
from tests.llm.fake_server import Act, FakeServer

MARKER = "标记" + uuid.uuid4().hex[:12]


def marked_notes() -> dict:
    notes = notes_dict()
    notes["facts"] = [f"{MARKER}：4月在窗口被动解答，没有主动梳理32户小微企业"] + notes["facts"]
    notes["name"] = f"张{MARKER}"
    return notes


def records_text(caplog) -> str:
    parts = []
    for rec in caplog.records:
        parts.append(rec.getMessage())
        parts.append(repr(rec.args))
        if rec.exc_info:
            parts.append(logging.Formatter().formatException(rec.exc_info))
    return "\n".join(parts)


@pytest.fixture(autouse=True)
def everything_logged(caplog):
    caplog.set_level(logging.DEBUG)
    for name in ("", "duizhao", "duizhao.api", "duizhao.llm", "uvicorn", "httpx", "sqlalchemy", "LiteLLM"):
        caplog.set_level(logging.DEBUG, logger=name)
    yield


def test_outline_and_review_paths(caplog, tmp_path):
    with TestClient(create_app(make_settings(tmp_path))) as c:
        assert c.post("/v1/drafts", json={"notes": marked_notes()}).status_code == 201
        assert c.post("/v1/drafts", json={"notes": yaml.safe_dump(marked_notes(), allow_unicode=True)},
                      headers={"Accept": "text/event-stream"}).status_code == 201
        text = SEED.read_text(encoding="utf-8") + f"\n{MARKER}\n"
        assert c.post("/v1/reviews", json={"text": text, "notes": marked_notes(), "llm": True}).status_code == 200
        # errors that could echo input
        assert c.post("/v1/reviews", json={"text": MARKER, "notes": marked_notes()}).status_code == 422
        assert c.post("/v1/drafts", json={"notes": {"role": MARKER}}).status_code == 422
        assert c.post("/v1/drafts", json={"notes": marked_notes(), "structure": MARKER}).status_code == 422
        assert c.post("/v1/drafts", json={"notes": marked_notes(), "bogus": MARKER}).status_code == 422
        assert c.post("/v1/reviews", content=("{" + MARKER).encode(),
                      headers={"content-type": "application/json"}).status_code == 400
    assert caplog.records, "the test must see the service's log records"
    assert MARKER not in records_text(caplog)


def test_failures_and_internal_errors(caplog, tmp_path):
    for failure in (BackendError("server_error", "m", partial=MARKER, status=500), RuntimeError(MARKER)):
        fake = FakeDrafter(chunks=[MARKER, "一、对照检查出的问题\n"], fail=failure)
        with TestClient(create_app(make_settings(tmp_path), drafter=fake)) as c:
            r = c.post("/v1/drafts", json={"notes": marked_notes()})
            assert r.status_code in (500, 502)
    assert any(rec.name == "duizhao.api" for rec in caplog.records)
    assert MARKER not in records_text(caplog)


def test_real_backend_on_a_local_fake_server(caplog, tmp_path):
    seed = SEED.read_text(encoding="utf-8")
    with FakeServer() as srv:
        srv.script("good", Act.say(seed, chunks=4))
        srv.script("bad", Act.fail(500, message="upstream broke"))
        s = make_settings(tmp_path, model="openai/good", api_base=srv.base_url, api_models=["openai/bad"],
                          num_retries=0)
        with TestClient(create_app(s)) as c:
            ok = c.post("/v1/drafts", json={"notes": marked_notes()})
            assert ok.status_code == 201, ok.text
            bad = c.post("/v1/drafts", json={"notes": marked_notes(), "model": "openai/bad"},
                         headers={"Accept": "text/event-stream"})
            assert "event: error" in bad.text
        # the prompt really carried the marker to the backend: the test could fail
        assert any(MARKER in str(call.body) for call in srv.log)
    assert MARKER not in records_text(caplog)


def test_revision_rounds_path(caplog, tmp_path):
    """A draft revised over rounds (the real pipeline on the local fake server): the
    round texts and diffs that carry the marker are stored, never logged."""
    import json

    from tests.api.test_revision import NO_ISSUES, PRAISE, PRAISE_SPAN, edits

    fixed = f"落实税费支持政策等靠被动，{MARKER}户小微企业没有主动梳理。"
    with FakeServer() as srv:
        s = make_settings(tmp_path, model="openai/good", api_base=srv.base_url, num_retries=0)
        with TestClient(create_app(s)) as c:
            for headers in ({}, {"Accept": "text/event-stream"}):
                srv.script("good", Act.say(PRAISE, chunks=3), Act.say(NO_ISSUES),
                           Act.say(edits(PRAISE_SPAN, fixed)), Act.say(NO_ISSUES))
                r = c.post("/v1/drafts", json={"notes": marked_notes(), "rounds": 2}, headers=headers)
                assert r.status_code == 201, r.text
                draft_id = r.headers["x-draft-id"]
                revision = c.get(f"/v1/drafts/{draft_id}").json()["revision"]
                # the marker really went through the revision rounds: the test could fail
                assert MARKER in revision["rounds"][1]["text"] and MARKER in revision["rounds"][1]["diff"]
                assert MARKER in json.dumps(revision, ensure_ascii=False)
    assert caplog.records, "the test must see the service's log records"
    assert MARKER not in records_text(caplog)
