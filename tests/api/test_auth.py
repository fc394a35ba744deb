"""``DUIZHAO_API_TOKENS``: 401 without a valid token, drafts owned per token (404 for
another token's draft), the owner stored as a hash and the token nowhere."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from service.api import create_app
from service.api.auth import LOCAL_OWNER, current_owner, owner_of
from tests.api.conftest import make_settings, notes_text

TOKEN_A = "tok-a-7f3c9e1d2b4a"
TOKEN_B = "tok-b-5e8d0c6f1a9b"


@pytest.fixture
def secured(tmp_path, fake):
    s = make_settings(tmp_path, api_tokens=[TOKEN_A, TOKEN_B])
    with TestClient(create_app(s, drafter=fake)) as c:
        yield c


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@pytest.mark.parametrize("path", ["/v1/rules", "/v1/structures", "/v1/structures/org-life-2021", "/v1/drafts"])
def test_every_v1_call_needs_a_token(secured, path):
    r = secured.get(path)
    assert r.status_code == 401
    assert r.headers["www-authenticate"] == "Bearer"
    err = r.json()["error"]
    assert err["code"] == "unauthorized" and "令牌" in err["message"]
    assert secured.get(path, headers=bearer("wrong-token")).status_code == 401
    assert secured.get(path, headers={"Authorization": f"Basic {TOKEN_A}"}).status_code == 401
    assert secured.get(path, headers=bearer(TOKEN_A)).status_code == 200


def test_posts_need_a_token_too(secured):
    assert secured.post("/v1/reviews", json={"text": "x"}).status_code == 401
    assert secured.post("/v1/drafts", json={"notes": notes_text()}).status_code == 401
    assert secured.get("/v1/drafts").status_code == 401


def test_health_and_docs_are_open(secured):
    assert secured.get("/healthz").status_code == 200
    assert secured.get("/v1/openapi.json").status_code == 200


def test_drafts_belong_to_the_token_that_made_them(secured):
    made = secured.post("/v1/drafts", json={"notes": notes_text()}, headers=bearer(TOKEN_A))
    assert made.status_code == 201
    draft_id = made.json()["id"]
    assert secured.get(f"/v1/drafts/{draft_id}", headers=bearer(TOKEN_A)).status_code == 200
    other = secured.get(f"/v1/drafts/{draft_id}", headers=bearer(TOKEN_B))
    assert other.status_code == 404 and other.json()["error"]["code"] == "draft_not_found"
    assert secured.get("/v1/drafts", headers=bearer(TOKEN_B)).json() == {"count": 0, "drafts": []}
    assert secured.get("/v1/drafts", headers=bearer(TOKEN_A)).json()["count"] == 1


def test_the_owner_is_a_hash_and_the_token_is_stored_nowhere(secured, tmp_path):
    made = secured.post("/v1/drafts", json={"notes": notes_text()}, headers=bearer(TOKEN_A)).json()
    store = secured.app.state.store
    with store.session() as s:
        from service.store.models import Draft

        row = s.get(Draft, made["id"])
        assert row.owner == hashlib.sha256(TOKEN_A.encode()).hexdigest() == owner_of(TOKEN_A)
    assert TOKEN_A not in str(made)
    for path in Path(tmp_path).glob("api.db*"):
        assert TOKEN_A.encode() not in path.read_bytes()


def test_without_tokens_everyone_is_the_local_user(client):
    assert client.get("/v1/drafts").status_code == 200
    made = client.post("/v1/drafts", json={"notes": notes_text()}).json()
    assert client.app.state.store.get(made["id"], LOCAL_OWNER) is not None


def test_the_owner_dependency_can_be_overridden(secured):
    secured.app.dependency_overrides[current_owner] = lambda: "tester"
    try:
        assert secured.get("/v1/drafts").status_code == 200
    finally:
        secured.app.dependency_overrides.clear()
