"""The critique pass: structured output by our config, validation and re-asks,
graceful failure, weak findings dropped, merge with the rule findings."""

from __future__ import annotations

import json

import pytest
import yaml

from llm.fake_server import Act
from service.critique.critic import critique
from service.critique.schema import CritiqueAnswer
from service.llm import Backend
from service.llm.config import from_model, from_models_file
from service.review.engine import review

from .conftest import GOOD, PRAISE, PRAISE_SPAN, answer, core, issue

P1_QUOTE = "说明我把学习当成任务来完成"     # in p1 of the tax-clerk draft


def _reviewed(text, notes):
    return review(text, notes=notes)


def test_valid_critique_adds_llm_findings_with_verbatim_spans(server, backend, notes):
    server.script("critic", Act.say(answer(
        [issue("p1", "Q5", P1_QUOTE, "只说把学习当任务，没有剖析当时的想法。", "写清当时为什么这样想。"),
         issue("m3", "Q15", "严格落实“三会一课”制度", "前半句是口号。", "删去口号，只留具体安排。")],
        [{"finding": "r1", "verdict": "confirm", "reason": "确实是明批暗褒。"}])))
    plain = _reviewed(PRAISE, notes)
    result = critique(_reviewed(PRAISE, notes), notes, backend)
    c = result.critique
    assert c["status"] == "ok" and c["model"] == "openai/critic" and c["reason"] is None
    assert c["findings"] == 2 and c["confirmed"] == 1 and c["attempts"] == 1 and c["mode"] == "json_object"
    assert c["usage"]["calls"] == 1 and c["prompt"]["id"].startswith("critique@")
    llm = [f for f in result.findings if f.source == "llm"]
    assert [(f.rule, f.category, f.severity, f.item) for f in llm] == [
        ("LLM-Q5", "formulaic", "warning", "p1"), ("LLM-Q15", "vague_measure", "warning", "m3")]
    assert PRAISE[llm[0].start:llm[0].end] == P1_QUOTE
    assert PRAISE[llm[1].start:llm[1].end] == "严格落实“三会一课”制度"
    assert "没有剖析当时的想法" in llm[0].message
    # rule findings all still there, exactly as the rules made them; r1 marked confirmed
    rules = [f for f in result.findings if f.source == "rules"]
    assert core(rules) == core(plain.findings)
    praise = next(f for f in rules if f.category == "disguised_praise")
    assert praise.to_json()["llm_verdict"] == "confirms"
    j = result.to_json()
    assert json.dumps(j, ensure_ascii=False) and set(j) == set(plain.to_json())
    assert {f["source"] for f in j["findings"]} == {"rules", "llm"}


def test_request_is_deterministic_and_says_json(server, backend, notes):
    server.script("critic", Act.say(answer()))
    critique(_reviewed(GOOD, notes), notes, backend)
    body = server.log[-1].body
    assert body["temperature"] == 0
    assert body["seed"] == 2021          # openai-compatible servers accept a seed (providers.yaml)
    assert body["response_format"] == {"type": "json_object"}   # openai/<x> on an unknown server: our config
    system = body["messages"][0]["content"]
    assert "JSON" in system and '"rule_findings"' in system
    user = body["messages"][1]["content"]
    assert "[p1]" in user and "[m6]" in user and "Q26" in user and "张三" not in user


def test_deepseek_is_json_object_by_our_config_not_litellm_flag():
    backend = Backend(from_model("deepseek/deepseek-chat"))
    assert backend.structured_mode == "json_object"
    assert backend.config.primary.seed is False   # no documented seed: never sent


def test_json_schema_where_our_config_says_so(server, tmp_path, notes, monkeypatch):
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    path = tmp_path / "models.yaml"
    path.write_text(yaml.safe_dump({"model_list": [{
        "model_name": "vllm", "litellm_params": {"model": "openai/critic", "api_base": server.base_url},
        "model_info": {"structured_output": "json_schema"}}]}), encoding="utf-8")
    server.script("critic", Act.say(answer()))
    result = critique(_reviewed(GOOD, notes), notes, Backend(from_models_file(path)))
    rf = server.log[-1].body["response_format"]
    assert rf["type"] == "json_schema" and rf["json_schema"]["name"] == "CritiqueAnswer"
    assert rf["json_schema"]["schema"] == CritiqueAnswer.model_json_schema()
    assert result.critique["status"] == "ok" and result.critique["mode"] == "json_schema"


def test_invalid_json_then_valid(server, backend, notes):
    server.script("critic", Act.say("好的，审读结果如下：{issues: 无}"),
                  Act.say("```json\n" + answer([issue("p1", "Q5", P1_QUOTE)]) + "\n```"))
    result = critique(_reviewed(GOOD, notes), notes, backend)
    c = result.critique
    assert c["status"] == "ok" and c["attempts"] == 2 and c["findings"] == 1
    assert c["usage"]["calls"] == 2 and c["usage"]["prompt_tokens"] == 200   # accumulated over attempts
    reask = server.log[-1].body["messages"]
    assert reask[-2]["role"] == "assistant" and "不是符合要求的 JSON" in reask[-1]["content"]


def test_always_invalid_is_unavailable_and_rule_findings_complete(server, backend, notes):
    server.script("critic", Act.say('{"issues": "none"}'))
    plain = _reviewed(PRAISE, notes)
    result = critique(_reviewed(PRAISE, notes), notes, backend)
    c = result.critique
    assert server.calls("critic") == 3                       # one ask + two re-asks
    assert c["status"] == "unavailable" and c["usage"]["calls"] == 3
    assert "模型审读不可用" in c["reason"] and "规则检查结果" in c["reason"]
    assert core(result.findings) == core(plain.findings) and result.verdict == plain.verdict
    assert not any(f.source == "llm" for f in result.findings)


def test_backend_failure_is_unavailable(server, backend, notes):
    server.script("critic", Act.fail(500))
    plain = _reviewed(GOOD, notes)
    result = critique(_reviewed(GOOD, notes), notes, backend)
    assert result.critique["status"] == "unavailable"
    assert "openai/critic" in result.critique["reason"] and "HTTP 500" in result.critique["reason"]
    assert core(result.findings) == core(plain.findings)


def test_weak_findings_are_dropped(server, backend, notes):
    server.script("critic", Act.say(answer([
        issue("p1", "Q4", "理论学习不够深入"),                 # not in the text
        issue("p9", "Q4", P1_QUOTE),                          # no such item
        issue("p3", "Q4", P1_QUOTE),                          # in the text, but not in p3
        issue("m1", "Q7", "每月撰写1篇"),                      # a problem check asked of a measure
        issue("p1", "Q5", "说明我把学习当成任务来完成"),        # kept
    ], [{"finding": "r99", "verdict": "contradict", "reason": "无"}])))
    result = critique(_reviewed(GOOD, notes), notes, backend)
    c = result.critique
    assert c["status"] == "ok" and c["findings"] == 1
    assert sorted(d.get("item", d.get("finding")) + ":" + d["why"] for d in c["dropped"]) == sorted([
        "p1:引文不在该条目原文中", "p9:条目不存在", "p3:引文不在该条目原文中", "m1:检查项不适用于该条目",
        "r99:规则发现编号不存在"])
    assert [f.item for f in result.findings if f.source == "llm"] == ["p1"]


def test_quote_matches_despite_width_of_punctuation(server, backend, notes):
    # the model wrote half-width punctuation where the text has full-width
    server.script("critic", Act.say(answer([issue("p3", "Q5", "全年组织党小组会8次,其中3次因业务检查取消")])))
    result = critique(_reviewed(GOOD, notes), notes, backend)
    f = next(f for f in result.findings if f.source == "llm")
    assert GOOD[f.start:f.end] == "全年组织党小组会8次，其中3次因业务检查取消"


def test_same_span_and_category_once_and_contradictions_shown(server, backend, notes):
    server.script("critic", Act.say(answer(
        [issue("p2", "Q7", PRAISE_SPAN, "把加班当缺点，是表扬。", "写真实的问题。")],
        [{"finding": "r2", "verdict": "contradict", "reason": "措施第（二）条其实对应这个问题。"}])))
    plain = _reviewed(PRAISE, notes)
    result = critique(_reviewed(PRAISE, notes), notes, backend)
    assert not any(f.source == "llm" for f in result.findings)     # merged into DZ102
    by_rule = {f.rule: f.to_json() for f in result.findings}
    assert by_rule["DZ102"]["llm_verdict"] == "confirms"
    assert by_rule["DZ301"]["llm_verdict"] == "contradicts" and "措施第（二）条" in by_rule["DZ301"]["llm_reason"]
    assert core(result.findings) == core(plain.findings)        # a contradiction removes nothing
    assert result.critique["confirmed"] == 1 and result.critique["contradicted"] == 1


def test_llm_error_finding_changes_the_verdict(server, backend, notes):
    plain = _reviewed(GOOD, notes)
    assert not plain.has_errors and plain.verdict != "不达标"
    server.script("critic", Act.say(answer([issue("p6", "Q4", "缺少吃苦奉献的劲头")])))
    result = critique(_reviewed(GOOD, notes), notes, backend)
    # the model's error counts in the verdict (this draft also keeps a 【待补】, so it was
    # never 可提交: an unfilled placeholder keeps a draft at 需修改)
    assert result.has_errors and result.verdict == "需修改"


def test_no_model_is_unavailable(notes):
    result = critique(_reviewed(GOOD, notes), notes, None)
    assert result.critique["status"] == "unavailable" and "未配置模型" in result.critique["reason"]


@pytest.mark.parametrize("bad", [
    {"issues": [{"item": "p1", "check": "Q99", "quote": "x", "reason": "r", "suggestion": "s"}], "rule_findings": []},
    {"issues": [], "rule_findings": [], "summary": "整体很好"},
    {"issues": [{"item": "p1", "check": "Q4", "quote": "x" * 301, "reason": "r", "suggestion": "s"}],
     "rule_findings": []},
])
def test_schema_refuses_what_the_prompt_does_not_allow(bad):
    with pytest.raises(ValueError):
        CritiqueAnswer.model_validate_json(json.dumps(bad))
