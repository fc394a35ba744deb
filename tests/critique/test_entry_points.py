"""Where the critique is reached from: ``duizhao review --llm``, ``POST /v1/reviews``
with ``llm: true``, and the drafting pipeline (critique + revision rounds)."""

from __future__ import annotations

import subprocess
import sys

import pytest

from conftest import ROOT, json_line
from llm.fake_server import Act
from service.cli import main
from service.drafting import draft
from service.settings import get_settings

from .conftest import FIXED, GOOD, PRAISE, PRAISE_SPAN, answer, edits, issue

P1_QUOTE = "说明我把学习当成任务来完成"


@pytest.fixture
def clean_env(monkeypatch):
    for k in ("DUIZHAO_MODEL", "DUIZHAO_API_BASE", "DUIZHAO_MODELS_FILE", "DUIZHAO_API_KEY", "OPENAI_API_KEY"):
        monkeypatch.delenv(k, raising=False)
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


@pytest.fixture
def praise_file(tmp_path):
    path = tmp_path / "draft.txt"
    path.write_text(PRAISE, encoding="utf-8")
    return path


def test_cli_review_llm_json(server, praise_file, clean_env, capsys):
    server.script("critic", Act.say(answer([issue("p1", "Q5", P1_QUOTE)])))
    code = main(["review", "--llm", "--model", "openai/critic", "--api-base", server.base_url,
                 "--format", "json", str(praise_file), str(praise_file)])
    lines = capsys.readouterr().out.splitlines()
    assert code == 1 and len(lines) == 2 and server.calls("critic") == 2   # one call per review
    for line in lines:
        out = json_line(line)
        assert out["critique"]["status"] == "ok" and out["critique"]["model"] == "openai/critic"
        llm = [f for f in out["findings"] if f["source"] == "llm"]
        assert len(llm) == 1 and PRAISE[llm[0]["start"]:llm[0]["end"]] == P1_QUOTE


def test_cli_review_llm_without_a_model_is_unavailable(praise_file, clean_env, capsys):
    code = main(["review", "--llm", "--format", "json", str(praise_file)])
    captured = capsys.readouterr()
    out = json_line(captured.out)
    assert code == 1 and out["critique"]["status"] == "unavailable"
    assert "未配置模型" in out["critique"]["reason"] and "未配置模型" in captured.err
    assert {f["rule"] for f in out["findings"]} >= {"DZ102", "DZ301"}


def test_cli_review_llm_bad_model_is_usage_error(praise_file, clean_env, capsys):
    code = main(["review", "--llm", "--model", "bad model", str(praise_file)])
    captured = capsys.readouterr()
    assert code == 2 and captured.out == "" and captured.err.startswith("duizhao: ")


def test_api_review_with_llm(server, tmp_path, monkeypatch):
    from fastapi.testclient import TestClient

    from api.conftest import make_settings
    from service.api import create_app

    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    server.script("critic", Act.say(answer([issue("p1", "Q5", P1_QUOTE)])))
    settings = make_settings(tmp_path, model="openai/critic", api_base=server.base_url)
    with TestClient(create_app(settings)) as client:
        body = client.post("/v1/reviews", json={"text": GOOD, "llm": True}).json()
    assert body["critique"]["status"] == "ok"
    assert [f["rule"] for f in body["findings"] if f["source"] == "llm"] == ["LLM-Q5"]


def test_draft_with_critique_and_revision(server, backend, notes):
    # the draft, critique of it, one revision, critique of the revised text
    server.script("critic", Act.say(PRAISE), Act.say(answer()), Act.say(edits(("F1", PRAISE_SPAN, FIXED))),
                  Act.say(answer()))
    result = draft(notes, backend=backend, critique=True, rounds=2)
    assert result.ok and server.calls("critic") == 4 and result.usage.calls == 4
    assert PRAISE_SPAN not in result.text and FIXED in result.text
    j = result.to_json()
    assert j["review"]["verdict"] == "需修改" and not any(f["severity"] == "error" for f in j["review"]["findings"]) and j["review"]["critique"]["status"] == "ok"
    rev = j["revision"]
    assert rev["stopped"] == "converged" and len(rev["rounds"]) == 2 and rev["rounds"][0]["text"] == PRAISE
    assert [p["id"].split("@")[0] for p in j["prompts"]] == ["draft", "critique", "revise", "critique"]


def test_draft_without_the_hook_is_unchanged(server, backend, notes):
    server.script("critic", Act.say(PRAISE))
    result = draft(notes, backend=backend)
    assert server.calls("critic") == 1 and result.text == PRAISE and "revision" not in result.to_json()


def test_importing_the_package_does_not_import_litellm():
    probe = ("import sys, service.critique, service.commands.review; "
             "print('litellm' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, cwd=ROOT, check=True)
    assert out.stdout.strip() == "False"


def test_prompt_templates_match_their_inputs():
    import service.critique.prompt  # noqa: F401  (registers the tasks)
    from service.prompts import check_templates

    hashes = check_templates()
    assert {"critique", "revise"} <= set(hashes)
