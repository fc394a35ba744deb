"""The API over the real drafting pipeline and litellm, against a local
OpenAI-compatible fake server (tests/llm/fake_server.py): success, a broken stream
(502, partial text stored), a silent backend (504), output that is not a 对照检查材料
(502), and a client that goes away (the backend connection is closed)."""

from __future__ import annotations

import asyncio
import json
import time

import pytest
from asgi_lifespan import LifespanManager
from fastapi.testclient import TestClient

from service.api import create_app
from tests.api.conftest import SEED, make_settings, notes_dict, notes_text, sse_events
from tests.llm.fake_server import Act, FakeServer

SEED_TEXT = SEED.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def server():
    with FakeServer() as srv:
        yield srv


def settings_for(tmp_path, server, **kw):
    base = dict(model="openai/good", api_base=server.base_url, num_retries=0,
                api_models=["openai/broken", "openai/silent", "openai/chatty", "openai/slow"],
                deadline_first_token=1.5, attempt_timeout=1.5, deadline_gap=1.5, deadline_total=20)
    base.update(kw)
    return make_settings(tmp_path, **base)


def test_draft_through_litellm(tmp_path, server):
    server.script("good", Act.say(SEED_TEXT, chunks=6))
    with TestClient(create_app(settings_for(tmp_path, server))) as c:
        r = c.post("/v1/drafts", json={"notes": notes_text(), "rounds": 0})
        assert r.status_code == 201, r.text
        body = r.json()
        assert body["status"] == "done" and body["model"] == "openai/good"
        assert body["text"].startswith(SEED_TEXT.strip()[:20])
        assert body["usage"]["calls"] == 1 and body["usage"]["prompt_tokens"] == 100
        assert body["prompts"][0]["id"].startswith("draft@")
        assert len(body["prompts"][0]["rendered_sha256"]) == 64
        assert body["review"]["verdict"] in ("可提交", "需修改", "不达标")

        with c.stream("POST", "/v1/drafts", json={"notes": notes_dict(), "rounds": 0},
                      headers={"Accept": "text/event-stream"}) as s:
            events = sse_events(s.read().decode())
        kinds = [k for k, _ in events]
        assert kinds.count("delta") == 6 and kinds[-2:] == ["review", "done"]


def test_default_rounds_critique_and_revise_a_blocking_draft(tmp_path, server):
    """Without ``rounds`` the settings' cap applies: a draft with blocking findings goes
    through the critique and revision loop (here the fake answers prose, not JSON, so
    the critique is unavailable and revision stops; the draft itself is kept)."""
    server.script("good", Act.say(SEED_TEXT, chunks=6))
    with TestClient(create_app(settings_for(tmp_path, server))) as c:
        r = c.post("/v1/drafts", json={"notes": notes_text()})
        assert r.status_code == 201, r.text
        body = r.json()
        assert body["status"] == "done" and body["text"].startswith(SEED_TEXT.strip()[:20])
        assert body["usage"]["calls"] > 1
        assert body["review"]["critique"]["status"] == "unavailable"


def test_broken_stream_is_502_with_partial_text(tmp_path, server):
    server.script("broken", Act("broken", text=SEED_TEXT, chunks=8))
    with TestClient(create_app(settings_for(tmp_path, server))) as c:
        r = c.post("/v1/drafts", json={"notes": notes_text(), "model": "openai/broken"})
        assert r.status_code == 502
        err = r.json()["error"]
        assert err["code"] == "backend_error" and "输出不完整" in err["message"]
        assert server.base_url not in r.text
        stored = c.get(r.headers["location"]).json()
        assert stored["status"] == "failed" and len(stored["text"]) > 100
        assert SEED_TEXT.startswith(stored["text"])


def test_silent_backend_is_504(tmp_path, server):
    server.script("silent", Act("hang"))
    with TestClient(create_app(settings_for(tmp_path, server))) as c:
        t0 = time.monotonic()
        r = c.post("/v1/drafts", json={"notes": notes_text(), "model": "openai/silent"})
        assert time.monotonic() - t0 < 15
        assert r.status_code == 504
        assert r.json()["error"]["code"] == "backend_timeout"
        assert c.get(r.headers["location"]).json()["status"] == "failed"


def test_output_that_is_not_a_draft_is_502(tmp_path, server):
    server.script("chatty", Act.say("好的，我来帮您写。今天天气不错，我们去公园散步吧。"))
    with TestClient(create_app(settings_for(tmp_path, server))) as c:
        r = c.post("/v1/drafts", json={"notes": notes_text(), "model": "openai/chatty"})
        assert r.status_code == 502
        assert r.json()["error"]["code"] == "invalid_output"
        assert c.get(r.headers["location"]).json()["text"].startswith("好的")


def test_disconnect_closes_the_backend_connection(tmp_path, server):
    server.script("slow", Act.say(SEED_TEXT, chunks=40, gap=0.2))   # ~8 s if read to the end
    settings = settings_for(tmp_path, server, deadline_gap=5)

    async def scenario():
        app = create_app(settings)
        async with LifespanManager(app, startup_timeout=120, shutdown_timeout=60):
            body = json.dumps({"notes": notes_dict(), "model": "openai/slow"}).encode()
            gone = asyncio.Event()
            sent: list[dict] = []
            delivered = False

            async def receive():
                nonlocal delivered
                if not delivered:
                    delivered = True
                    return {"type": "http.request", "body": body, "more_body": False}
                await gone.wait()
                return {"type": "http.disconnect"}

            async def send(message):
                sent.append(message)
                if b"event: delta" in message.get("body", b""):
                    gone.set()

            scope = {"type": "http", "asgi": {"version": "3.0", "spec_version": "2.3"}, "http_version": "1.1",
                     "method": "POST", "scheme": "http", "path": "/v1/drafts", "raw_path": b"/v1/drafts",
                     "query_string": b"", "root_path": "", "client": ("127.0.0.1", 1), "server": ("127.0.0.1", 80),
                     "headers": [(b"content-type", b"application/json"), (b"accept", b"text/event-stream")]}
            t0 = time.monotonic()
            await asyncio.wait_for(app(scope, receive, send), 20)
            for _ in range(200):
                d = app.state.store.list("local")[0]
                if d.status != "running":
                    break
                await asyncio.sleep(0.05)
            return d, time.monotonic() - t0

    draft, elapsed = asyncio.run(scenario())
    assert draft.status == "cancelled"
    assert 0 < len(draft.text) < len(SEED_TEXT)
    assert elapsed < 5, "the backend stream was read to the end instead of being cancelled"
