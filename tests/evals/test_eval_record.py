"""``--record`` end to end against a local OpenAI-compatible server (the path users take
with vLLM/Ollama): the suite records real HTTP exchanges, marks them ``recorded``, and a
replay of those recordings reproduces the run offline."""

import importlib.util
import json
import sys
from pathlib import Path

from evals import recording
from evals.dataset import load_drafting_cases
from evals.run import run_eval

ROOT = Path(__file__).resolve().parents[2]
_spec = importlib.util.spec_from_file_location("fake_server_for_evals", ROOT / "tests" / "llm" / "fake_server.py")
fake_server = importlib.util.module_from_spec(_spec)
sys.modules[_spec.name] = fake_server
_spec.loader.exec_module(fake_server)

DRAFT = (ROOT / "evals" / "datasets" / "drafting" / "responses" / "tax-window-2021" / "01-draft.txt").read_text(
    encoding="utf-8")


def test_record_then_replay(tmp_path, monkeypatch):
    case = [s for s in load_drafting_cases() if s.id == "tax-window-2021"]
    monkeypatch.setattr("evals.dataset.load_drafting_cases", lambda directory=None: case)
    model = "openai/local-test"
    with fake_server.FakeServer() as srv:
        # the draft, then a JSON answer for every critique request
        srv.script("local-test", fake_server.Act.say(DRAFT),
                   fake_server.Act.say(json.dumps({"issues": [], "rule_findings": []})))
        live = run_eval(tmp_path / "live", mode="live", record=True, models=[model], api_base=srv.base_url,
                        reviewer=False, critique=False, cassettes=tmp_path / "cassettes")
        calls = srv.calls()
        base = srv.base_url
    case_live = live["drafting"]["cases"][0]
    assert case_live["ok"] and case_live["origin"] == "recorded", case_live["error"]
    path = recording.cassette_path(model, "tax-window-2021", base, tmp_path / "cassettes")
    meta = recording.read_metadata(path)
    assert meta["origin"] == "recorded" and meta["models"] == ["local-test"]
    assert "x-duizhao-note" not in path.read_text(encoding="utf-8")
    assert calls >= 2
    # the server is gone: the replay is served by the recording alone
    replay = run_eval(tmp_path / "replay", mode="replay", models=[model], api_base=base,
                      reviewer=False, critique=False, cassettes=tmp_path / "cassettes")
    case_replay = replay["drafting"]["cases"][0]
    assert case_replay["ok"], case_replay["error"]
    for k in ("structure", "specificity", "coverage", "grounding"):
        assert case_replay["scores"][k]["value"] == case_live["scores"][k]["value"]
