"""The eval cassettes: labelled honestly, readable, free of secrets, one per case."""

import json
import re
from pathlib import Path

import pytest
import yaml

from evals import recording
from evals.dataset import load_drafting_cases, load_reviewer_docs

CASSETTES = sorted(recording.CASSETTES.rglob("*.yaml"))


def test_there_are_cassettes():
    assert len(CASSETTES) >= 12


@pytest.mark.parametrize("path", CASSETTES, ids=lambda p: str(p.relative_to(recording.CASSETTES)))
def test_cassette_says_where_its_responses_come_from(path):
    meta = recording.read_metadata(path)
    assert meta.get("origin") in ("hand-written", "recorded")
    if meta["origin"] == "hand-written":
        assert "手写的响应，不是真实录制" in meta["note"]
        assert meta["generated_by"] == "evals/make_cassettes.py"
        for f in meta["responses"]:
            assert (recording.CASSETTES.parents[1] / f).is_file(), f
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        for it in data["interactions"]:
            assert it["response"]["headers"]["x-duizhao-note"] == ["hand-written, not a recording"]


@pytest.mark.parametrize("path", CASSETTES, ids=lambda p: str(p.relative_to(recording.CASSETTES)))
def test_cassette_has_no_secrets_and_readable_chinese(path):
    text = path.read_text(encoding="utf-8")
    assert not recording.KEY_PATTERN.search(text)
    assert "replay-no-key" not in text
    assert not re.search(r"\\u(?:[4-9][0-9a-fA-F]{3}|3[0-9a-fA-F]{3}|[fF][fF][0-9a-fA-F]{2})", text), \
        "Chinese must be stored readable (allow_unicode), not as \\uXXXX escapes"
    data = yaml.safe_load(text)
    for it in data["interactions"]:
        headers = {k.lower(): v for k, v in it["request"]["headers"].items()}
        for h in recording.SECRET_HEADERS:
            assert headers.get(h, [recording.REDACTED]) == [recording.REDACTED], h
        body = json.loads(it["request"]["body"])       # JSON bodies: vcrpy compares them parsed
        assert body["messages"] and it["request"]["method"] == "POST"


def test_every_case_and_document_has_a_cassette_and_nothing_else():
    root = recording.cassette_dir("deepseek/deepseek-chat")
    want = {f"{s.id}.yaml" for s in load_drafting_cases()}
    want |= {f"critique/{s.id.split(':', 1)[1]}.yaml" for s in load_reviewer_docs()}
    have = {str(p.relative_to(root)) for p in root.rglob("*.yaml")}
    assert have == want


def test_scrubber_replaces_names_in_bodies():
    class Req:
        body = json.dumps({"messages": [{"content": "姓名：张三丰 与 张三"}]}, ensure_ascii=False).encode()

    out = recording.make_scrubber(["张三", "张三丰"])(Req())
    assert "张三" not in out.body.decode() and out.body.decode().count(recording.SCRUBBED_NAME) == 2


def test_serializer_marks_real_recordings():
    text = recording.Serializer.serialize({"interactions": [{
        "request": {"body": b'{"model": "deepseek-chat", "messages": []}', "headers": {}, "method": "POST",
                    "uri": "https://api.deepseek.com/beta/chat/completions"},
        "response": {"status": {"code": 200, "message": "OK"}, "headers": {}, "body": {"string": "数据".encode()}}}],
        "version": 1})
    data = yaml.safe_load(text)
    assert data["metadata"]["origin"] == "recorded" and data["metadata"]["models"] == ["deepseek-chat"]
    assert "数据" in text
    assert "metadata" not in recording.Serializer.deserialize(text)
