"""Structured output: mode by our config, pydantic validation, re-ask ≤ 2 with the
error, usage accumulated, json_schema refused → json_object, graceful failure."""

from __future__ import annotations

import pytest
import yaml

from service.llm import Backend, StructuredOutputError, structured
from service.llm.config import from_models_file
from service.llm.structured import parse_json

from .fake_server import Act
from .structured_case import ANSWER, Verdict, messages

BAD = '{"specific": "maybe", "issues": []}'


def test_json_object_mode_puts_schema_in_prompt(server, make_backend):
    server.script("m1", Act.say(ANSWER))
    backend = make_backend()
    assert backend.structured_mode == "json_object"   # openai/<x> on an unknown server
    out = structured(backend, messages(), Verdict)
    assert out.value.issues[0].category == "formulaic" and out.attempts == 1
    body = server.log[-1].body
    assert body["response_format"] == {"type": "json_object"}
    assert "JSON" in body["messages"][0]["content"] and '"specific"' in body["messages"][0]["content"]


def test_reask_with_the_error_and_accumulate_usage(server, make_backend):
    server.script("m1", Act.say("好的，结果如下：" + BAD), Act.say("```json\n" + ANSWER + "\n```"))
    out = structured(make_backend(), messages(), Verdict)
    assert out.attempts == 2 and out.value.specific is False
    assert out.usage.calls == 2 and out.usage.prompt_tokens == 200
    second = server.log[-1].body["messages"]
    assert second[-2] == {"role": "assistant", "content": "好的，结果如下：" + BAD}
    assert "specific" in second[-1]["content"] and "不是符合要求的 JSON" in second[-1]["content"]


def test_gives_up_after_two_reasks(server, make_backend):
    server.script("m1", Act.say(BAD))
    with pytest.raises(StructuredOutputError) as ei:
        structured(make_backend(), messages(), Verdict)
    e = ei.value
    assert e.attempts == 3 and server.calls("m1") == 3 and e.usage.calls == 3
    assert "3 次尝试" in e.reason and e.last_text == BAD


def _schema_backend(tmp_path, server) -> Backend:
    path = tmp_path / "models.yaml"
    path.write_text(yaml.safe_dump({"model_list": [{
        "model_name": "vllm", "litellm_params": {"model": "openai/m1", "api_base": server.base_url},
        "model_info": {"structured_output": "json_schema"}}]}), encoding="utf-8")
    return Backend(from_models_file(path))


def test_json_schema_mode_sends_the_schema(tmp_path, server):
    server.script("m1", Act.say(ANSWER))
    backend = _schema_backend(tmp_path, server)
    assert backend.structured_mode == "json_schema"
    out = structured(backend, messages(), Verdict)
    rf = server.log[-1].body["response_format"]
    assert out.mode == "json_schema" and rf["type"] == "json_schema"
    assert rf["json_schema"]["name"] == "Verdict" and "issues" in rf["json_schema"]["schema"]["properties"]


def test_json_schema_refused_falls_back_to_json_object(tmp_path, server):
    server.script("m1", Act.fail(400, message="response_format json_schema is not supported"), Act.say(ANSWER))
    out = structured(_schema_backend(tmp_path, server), messages(), Verdict)
    assert out.mode == "json_object" and out.attempts == 1
    assert server.log[-1].body["response_format"] == {"type": "json_object"}


@pytest.mark.parametrize("raw,expected", [
    ('```json\n{"a": 1}\n```', '{"a": 1}'),
    ('结果：{"a": {"b": 2}} 以上。', '{"a": {"b": 2}}'),
    ('{"a": 1}', '{"a": 1}'),
])
def test_parse_json(raw, expected):
    assert parse_json(raw) == expected
