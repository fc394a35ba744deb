"""``POST /v1/reviews``: the same result object as the CLI (without ``path``)."""

from __future__ import annotations

import json
import subprocess
import sys

from tests.api.conftest import ROOT, SEED, make_settings, notes_dict, notes_text


def test_review_equals_the_cli_json(client):
    text = SEED.read_text(encoding="utf-8")
    r = client.post("/v1/reviews", json={"text": text})
    assert r.status_code == 200
    api = r.json()
    cli = subprocess.run([sys.executable, "-m", "service.cli", "review", "--format", "json", str(SEED)],
                         capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert cli.returncode in (0, 1), cli.stderr
    expected = json.loads(cli.stdout)
    expected.pop("path")
    assert api == expected
    assert api["critique"] == {"status": "off", "model": None, "reason": None}


def test_review_with_structure_and_notes(client):
    text = SEED.read_text(encoding="utf-8")
    as_text = client.post("/v1/reviews", json={"text": text, "structure": "org-life-2021", "notes": notes_text()})
    as_obj = client.post("/v1/reviews", json={"text": text, "structure": "org-life-2021", "notes": notes_dict()})
    assert as_text.status_code == as_obj.status_code == 200
    assert as_text.json() == as_obj.json()
    assert as_text.json()["structure"] == "org-life-2021"


def test_offsets_index_the_text_as_given(client):
    text = SEED.read_text(encoding="utf-8")
    body = client.post("/v1/reviews", json={"text": text}).json()
    for f in body["findings"]:
        assert 0 <= f["start"] <= f["end"] <= len(text)


def test_llm_critique_is_unavailable_with_a_chinese_reason(client):
    text = SEED.read_text(encoding="utf-8")
    plain = client.post("/v1/reviews", json={"text": text}).json()
    r = client.post("/v1/reviews", json={"text": text, "llm": True})
    assert r.status_code == 200
    body = r.json()
    assert body["critique"]["status"] == "unavailable"
    assert "模型审读" in body["critique"]["reason"]
    assert body["findings"] == plain["findings"]  # the rule findings are complete


def test_unknown_structure_is_422(client):
    r = client.post("/v1/reviews", json={"text": SEED.read_text(encoding="utf-8"), "structure": "org-life-1990"})
    assert r.status_code == 422
    assert r.json()["error"]["code"] == "unknown_structure"


def test_notes_cannot_make_the_server_read_a_file(client, tmp_path):
    secret = tmp_path / "secret.yaml"
    secret.write_text("id: x\n", encoding="utf-8")
    notes = {"role": "科员", "facts": ["某事"], "structure": str(secret)}
    r = client.post("/v1/reviews", json={"text": SEED.read_text(encoding="utf-8"), "notes": notes})
    assert r.status_code == 422
    assert r.json()["error"]["code"] == "unknown_structure"
    # notes as a one-line text that names an existing file are content, not a path
    r = client.post("/v1/reviews", json={"text": SEED.read_text(encoding="utf-8"), "notes": str(secret)})
    assert r.status_code == 422
    assert r.json()["error"]["code"] == "invalid_notes"


def test_invalid_notes_are_422_with_the_notes_message(client):
    r = client.post("/v1/reviews", json={"text": SEED.read_text(encoding="utf-8"), "notes": {"role": "科员"}})
    assert r.status_code == 422
    err = r.json()["error"]
    assert err["code"] == "invalid_notes" and "facts" in err["message"]


def test_empty_and_off_genre_text(client):
    r = client.post("/v1/reviews", json={"text": "   \n"})
    assert r.status_code == 422 and r.json()["error"]["code"] == "empty_text"
    r = client.post("/v1/reviews", json={"text": "今天天气很好，我们去公园散步，看见很多人在放风筝。"})
    assert r.status_code == 422 and r.json()["error"]["code"] == "not_this_genre"


def test_text_over_the_configured_limit_is_413(tmp_path, fake):
    from fastapi.testclient import TestClient

    from service.api import create_app

    with TestClient(create_app(make_settings(tmp_path, max_text_chars=1000), drafter=fake)) as c:
        r = c.post("/v1/reviews", json={"text": "对照检查" * 400})
        assert r.status_code == 413
        assert r.json()["error"]["code"] == "text_too_long"


def test_text_over_the_schema_limit_is_422(client):
    r = client.post("/v1/reviews", json={"text": "字" * 50_001})
    assert r.status_code == 422
    assert "最多 50000 个字符" in r.json()["error"]["message"]


def test_unknown_fields_are_refused(client):
    r = client.post("/v1/reviews", json={"text": "x", "struture": "org-life-2021"})
    assert r.status_code == 422
    assert "struture" in r.json()["error"]["message"]


def test_llm_critique_reason_when_the_pass_is_not_built(client, monkeypatch):
    from service.api.routes import reviews

    monkeypatch.setattr(reviews, "_critique_available", lambda: False)
    r = client.post("/v1/reviews", json={"text": SEED.read_text(encoding="utf-8"), "llm": True})
    assert r.json()["critique"] == {"status": "unavailable", "model": None, "reason": reviews.CRITIQUE_NOT_BUILT}


def test_llm_critique_runs_on_the_configured_backend(tmp_path, fake):
    from fastapi.testclient import TestClient

    from service.api import create_app
    from tests.llm.fake_server import FakeServer

    text = SEED.read_text(encoding="utf-8")
    plain = None
    with FakeServer() as srv:
        s = make_settings(tmp_path, model="openai/critic", api_base=srv.base_url, num_retries=0)
        with TestClient(create_app(s, drafter=fake)) as c:
            plain = c.post("/v1/reviews", json={"text": text}).json()
            r = c.post("/v1/reviews", json={"text": text, "llm": True})
            assert c.app.state.slots.active == 0      # the slot taken for the backend call is back
        assert srv.calls("critic") >= 1               # the model was really asked
    assert r.status_code == 200
    body = r.json()
    assert body["critique"]["status"] in ("ok", "unavailable")
    assert body["critique"]["reason"] != "未配置模型，无法进行模型审读，以下为完整的规则检查结果。"
    rule_findings = [f for f in body["findings"] if f["source"] == "rules"]
    assert rule_findings == plain["findings"]


def test_llm_critique_failure_keeps_the_rule_result(tmp_path, fake, monkeypatch):
    import service.critique
    from fastapi.testclient import TestClient

    from service.api import create_app
    from service.api.routes import reviews

    async def boom(result, notes, settings):
        raise RuntimeError("provider said something with the prompt in it")

    monkeypatch.setattr(service.critique, "acritique", boom)
    s = make_settings(tmp_path, model="deepseek/deepseek-chat")
    with TestClient(create_app(s, drafter=fake)) as c:
        r = c.post("/v1/reviews", json={"text": SEED.read_text(encoding="utf-8"), "llm": True})
    assert r.status_code == 200
    assert r.json()["critique"]["reason"] == reviews.CRITIQUE_FAILED
    assert "provider said" not in r.text
