"""``POST /v1/drafts`` (JSON and SSE), ``GET /v1/drafts[/{id}]``: storage before and
after the backend call, failures (502/504 with partial text kept), cancellation on
disconnect, admission limits (429/503 with Retry-After)."""

from __future__ import annotations

import asyncio
import json

import httpx
import pytest
from asgi_lifespan import LifespanManager
from fastapi.testclient import TestClient

from service.api import create_app
from service.llm.errors import BackendError
from tests.api.conftest import FakeDrafter, make_settings, notes_dict, notes_text, sse_events

SSE = {"Accept": "text/event-stream"}


# ---- outline mode: the real pipeline without a model ----------------------------------------

def test_without_a_model_drafting_returns_the_outline(outline_client):
    r = outline_client.post("/v1/drafts", json={"notes": notes_text()})
    assert r.status_code == 201
    body = r.json()
    assert body["status"] == "done" and body["model"] is None
    assert "提纲" in body["text"] and body["review"]["verdict"] in ("可提交", "需修改", "不达标")
    assert body["structure"] == "org-life-2021"
    assert r.headers["location"] == f"/v1/drafts/{body['id']}"
    again = outline_client.get(f"/v1/drafts/{body['id']}")
    assert again.status_code == 200 and again.json() == body
    listed = outline_client.get("/v1/drafts").json()
    assert listed["count"] == 1 and listed["drafts"][0]["id"] == body["id"]
    assert "text" not in listed["drafts"][0]


def test_outline_streams_too(outline_client):
    with outline_client.stream("POST", "/v1/drafts", json={"notes": notes_dict()}, headers=SSE) as r:
        assert r.status_code == 201
        assert r.headers["content-type"].startswith("text/event-stream")
        events = sse_events(r.read().decode())
    kinds = [k for k, _ in events]
    assert kinds[0] == "delta" and kinds[-2:] == ["review", "done"]
    done = events[-1][1]
    assert done["status"] == "done" and "提纲" in done["text"]
    assert "".join(d["text"] for k, d in events if k == "delta") == done["text"]


# ---- with a scripted drafter -----------------------------------------------------------------

def test_the_request_is_stored_before_the_backend_is_called(client, fake):
    seen = []
    fake.on_start = lambda job: seen.append([(d.status, d.text) for d in client.app.state.store.list("local")])
    r = client.post("/v1/drafts", json={"notes": notes_text(), "structure": "org-life-2022"})
    assert r.status_code == 201
    assert seen == [[("running", "")]]
    body = r.json()
    assert body["status"] == "done" and body["text"] == "".join(fake.chunks)
    assert body["model"] == "fake/model" and body["prompts"] == [{"id": "draft@abc"}]
    assert body["structure"] == "org-life-2022"
    assert body["notes"]["facts"] == notes_dict()["facts"]
    assert fake.jobs[0].structure.id == "org-life-2022"


def test_stream_events_delta_review_done(client, fake):
    with client.stream("POST", "/v1/drafts", json={"notes": notes_text()}, headers=SSE) as r:
        assert r.status_code == 201
        assert r.headers["cache-control"] == "no-cache"
        draft_id = r.headers["x-draft-id"]
        events = sse_events(r.read().decode())
    assert [k for k, _ in events] == ["delta"] * len(fake.chunks) + ["review", "done"]
    assert [d["text"] for k, d in events if k == "delta"] == fake.chunks
    assert events[-1][1]["id"] == draft_id and events[-1][1]["status"] == "done"
    stored = client.get(f"/v1/drafts/{draft_id}").json()
    assert stored["status"] == "done" and stored["text"] == "".join(fake.chunks)


def test_backend_failure_is_502_and_keeps_the_partial_text(client, fake):
    fake.fail = BackendError("server_error", "openai/secret-model @ http://10.1.2.3:8000/v1",
                             partial="".join(fake.chunks), status=500)
    r = client.post("/v1/drafts", json={"notes": notes_text()})
    assert r.status_code == 502
    err = r.json()["error"]
    assert err["code"] == "backend_error" and "模型后端调用失败" in err["message"]
    assert "10.1.2.3" not in r.text and "secret-model" not in r.text  # the backend's address stays inside
    stored = client.get(r.headers["location"]).json()
    assert stored["status"] == "failed"
    assert stored["text"] == "".join(fake.chunks)
    assert stored["error"]["code"] == "backend_error"


def test_backend_timeout_is_504(client, fake):
    fake.fail = BackendError("timeout_first_token", "m", limit=90)
    r = client.post("/v1/drafts", json={"notes": notes_text()})
    assert r.status_code == 504
    assert r.json()["error"]["code"] == "backend_timeout"
    assert "超时" in r.json()["error"]["message"]
    assert client.get(r.headers["location"]).json()["status"] == "failed"


def test_backend_failure_while_streaming_sends_an_error_event(client, fake):
    fake.fail = BackendError("stalled", "m", partial="".join(fake.chunks), limit=30)
    with client.stream("POST", "/v1/drafts", json={"notes": notes_text()}, headers=SSE) as r:
        events = sse_events(r.read().decode())
    assert [k for k, _ in events] == ["delta"] * len(fake.chunks) + ["error"]
    err = events[-1][1]
    assert err["code"] == "backend_timeout" and err["id"] == r.headers["x-draft-id"]
    stored = client.get(f"/v1/drafts/{err['id']}").json()
    assert stored["status"] == "failed" and stored["text"] == "".join(fake.chunks)


def test_internal_error_in_the_drafter_is_500_without_details(client, fake):
    fake.fail = ValueError("secret detail from deep inside")
    r = client.post("/v1/drafts", json={"notes": notes_text()})
    assert r.status_code == 500
    assert "secret detail" not in r.text and "Traceback" not in r.text
    assert client.get(r.headers["location"]).json()["status"] == "failed"


def test_structure_is_required_and_nothing_is_stored_without_it(client):
    notes = {"role": "科员", "facts": ["4月窗口被动解答"]}
    r = client.post("/v1/drafts", json={"notes": notes})
    assert r.status_code == 422 and r.json()["error"]["code"] == "structure_missing"
    r = client.post("/v1/drafts", json={"notes": {**notes, "year": 2022, "meeting": "组织生活会"}})
    assert r.status_code == 201 and r.json()["structure"] == "org-life-2022"
    assert client.get("/v1/drafts").json()["count"] == 1


def test_invalid_notes_and_bad_fields_store_nothing(client):
    assert client.post("/v1/drafts", json={"notes": {"role": "科员"}}).status_code == 422
    assert client.post("/v1/drafts", json={"notes": "role: [unclosed"}).status_code == 422
    assert client.post("/v1/drafts", json={"notes": notes_text(), "rounds": 3}).status_code == 422
    assert client.post("/v1/drafts", json={"notes": notes_text(), "structure": "../x"}).status_code == 422
    assert client.post("/v1/drafts", json={}).status_code == 422
    assert client.get("/v1/drafts").json()["count"] == 0


def test_only_allowed_models_may_be_named(tmp_path, fake):
    s = make_settings(tmp_path, model="deepseek/deepseek-chat", api_models=["openai/qwen2.5"])
    with TestClient(create_app(s, drafter=fake)) as c:
        r = c.post("/v1/drafts", json={"notes": notes_text(), "model": "openai/gpt-4o"})
        assert r.status_code == 422 and r.json()["error"]["code"] == "model_not_allowed"
        assert "deepseek/deepseek-chat" in r.json()["error"]["message"]
        r = c.post("/v1/drafts", json={"notes": notes_text(), "model": "openai/qwen2.5"})
        assert r.status_code == 201
        assert fake.jobs[-1].model == "openai/qwen2.5"
        r = c.post("/v1/drafts", json={"notes": notes_text()})
        assert r.status_code == 201 and fake.jobs[-1].model is None


def test_rounds_are_capped_by_the_settings(tmp_path, fake):
    with TestClient(create_app(make_settings(tmp_path, max_revision_rounds=1), drafter=fake)) as c:
        assert c.post("/v1/drafts", json={"notes": notes_text(), "rounds": 2}).json()["rounds"] == 1
        assert c.post("/v1/drafts", json={"notes": notes_text(), "rounds": 0}).json()["rounds"] == 0
    assert [j.rounds for j in fake.jobs] == [1, 0]


def test_unknown_draft_is_404(client):
    r = client.get("/v1/drafts/0123456789abcdef0123456789abcdef")
    assert r.status_code == 404 and r.json()["error"]["code"] == "draft_not_found"


def test_list_pages(client):
    ids = [client.post("/v1/drafts", json={"notes": notes_text()}).json()["id"] for _ in range(3)]
    page = client.get("/v1/drafts", params={"limit": 2}).json()
    assert page["count"] == 3 and [d["id"] for d in page["drafts"]] == ids[::-1][:2]
    assert [d["id"] for d in client.get("/v1/drafts", params={"limit": 2, "offset": 2}).json()["drafts"]] == ids[:1]
    assert client.get("/v1/drafts", params={"limit": 0}).status_code == 422


# ---- cancellation: the client goes away -----------------------------------------------------

def _scope(path: str, headers: list[tuple[bytes, bytes]]) -> dict:
    return {"type": "http", "asgi": {"version": "3.0", "spec_version": "2.3"}, "http_version": "1.1",
            "method": "POST", "scheme": "http", "path": path, "raw_path": path.encode(), "query_string": b"",
            "root_path": "", "headers": headers, "client": ("127.0.0.1", 5000), "server": ("127.0.0.1", 8000),
            "state": {}}


async def _disconnect_after_first_delta(app, stream: bool) -> list[dict]:
    body = json.dumps({"notes": notes_dict()}).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    if stream:
        headers.append((b"accept", b"text/event-stream"))
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

    task = asyncio.create_task(app(_scope("/v1/drafts", headers), receive, send))
    fake: FakeDrafter = app.state.drafter
    for _ in range(500):
        if fake.jobs and (not stream or any(b"event: delta" in m.get("body", b"") for m in sent)):
            break
        await asyncio.sleep(0.01)
    await asyncio.sleep(0.05)
    gone.set()
    await asyncio.wait_for(task, 10)
    return sent


@pytest.mark.parametrize("stream", [False, True], ids=["json", "sse"])
def test_disconnect_cancels_the_backend_call(tmp_path, stream):
    fake = FakeDrafter(chunks=["一、对照检查出的问题\n", "（一）", "学习"], gap=0.05, hang=True)

    async def scenario():
        app = create_app(make_settings(tmp_path), drafter=fake)
        async with LifespanManager(app, startup_timeout=120, shutdown_timeout=60):
            await _disconnect_after_first_delta(app, stream)
            for _ in range(200):   # the run records its end in a worker thread, then
                drafts = app.state.store.list("local")   # releases its slot
                if drafts and drafts[0].status != "running" and app.state.slots.active == 0:
                    break
                await asyncio.sleep(0.02)
            assert app.state.slots.active == 0
            return drafts

    drafts = asyncio.run(scenario())
    assert fake.cancelled == 1 and fake.finished == 0
    assert len(drafts) == 1
    d = drafts[0]
    assert d.status == "cancelled"
    assert d.text.startswith("一、对照检查出的问题")
    assert d.error["code"] == "cancelled"


def test_shutdown_cancels_running_drafts_and_records_them(tmp_path):
    fake = FakeDrafter(hang=True)

    async def scenario():
        app = create_app(make_settings(tmp_path), drafter=fake)
        c = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t")
        async with LifespanManager(app, startup_timeout=120, shutdown_timeout=60):
            pending = asyncio.create_task(c.post("/v1/drafts", json={"notes": notes_dict()}))
            for _ in range(200):
                if fake.jobs:
                    break
                await asyncio.sleep(0.01)
            store = app.state.store
        answer = await asyncio.wait_for(pending, 10)   # the lifespan's exit cancelled the run
        await c.aclose()
        return store.list("local"), answer

    drafts, answer = asyncio.run(scenario())
    assert fake.cancelled == 1
    assert drafts[0].status == "cancelled"
    assert answer.status_code == 503 and answer.json()["error"]["code"] == "service_stopping"


# ---- admission: 503 when the service is full, 429 for one token --------------------------------

def test_full_service_answers_503_with_retry_after(tmp_path):
    fake = FakeDrafter(hang=True)
    s = make_settings(tmp_path, max_concurrent_drafts=2, draft_queue_seconds=0.2)

    async def scenario():
        app = create_app(s, drafter=fake)
        async with LifespanManager(app, startup_timeout=120, shutdown_timeout=60):
            async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as c:
                running = [asyncio.create_task(c.post("/v1/drafts", json={"notes": notes_dict()})) for _ in range(2)]
                for _ in range(200):
                    if len(fake.jobs) == 2:
                        break
                    await asyncio.sleep(0.01)
                r = await c.post("/v1/drafts", json={"notes": notes_dict()})
                for t in running:
                    t.cancel()
                return r, app.state.store.count("local")

    r, stored = asyncio.run(scenario())
    assert r.status_code == 503
    assert r.json()["error"]["code"] == "busy" and "稍后" in r.json()["error"]["message"]
    assert int(r.headers["retry-after"]) >= 1
    assert stored == 2  # the refused request was not stored


def test_one_token_over_its_share_gets_429(tmp_path):
    fake = FakeDrafter(hang=True)
    s = make_settings(tmp_path, api_tokens=["token-a", "token-b"], max_drafts_per_owner=1, max_concurrent_drafts=8)

    async def scenario():
        app = create_app(s, drafter=fake)
        async with LifespanManager(app, startup_timeout=120, shutdown_timeout=60):
            async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as c:
                a = {"Authorization": "Bearer token-a"}
                b = {"Authorization": "Bearer token-b"}
                first = asyncio.create_task(c.post("/v1/drafts", json={"notes": notes_dict()}, headers=a))
                for _ in range(200):
                    if fake.jobs:
                        break
                    await asyncio.sleep(0.01)
                second = await c.post("/v1/drafts", json={"notes": notes_dict()}, headers=a)
                other = asyncio.create_task(c.post("/v1/drafts", json={"notes": notes_dict()}, headers=b))
                for _ in range(200):
                    if len(fake.jobs) == 2:
                        break
                    await asyncio.sleep(0.01)
                active = app.state.slots.active
                first.cancel()
                other.cancel()
                return second, active

    second, active = asyncio.run(scenario())
    assert second.status_code == 429
    assert second.json()["error"]["code"] == "too_many_drafts"
    assert "retry-after" in second.headers
    assert active == 2  # token b was admitted while token a was refused


def test_keepalive_comments_while_the_backend_is_silent(client, fake, monkeypatch):
    import service.api.routes.drafts as drafts_route

    monkeypatch.setattr(drafts_route, "PING_SECONDS", 0.05)
    fake.gap = 0.3
    with client.stream("POST", "/v1/drafts", json={"notes": notes_text()}, headers=SSE) as r:
        body = r.read().decode()
    assert ": ping" in body
    assert [k for k, _ in sse_events(body)][-2:] == ["review", "done"]
