"""The revision rounds of a draft are stored and returned (``revision`` in
``GET /v1/drafts/{id}``, the 201 answer and the SSE ``done`` event), in the shape
docs/contracts.md documents: the real drafting pipeline and litellm against the local
fake server, scripted to draft a text with blocking findings, critique it, revise the
flagged span and critique the revised text."""

from __future__ import annotations

import json

import pytest
from fastapi.testclient import TestClient

from service.api import create_app
from tests.api.conftest import ROOT, FakeDrafter, make_settings, notes_dict, notes_text, sse_events
from tests.llm.fake_server import Act, FakeServer
from tests.sentence_diff import changed

GOOD = (ROOT / "tests" / "drafting" / "data" / "tax-clerk.draft.txt").read_text(encoding="utf-8")
P2 = ("二是落实税费支持政策等靠被动。4月税费支持政策出台后，我只在窗口被动解答，没有主动梳理辖区32户小微企业的享受条件，"
      "6月抽查发现其中9户没有及时享受，直接影响了企业应享的政策红利。")
PRAISE_SPAN = "工作太投入，经常加班加点，顾不上家庭。"
PRAISE = GOOD.replace(P2, "二是" + PRAISE_SPAN)         # disguised praise: blocking findings
FIXED = ("落实税费支持政策等靠被动。4月税费支持政策出台后，我只在窗口被动解答，没有主动梳理辖区32户小微企业的享受条件，"
         "6月抽查发现其中9户没有及时享受。")
NO_ISSUES = json.dumps({"issues": [], "rule_findings": []})
SSE = {"Accept": "text/event-stream"}
ROUND_KEYS = {"round", "text", "diff", "verdict", "scores", "findings"}


def edits(original: str, replacement: str) -> str:
    return json.dumps({"edits": [{"finding": "F1", "original": original, "replacement": replacement}]},
                      ensure_ascii=False)


@pytest.fixture(scope="module")
def server():
    with FakeServer() as srv:
        yield srv


def revising(server, draft: str = PRAISE, fixed: str = FIXED) -> None:
    """draft → critique (no issues) → revision of F1 → critique of round 1."""
    server.script("good", Act.say(draft, chunks=3), Act.say(NO_ISSUES), Act.say(edits(PRAISE_SPAN, fixed)),
                  Act.say(NO_ISSUES))


def app_for(tmp_path, server):
    return create_app(make_settings(tmp_path, model="openai/good", api_base=server.base_url, num_retries=0))


def check_shape(rev: dict, text: str) -> None:
    assert set(rev) == {"rounds", "best", "stopped", "message", "max_rounds"}
    assert rev["stopped"] == "converged" and rev["message"] == "阻断性问题已全部解决"
    assert rev["max_rounds"] == 2 and rev["best"] == 1
    r0, r1 = rev["rounds"]
    assert set(r0) == ROUND_KEYS and set(r1) == ROUND_KEYS
    assert (r0["round"], r1["round"]) == (0, 1)
    assert r0["text"].startswith(PRAISE.strip()[:20]) and "二是" + PRAISE_SPAN in r0["text"] and r0["diff"] is None
    assert "二是" + FIXED in r1["text"] and PRAISE_SPAN not in r1["text"]
    assert r1["text"] == text                               # the stored text is the best round
    assert changed(r1["diff"]) == ("二是" + PRAISE_SPAN, "二是" + FIXED)
    assert r1["diff"].startswith("--- 第0轮\n+++ 第1轮\n")
    assert r0["findings"]["error"] >= 1 and r1["findings"]["error"] == 0
    assert set(r0["findings"]) == {"error", "warning", "info"}
    assert all(isinstance(n, int) for n in r0["findings"].values())
    assert r0["verdict"] in ("需修改", "不达标") and r1["verdict"] in ("可提交", "需修改")
    assert r0["scores"] and all(isinstance(v, (int, float)) for v in r0["scores"].values())
    assert "review" not in r0 and "edits" not in r1 and "prompt" not in r1   # rows stay small


def test_revision_rounds_are_stored_and_returned(tmp_path, server):
    revising(server)
    before = server.calls("good")
    with TestClient(app_for(tmp_path, server)) as c:
        r = c.post("/v1/drafts", json={"notes": notes_text(), "rounds": 2})
        assert r.status_code == 201, r.text
        body = r.json()
        assert server.calls("good") - before == 4 and body["usage"]["calls"] == 4
        check_shape(body["revision"], body["text"])
        assert body["review"]["verdict"] == body["revision"]["rounds"][1]["verdict"]
        stored = c.get(f"/v1/drafts/{body['id']}")
        assert stored.status_code == 200 and stored.json() == body
        listed = c.get("/v1/drafts").json()["drafts"][0]
        assert listed["id"] == body["id"] and "revision" not in listed


def test_the_stream_done_event_carries_the_stored_revision(tmp_path, server):
    revising(server)
    with TestClient(app_for(tmp_path, server)) as c:
        with c.stream("POST", "/v1/drafts", json={"notes": notes_dict(), "rounds": 2}, headers=SSE) as s:
            assert s.status_code == 201
            events = sse_events(s.read().decode())
        assert [k for k, _ in events][-2:] == ["review", "done"]
        done = events[-1][1]
        check_shape(done["revision"], done["text"])
        assert c.get(f"/v1/drafts/{done['id']}").json()["revision"] == done["revision"]


def test_a_draft_without_rounds_has_revision_null(tmp_path, server):
    server.script("good", Act.say(PRAISE, chunks=3))
    with TestClient(app_for(tmp_path, server)) as c:
        body = c.post("/v1/drafts", json={"notes": notes_text(), "rounds": 0}).json()
        assert body["status"] == "done" and body["revision"] is None
        assert c.get(f"/v1/drafts/{body['id']}").json()["revision"] is None
        with c.stream("POST", "/v1/drafts", json={"notes": notes_dict(), "rounds": 0}, headers=SSE) as s:
            done = sse_events(s.read().decode())[-1]
        assert done[0] == "done" and done[1]["revision"] is None


def test_outline_and_failed_drafts_have_revision_null(tmp_path):
    from service.llm.errors import BackendError

    with TestClient(create_app(make_settings(tmp_path))) as c:          # no model: the outline
        body = c.post("/v1/drafts", json={"notes": notes_text(), "rounds": 2}).json()
        assert body["status"] == "done" and body["revision"] is None
    fake = FakeDrafter(fail=BackendError("server_error", "m", partial="一、", status=500))
    with TestClient(create_app(make_settings(tmp_path), drafter=fake)) as c:
        r = c.post("/v1/drafts", json={"notes": notes_text(), "rounds": 2})
        assert r.status_code == 502
        assert c.get(r.headers["location"]).json()["revision"] is None


def test_the_documented_schema_names_the_revision_fields(tmp_path):
    with TestClient(create_app(make_settings(tmp_path))) as c:
        schemas = c.get("/v1/openapi.json").json()["components"]["schemas"]
    assert "revision" in schemas["DraftOut"]["properties"]
    assert "revision" not in schemas["DraftSummary"]["properties"]
    assert set(schemas["RevisionOut"]["properties"]) == {"rounds", "best", "stopped", "message", "max_rounds"}
    assert set(schemas["RevisionRound"]["properties"]) == ROUND_KEYS


def test_an_unreadable_revision_does_not_lose_the_draft(tmp_path, caplog):
    class Odd(FakeDrafter):
        async def stream(self, job):
            async for item in super().stream(job):
                if not isinstance(item, str):
                    item.extra["revision"] = {"rounds": [{"round": "第一轮"}], "best": 0}
                yield item

    fake = Odd()
    with TestClient(create_app(make_settings(tmp_path), drafter=fake)) as c:
        r = c.post("/v1/drafts", json={"notes": notes_text(), "rounds": 1})
        assert r.status_code == 201 and r.json()["text"] == "".join(fake.chunks)
        assert r.json()["revision"] is None
    assert any("revision rounds not stored (ValueError)" in rec.getMessage() for rec in caplog.records)
