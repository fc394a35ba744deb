"""Every error is ``{"error": {"code", "message"}}`` with a Chinese message; no
traceback, exception text or secret in a response."""

from __future__ import annotations

import logging
import re

import pytest
from fastapi.testclient import TestClient

from service.api import create_app
from service.api.deps import get_store
from service.api.errors import validation_message
from tests.api.conftest import make_settings, notes_text

HAN = re.compile(r"[\u4e00-\u9fff]")


def assert_error(r, status: int, code: str | None = None) -> dict:
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith("application/json")
    body = r.json()
    assert set(body) == {"error"} and set(body["error"]) == {"code", "message"}
    assert HAN.search(body["error"]["message"]), body
    if code:
        assert body["error"]["code"] == code
    assert "Traceback" not in r.text and "pydantic" not in r.text.lower()
    return body["error"]


@pytest.mark.parametrize("payload, where", [
    ({}, "text：缺少必填项"),
    ({"text": 5}, "text：应为字符串"),
    ({"text": "x", "llm": "maybe"}, "llm：应为 true 或 false"),
    ({"text": "x", "notes": 7}, "notes："),
    ({"text": "x", "extra": 1}, "extra：不是可用的字段"),
])
def test_validation_errors_name_the_field_in_chinese(client, payload, where):
    err = assert_error(client.post("/v1/reviews", json=payload), 422, "validation_error")
    assert where in err["message"]


def test_a_body_that_is_not_an_object(client):
    assert_error(client.post("/v1/reviews", json=["text"]), 422, "validation_error")


def test_malformed_json_is_400(client):
    err = assert_error(client.post("/v1/reviews", content=b'{"text": ', headers={"content-type": "application/json"}),
                       400, "invalid_json")
    assert "JSON" in err["message"]


def test_unknown_path_and_method(client):
    assert_error(client.get("/v1/nothing-here"), 404, "not_found")
    assert_error(client.put("/v1/reviews", json={}), 405, "method_not_allowed")
    assert_error(client.get("/v1/drafts", params={"limit": "many"}), 422, "validation_error")


def test_unexpected_exception_is_500_without_details(client, caplog):
    def broken_store():
        raise RuntimeError("connection string postgresql://admin:hunter2@db/prod")

    client.app.dependency_overrides[get_store] = broken_store
    try:
        with caplog.at_level(logging.DEBUG):
            r = client.get("/v1/drafts")
    finally:
        client.app.dependency_overrides.clear()
    assert_error(r, 500, "internal_error")
    assert "hunter2" not in r.text
    logged = "\n".join(rec.getMessage() for rec in caplog.records)
    assert "RuntimeError" in logged            # enough to find the bug
    assert "hunter2" not in logged             # not the message itself
    assert all(rec.exc_info is None for rec in caplog.records if rec.name.startswith("duizhao"))


def test_no_secret_reaches_a_response(tmp_path, fake):
    key, token = "sk-test-0123456789abcdefSECRET", "tok-9f8e7d6c5b4a"
    s = make_settings(tmp_path, api_key=key, api_tokens=[token], model="deepseek/deepseek-chat")
    auth = {"Authorization": f"Bearer {token}"}
    with TestClient(create_app(s, drafter=fake)) as c:
        responses = [
            c.get("/v1/openapi.json"), c.get("/v1/docs"), c.get("/healthz"), c.get("/v1/rules", headers=auth),
            c.get("/v1/drafts"), c.post("/v1/drafts", json={"notes": notes_text()}, headers=auth),
            c.post("/v1/drafts", json={"notes": notes_text(), "model": "x/y"}, headers=auth),
            c.post("/v1/reviews", json={"text": ""}, headers=auth),
        ]
    for r in responses:
        assert key not in r.text and token not in r.text


def test_validation_message_is_bounded():
    errors = [{"loc": ("body", f"f{i}"), "type": "missing"} for i in range(10)]
    msg = validation_message(errors)
    assert msg.count("缺少必填项") == 3 and "另有 7 处" in msg


def test_database_outage_is_503(tmp_path, fake):
    from sqlalchemy.exc import OperationalError

    class DeadStore:
        engine = None

        def list(self, *a, **k):
            raise OperationalError("SELECT", {}, Exception("could not connect to server"))

        def count(self, *a, **k):
            return 0

    with TestClient(create_app(make_settings(tmp_path), drafter=fake)) as c:
        c.app.dependency_overrides[get_store] = lambda: DeadStore()
        r = c.get("/v1/drafts")
    err = assert_error(r, 503, "database_unavailable")
    assert "could not connect" not in r.text and "数据库" in err["message"]
    assert r.headers["retry-after"]
