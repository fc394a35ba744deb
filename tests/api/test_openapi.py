"""The OpenAPI document: where it is, stable operation ids, documented errors; the
interactive docs; the review path does not import FastAPI."""

from __future__ import annotations

import subprocess
import sys

from tests.api.conftest import ROOT

# Clients are generated from these: renaming one is a breaking change.
OPERATIONS = {
    ("get", "/healthz"): "getHealth",
    ("get", "/v1/rules"): "listRules",
    ("get", "/v1/structures"): "listStructures",
    ("get", "/v1/structures/{structure_id}"): "getStructure",
    ("post", "/v1/reviews"): "createReview",
    ("post", "/v1/drafts"): "createDraft",
    ("get", "/v1/drafts"): "listDrafts",
    ("get", "/v1/drafts/{draft_id}"): "getDraft",
    ("post", "/v1/exports/docx"): "exportDocx",
    ("get", "/v1/drafts/{draft_id}/docx"): "getDraftDocx",
}


def test_openapi_lives_under_v1_with_stable_operation_ids(client):
    r = client.get("/v1/openapi.json")
    assert r.status_code == 200
    spec = r.json()
    found = {(method, path): op["operationId"] for path, item in spec["paths"].items()
             for method, op in item.items()}
    # other packages (service/web, service/export) add their own routes; ours stay as they are
    assert {k: found.get(k) for k in OPERATIONS} == OPERATIONS
    assert len(set(found.values())) == len(found)   # operation ids are unique
    assert client.get("/openapi.json").status_code == 404


def test_errors_are_documented_with_the_error_shape(client):
    spec = client.get("/v1/openapi.json").json()
    error_ref = "#/components/schemas/ErrorOut"
    for path, item in spec["paths"].items():
        for method, op in item.items():
            if (method, path) not in OPERATIONS or not path.startswith("/v1/"):
                continue
            for status in ("401", "422", "413", "500"):
                schema = op["responses"][status]["content"]["application/json"]["schema"]
                assert schema == {"$ref": error_ref}, (method, path, status)
    drafts = spec["paths"]["/v1/drafts"]["post"]["responses"]
    assert {"201", "429", "502", "503", "504"} <= set(drafts)
    assert "text/event-stream" in drafts["201"]["content"]
    assert "HTTPValidationError" not in spec["components"]["schemas"]  # FastAPI's default shape is not ours
    assert spec["components"]["securitySchemes"]["bearer"]["scheme"] == "bearer"


def test_interactive_docs(client):
    r = client.get("/v1/docs")
    assert r.status_code == 200
    assert "/v1/openapi.json" in r.text and "swagger" in r.text.lower()


def test_the_review_path_does_not_import_fastapi():
    code = ("import sys\n"
            "import service.cli, service.review.engine, service.store, service.settings\n"
            "service.cli.build_parser()\n"
            "from service.review.engine import review\n"
            "review(open('tests/fixtures/seed_2021.txt', encoding='utf-8').read())\n"
            "bad = [m for m in ('fastapi', 'starlette', 'uvicorn', 'litellm') if m in sys.modules]\n"
            "assert not bad, bad\n")
    r = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
