"""Revision on evidence: only flagged spans change, re-parse and re-review, ≤ N rounds,
early stop, the better round kept, every round returned with a diff."""

from __future__ import annotations

from llm.fake_server import Act
from service.critique.revise import revise
from service.review.engine import review
from tests.sentence_diff import changed

from .conftest import FIXED, GOOD, INVENTED, PRAISE, PRAISE_SPAN, STILL_PRAISE, answer, edits

HEAD, TAIL = PRAISE.split(PRAISE_SPAN)


def _flagged_only(before: str, after: str) -> bool:
    """Everything outside the flagged span is byte-for-byte the same."""
    return after.startswith(HEAD) and after.endswith(TAIL)


def test_revision_that_converges(server, backend, notes):
    server.script("critic", Act.say(edits(("F1", PRAISE_SPAN, FIXED))))
    rev = revise(PRAISE, structure=None, notes=notes, backend=backend, critique=False, max_rounds=2)
    j = rev.to_json()
    assert j["stopped"] == "converged" and j["best"] == 1 and len(j["rounds"]) == 2
    assert [(r["errors"], r["round"]) for r in j["rounds"]] == [(2, 0), (0, 1)]
    final = rev.final
    assert final.text == HEAD + FIXED + TAIL and _flagged_only(PRAISE, final.text)
    assert final.review.verdict == "需修改" and not final.review.has_errors  # 【待补】 left for the member
    assert j["rounds"][0]["diff"] is None
    diff = j["rounds"][1]["diff"]
    # one sentence per diff line: only the changed item's sentences, nothing around them
    assert changed(diff) == ("二是" + PRAISE_SPAN, "二是" + FIXED)
    assert j["rounds"][1]["edits"][0]["original"] == PRAISE_SPAN
    assert server.calls("critic") == 1 and j["usage"]["calls"] == 1
    prompt = server.log[-1].body["messages"][1]["content"]
    assert "[F1]" in prompt and "[F2]" in prompt and "[事实1]" in prompt and "张三" not in prompt
    assert server.log[-1].body["temperature"] == 0


def test_revision_that_does_not_converge_stops_at_the_bound(server, backend, notes):
    server.script("critic", Act.say(edits(("F1", PRAISE_SPAN, STILL_PRAISE))),
                  Act.say(edits(("F1", STILL_PRAISE, PRAISE_SPAN))))
    rev = revise(PRAISE, structure=None, notes=notes, backend=backend, critique=False, max_rounds=2)
    j = rev.to_json()
    assert j["stopped"] == "max_rounds" and j["max_rounds"] == 2
    assert len(j["rounds"]) == 3 and [r["errors"] for r in j["rounds"]] == [2, 2, 2]
    assert server.calls("critic") == 2 and j["usage"]["calls"] == 2
    assert j["best"] == 0 and rev.final.text == PRAISE       # no round was better: the original stays
    assert j["rounds"][1]["text"] == HEAD + STILL_PRAISE + TAIL and j["rounds"][2]["text"] == PRAISE
    assert changed(j["rounds"][2]["diff"]) == ("二是" + STILL_PRAISE, "二是" + PRAISE_SPAN) and "已达到修改轮数上限" in j["message"]


def test_rounds_are_configurable(server, backend, notes):
    server.script("critic", Act.say(edits(("F1", PRAISE_SPAN, STILL_PRAISE))))
    rev = revise(PRAISE, structure=None, notes=notes, backend=backend, critique=False, max_rounds=1)
    assert rev.stopped == "max_rounds" and len(rev.rounds) == 2 and server.calls("critic") == 1


def test_a_worse_round_is_not_kept(server, backend, notes):
    server.script("critic", Act.say(edits(("F1", PRAISE_SPAN, INVENTED))))
    rev = revise(PRAISE, structure=None, notes=notes, backend=backend, critique=False, max_rounds=2)
    assert rev.stopped == "worse" and rev.best == 0 and rev.final.text == PRAISE
    worse = rev.rounds[1].review
    assert any(f.category == "ungrounded_fact" for f in worse.findings)   # the invented 17户 / 10月
    assert server.calls("critic") == 1


def test_nothing_blocking_means_no_call(server, backend, notes):
    rev = revise(GOOD, structure=None, notes=notes, backend=backend, critique=False, max_rounds=2)
    assert rev.stopped == "no_blocking" and len(rev.rounds) == 1 and server.calls() == 0


def test_edits_outside_the_flagged_spans_are_rejected(server, backend, notes):
    outside = "全年组织党小组会8次"                  # p3, not flagged
    server.script("critic", Act.say(edits(("F1", outside, "全年组织党小组会12次"), ("F7", PRAISE_SPAN, FIXED))))
    rev = revise(PRAISE, structure=None, notes=notes, backend=backend, critique=False, max_rounds=2)
    assert rev.stopped == "no_edits" and rev.final.text == PRAISE and len(rev.rounds) == 1


def test_invalid_revision_answer_stops_unavailable(server, backend, notes):
    server.script("critic", Act.say("我已经改好了。"))
    rev = revise(PRAISE, structure=None, notes=notes, backend=backend, critique=False, max_rounds=2)
    j = rev.to_json()
    assert j["stopped"] == "unavailable" and "格式" in j["message"] and server.calls("critic") == 3
    assert rev.final.text == PRAISE and j["usage"]["calls"] == 3


def test_with_critique_each_round_is_critiqued(server, backend, notes):
    # critique of round 0, the revision, critique of round 1
    server.script("critic", Act.say(answer()), Act.say(edits(("F1", PRAISE_SPAN, FIXED))), Act.say(answer()))
    rev = revise(PRAISE, structure=None, notes=notes, backend=backend, critique=True, max_rounds=2)
    assert rev.stopped == "converged" and server.calls("critic") == 3 and rev.usage.calls == 3
    assert [r.review.critique["status"] for r in rev.rounds] == ["ok", "ok"]
    assert [p["id"].split("@")[0] for p in rev.prompts()] == ["critique", "revise", "critique"]


def test_llm_blocking_finding_is_revised(server, backend, notes):
    quote = "缺少吃苦奉献的劲头"
    server.script("critic",
                  Act.say(answer([{"item": "p6", "check": "Q4", "quote": quote, "reason": "空泛。",
                                   "suggestion": "写具体。"}])),
                  Act.say(edits(("F1", quote, "【待补：这次没有再去，对社区群众造成了什么影响？】"))),
                  Act.say(answer()))
    rev = revise(GOOD, structure=None, notes=notes, backend=backend, critique=True, max_rounds=2)
    assert rev.stopped == "converged" and rev.best == 1
    assert "【待补：这次没有再去" in rev.final.text and quote not in rev.final.text
    assert not review(rev.final.text, notes=notes).has_errors


def test_a_diff_shows_the_changed_sentence_not_the_paragraph():
    from service.critique.revise import diff, sentences

    para = "一是学习不够深入。今年3月我缺席了两次集中学习。他说：“别急。”我没有补学！\n二是服务意识不强。\n"
    assert "".join(sentences(para)) == para          # the cut loses nothing
    assert sentences(para)[:4] == ["一是学习不够深入。", "今年3月我缺席了两次集中学习。",
                                   "他说：“别急。”", "我没有补学！\n"]
    after = para.replace("两次", "3次")
    d = diff(para, after, "第0轮", "第1轮")
    assert changed(d) == ("今年3月我缺席了两次集中学习。", "今年3月我缺席了3次集中学习。")
    assert d.startswith("--- 第0轮\n+++ 第1轮\n") and "\n 一是学习不够深入。\n" in d
