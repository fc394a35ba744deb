"""``GET /healthz``, ``/v1/rules``, ``/v1/structures[/{id}]``."""

from __future__ import annotations

from service.review.registry import all_rules
from service.structures import list_structures


def test_healthz(client):
    r = client.get("/healthz")
    assert r.status_code == 200
    assert r.json()["status"] == "ok"


def test_rules_are_the_registry_with_documentation(client):
    r = client.get("/v1/rules")
    assert r.status_code == 200
    body = r.json()
    codes = [x["code"] for x in body["rules"]]
    assert codes == [rule.code for rule in all_rules()]
    assert body["count"] == len(codes)
    first = body["rules"][0]
    rule = all_rules()[0]
    assert first["doc"] == rule.doc and first["summary"] == rule.summary
    assert first["severity"] in ("error", "warning", "info")


def test_structures_list_and_one(client):
    r = client.get("/v1/structures")
    assert r.status_code == 200
    ids = [s["id"] for s in r.json()["structures"]]
    assert ids == [s.id for s in list_structures()]
    one = client.get("/v1/structures/org-life-2021")
    assert one.status_code == 200
    j = one.json()
    assert j["id"] == "org-life-2021" and j["aspects"][0]["number"] == 1
    assert {s["kind"] for s in j["sections"]} >= {"problems", "causes", "measures"}


def test_unknown_structure_is_404_in_chinese(client):
    r = client.get("/v1/structures/org-life-1999")
    assert r.status_code == 404
    err = r.json()["error"]
    assert err["code"] == "unknown_structure" and "未知的结构" in err["message"]


def test_a_structure_id_never_names_a_file(client):
    # a real structure file, named by path: the API must not read it
    r = client.get("/v1/structures/prompts%2Fstructures%2Forg-life-2021.yaml")
    assert r.status_code == 404
    r = client.get("/v1/structures/org-life-2021.yaml")
    assert r.status_code == 404
