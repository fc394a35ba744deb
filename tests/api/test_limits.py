"""Request body size (Content-Length and streamed/chunked bodies) and field limits."""

from __future__ import annotations

import asyncio
import json

import pytest
from fastapi.testclient import TestClient

from service.api import create_app
from service.api.limits import BodySizeLimit
from tests.api.conftest import make_settings, notes_text

LIMIT = 4096


@pytest.fixture
def small(tmp_path, fake):
    with TestClient(create_app(make_settings(tmp_path, max_request_bytes=LIMIT), drafter=fake)) as c:
        yield c


def _big_review(n: int) -> bytes:
    return json.dumps({"text": "对" * n}).encode()


def test_declared_content_length_over_the_limit_is_413(small):
    body = _big_review(LIMIT)   # 3 bytes per character: well over
    r = small.post("/v1/reviews", content=body, headers={"content-type": "application/json"})
    assert r.status_code == 413
    err = r.json()["error"]
    assert err["code"] == "payload_too_large" and "上限" in err["message"]


def test_chunked_body_over_the_limit_is_413(small):
    body = _big_review(LIMIT)

    def chunks():
        for i in range(0, len(body), 1000):
            yield body[i:i + 1000]

    r = small.post("/v1/reviews", content=chunks(), headers={"content-type": "application/json"})
    assert "content-length" not in {k.lower() for k in r.request.headers}
    assert r.status_code == 413
    assert r.json()["error"]["code"] == "payload_too_large"


def test_chunked_body_under_the_limit_passes(small):
    body = json.dumps({"notes": notes_text()[:1000] + "\nfacts: [某事]\nrole: 科员\n"}).encode()
    assert len(body) < LIMIT

    def chunks():
        for i in range(0, len(body), 300):
            yield body[i:i + 300]

    r = small.post("/v1/drafts", content=chunks(), headers={"content-type": "application/json"})
    assert r.status_code != 413


def test_lying_content_length_is_caught_while_reading():
    """A client that declares a small length but streams more is cut off at the limit."""
    received: list[dict] = []
    app_saw: list[dict] = []

    async def app(scope, receive, send):
        while True:
            m = await receive()
            app_saw.append(m)
            if m["type"] == "http.disconnect" or not m.get("more_body"):
                break
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"ok"})

    mw = BodySizeLimit(app, max_bytes=100)
    parts = [b"x" * 60, b"x" * 60, b"x" * 60]

    async def receive():
        body = parts.pop(0)
        return {"type": "http.request", "body": body, "more_body": bool(parts)}

    async def send(message):
        received.append(message)

    scope = {"type": "http", "method": "POST", "path": "/", "headers": [(b"content-length", b"50")]}
    asyncio.run(mw(scope, receive, send))
    assert received[0]["status"] == 413
    assert all(m.get("body") != b"ok" for m in received)     # the app's answer was dropped
    assert app_saw[-1]["type"] == "http.disconnect"


def test_invalid_content_length_is_400(small):
    async def call():
        sent = []
        scope = {"type": "http", "method": "POST", "path": "/v1/reviews", "headers": [(b"content-length", b"abc")]}

        async def receive():
            return {"type": "http.request", "body": b"", "more_body": False}

        async def send(m):
            sent.append(m)

        await small.app(scope, receive, send)
        return sent

    sent = asyncio.run(call())
    assert sent[0]["status"] == 400


def test_field_limits(client):
    r = client.post("/v1/drafts", json={"notes": "x" * 60_001})
    assert r.status_code == 422 and "最多 60000 个字符" in r.json()["error"]["message"]
    r = client.post("/v1/drafts", json={"notes": notes_text(), "model": "m" * 201})
    assert r.status_code == 422
    r = client.post("/v1/drafts", json={"notes": notes_text(), "structure": "s" * 101})
    assert r.status_code == 422
    r = client.get("/v1/drafts/" + "a" * 65)
    assert r.status_code == 422


def test_default_body_limit_is_at_most_one_mib(client):
    body = json.dumps({"text": "a" * (1024 * 1024)}).encode()
    r = client.post("/v1/reviews", content=body, headers={"content-type": "application/json"})
    assert r.status_code == 413
