"""Fixtures for the critique tests: the local fake OpenAI-compatible server (scripted
answers), a backend on it, the tax-clerk notes and drafts with known rule findings."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conftest import ROOT
from service.llm import Backend, Deadlines
from service.llm.config import from_model
from service.notes import load_notes

HERE = Path(__file__).resolve().parent
GOOD = (ROOT / "tests" / "drafting" / "data" / "tax-clerk.draft.txt").read_text(encoding="utf-8")
P2 = ("二是落实税费支持政策等靠被动。4月税费支持政策出台后，我只在窗口被动解答，没有主动梳理辖区32户小微企业的享受条件，"
      "6月抽查发现其中9户没有及时享受，直接影响了企业应享的政策红利。")
assert P2 in GOOD
PRAISE_SPAN = "工作太投入，经常加班加点，顾不上家庭。"
# p2 as disguised praise: DZ102 (disguised_praise) and DZ301 (unmatched_problem), both errors
PRAISE = GOOD.replace(P2, "二是" + PRAISE_SPAN)
FIXED = ("落实税费支持政策等靠被动。4月税费支持政策出台后，我只在窗口被动解答，没有主动梳理辖区32户小微企业的享受条件，"
         "6月抽查发现其中9户没有及时享受。")
STILL_PRAISE = "工作太投入，原则性太强，对同事要求太严，得罪了人。"       # still two errors
INVENTED = "落实税费支持政策等靠被动，10月又有17户企业因此多次往返办税厅，我却认为原则性太强是好事。"  # three errors


def answer(issues=(), rule_findings=()) -> str:
    return json.dumps({"issues": list(issues), "rule_findings": list(rule_findings)}, ensure_ascii=False)


def issue(item: str, check: str, quote: str, reason: str = "没有写出具体事例。", suggestion: str = "写明时间、事件和影响。"):
    return {"item": item, "check": check, "quote": quote, "reason": reason, "suggestion": suggestion}


def edits(*pairs) -> str:
    return json.dumps({"edits": [{"finding": f, "original": o, "replacement": r} for f, o, r in pairs]},
                      ensure_ascii=False)


@pytest.fixture
def backend(server, monkeypatch):
    """openai/critic on the fake server (structured output: json_object, our config)."""
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    cfg = from_model("openai/critic", server.base_url, num_retries=0)
    return Backend(cfg, deadlines=Deadlines(total=10, first_token=3, gap=1, attempt=2))


@pytest.fixture
def notes():
    return load_notes(ROOT / "examples" / "notes" / "tax-clerk.yaml")


@pytest.fixture
def vcr_cassette_dir():
    return str(HERE / "cassettes")


def core(findings) -> list[tuple]:
    """A rule finding as the rules made it (without the model's annotations)."""
    out = []
    for f in findings:
        d = f if isinstance(f, dict) else f.to_json()
        out.append((d["rule"], d["category"], d["severity"], d["start"], d["end"], d["item"], d["source"],
                    d["message"], d["suggestion"]))
    return out
