"""The API on PostgreSQL (several replicas share one database): two app instances on
the same database see each other's drafts, owner scoping holds, migrations ran once."""

from __future__ import annotations

import uuid

import pytest
from fastapi.testclient import TestClient

from service.api import create_app
from service.store.migrations import MIGRATIONS, applied
from tests.api.conftest import FakeDrafter, make_settings, notes_text

pytestmark = pytest.mark.postgres


def test_two_replicas_share_drafts_on_postgres(tmp_path, pg_server):
    url = pg_server.create_database("api_" + uuid.uuid4().hex[:10])
    s = make_settings(tmp_path, database_url=url, api_tokens=["tok-one-123", "tok-two-456"])
    one, two = {"Authorization": "Bearer tok-one-123"}, {"Authorization": "Bearer tok-two-456"}
    with TestClient(create_app(s, drafter=FakeDrafter())) as a, TestClient(create_app(s, drafter=FakeDrafter())) as b:
        made = a.post("/v1/drafts", json={"notes": notes_text()}, headers=one)
        assert made.status_code == 201
        seen = b.get(f"/v1/drafts/{made.json()['id']}", headers=one)
        assert seen.status_code == 200 and seen.json() == made.json()
        assert b.get(f"/v1/drafts/{made.json()['id']}", headers=two).status_code == 404
        assert b.get("/v1/drafts", headers=one).json()["count"] == 1
        assert [v for v, _ in applied(a.app.state.store.engine)] == [m[0] for m in MIGRATIONS]
        assert a.app.state.store.engine.dialect.name == "postgresql"
