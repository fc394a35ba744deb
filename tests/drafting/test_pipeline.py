"""The pipeline: render → backend → parse → review → {text, review, usage, model, prompts};
the streaming form; failures keep the partial text; outline without a model."""

from __future__ import annotations

import asyncio

import pytest

from llm.fake_server import Act
from service.drafting import DraftResult, adraft_stream, clean_output, draft, iter_draft, resolve_structure
from service.errors import InputError
from service.llm import BudgetError

from .conftest import DRAFT


def test_draft_result(server, backend, tax_clerk):
    server.script("drafter", Act.say(DRAFT, chunks=30))
    result = draft(tax_clerk, backend=backend)
    assert isinstance(result, DraftResult) and result.ok and result.mode == "draft"
    assert result.text == DRAFT and result.structure == "org-life-2021"
    assert result.model == "openai/drafter" and result.usage.calls == 1
    j = result.to_json()
    assert {"text", "review", "usage", "model", "prompts"} <= set(j)
    assert j["review"]["structure"] == "org-life-2021" and j["review"]["scores"]["coverage"] == 1.0
    assert j["prompts"][0]["id"].startswith("draft@") and len(j["prompts"][0]["rendered_sha256"]) == 64
    assert j["usage"]["cost_usd"] is None and j["budget"]["tokenizer"] == "cl100k_base"
    sent = server.log[-1].body["messages"]
    assert sent[0]["role"] == "system" and "张三" not in str(sent)


def test_review_gets_the_notes_so_invented_facts_are_flagged(server, backend, tax_clerk):
    invented = DRAFT.replace("没有主动梳理辖区32户小微企业的享受条件",
                             "没有主动梳理辖区32户小微企业的享受条件，10月又有17户企业因此多次往返办税厅")
    server.script("drafter", Act.say(invented))
    result = draft(tax_clerk, backend=backend)
    flagged = [f for f in result.review["findings"] if f["category"] == "ungrounded_fact"]
    spans = {result.text[f["start"]:f["end"]] for f in flagged}
    assert "17户" in spans and "10月" in spans


def test_stream_yields_deltas_then_review_then_done(server, backend, tax_clerk):
    server.script("drafter", Act.say(DRAFT, chunks=20))
    events = list(iter_draft(tax_clerk, backend=backend))
    kinds = [e.kind for e in events]
    assert kinds[-2:] == ["review", "done"] and set(kinds[:-2]) == {"delta"} and len(kinds) > 10
    assert "".join(e.text for e in events if e.kind == "delta") == DRAFT
    assert events[-2].review == events[-1].result.review


def test_stream_is_incremental(server, backend, tax_clerk):
    server.script("drafter", Act.say(DRAFT, chunks=5, gap=0.3))

    async def timeline():
        loop = asyncio.get_running_loop()
        t0, times = loop.time(), []
        async for e in adraft_stream(tax_clerk, backend=backend):
            if e.kind == "delta":
                times.append(loop.time() - t0)
        return times

    times = asyncio.run(timeline())
    assert times[-1] - times[0] >= 0.9    # deltas arrived over time, not all at the end


def test_backend_failure_keeps_partial_text(server, backend, tax_clerk):
    server.script("drafter", Act("broken", text=DRAFT, chunks=10))
    events = list(iter_draft(tax_clerk, backend=backend))
    assert events[-1].kind == "error"
    result = events[-1].result
    assert not result.complete and result.review is None
    assert result.text and DRAFT.startswith(result.text)
    assert result.error["code"] == "incomplete" and "openai/drafter" in result.error["message"]
    assert result.to_json()["complete"] is False


def test_output_that_is_not_the_genre_is_a_failure(server, backend, tax_clerk):
    server.script("drafter", Act.say("抱歉，我无法完成这个请求。"))
    result = draft(tax_clerk, backend=backend)
    assert result.error["code"] == "invalid_output" and not result.complete


def test_over_budget_is_refused_before_any_call(server, backend, tax_clerk):
    backend.max_prompt_tokens = 1000
    with pytest.raises(BudgetError, match="输入过长"):
        draft(tax_clerk, backend=backend)
    assert server.calls() == 0


def test_outline_without_backend(tax_clerk):
    result = draft(tax_clerk)
    assert result.mode == "outline" and result.ok and result.model is None
    assert result.text.splitlines()[0].endswith("（提纲）")
    assert result.usage.to_json()["calls"] == 0 and result.prompts == []
    assert result.review["structure"] == "org-life-2021"


def test_structure_resolution(tax_clerk):
    assert resolve_structure(tax_clerk).id == "org-life-2021"
    assert resolve_structure(tax_clerk, "dem-life-2024").id == "dem-life-2024"
    thin = tax_clerk.model_copy(update={"structure": None})
    with pytest.raises(InputError, match="没有指定结构"):
        resolve_structure(thin)
    dated = thin.model_copy(update={"year": 2022, "meeting": "组织生活会"})
    assert resolve_structure(dated).id == "org-life-2022"


@pytest.mark.parametrize("raw,expected", [
    ("```\n一、问题\n```", "一、问题\n"),
    ("## 一、问题\n**一是**学习。", "一、问题\n一是学习。\n"),
    ("一、问题\r\n\r\n\r\n\r\n二、原因", "一、问题\n\n二、原因\n"),
])
def test_clean_output(raw, expected):
    assert clean_output(raw) == expected
