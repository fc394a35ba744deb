"""Revision on evidence: only flagged spans change, re-parse and re-review, ≤ N rounds,
early stop, the better round kept, every round returned with a diff."""

from __future__ import annotations

import json
import re

import pytest
from llm.fake_server import Act
from service.critique.revise import revise
from service.document import parse
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


# ------------------------------------------------------------------ additions (DZ301)
# GOOD without its measure (四) for p4 (the later measures renumbered): p4 has no measure (DZ301, error)
_M4 = re.search(r"（四）针对对年轻党员[^\n]*\n", GOOD).group()
NO_M4 = GOOD.replace(_M4, "").replace("（五）针对服务", "（四）针对服务").replace("（六）针对参加", "（五）针对参加")
LAST_MEASURE = "由党小组记录。"
NEW_MEASURE = "与本小组每名年轻党员谈心，了解思想动态，谈话情况记入党小组工作记录，【待补：打算什么时候前谈完？之后多久谈一次？】"


def additions(*pairs, edit_pairs=()) -> str:
    return json.dumps({"edits": [{"finding": f, "original": o, "replacement": r} for f, o, r in edit_pairs],
                       "additions": [{"finding": f, "measure": m} for f, m in pairs]}, ensure_ascii=False)


def test_draft_without_a_measure_has_a_dz301_error(notes):
    r = review(NO_M4, notes=notes)
    assert [(f.rule, f.item) for f in r.findings if f.severity == "error"] == [("DZ301", "p4")]
    assert len(r.doc.measures) == 5


def test_an_addition_answers_the_problem_without_a_measure(server, backend, notes):
    server.script("critic", Act.say(additions(("F1", NEW_MEASURE))))
    rev = revise(NO_M4, structure=None, notes=notes, backend=backend, critique=False, max_rounds=2)
    j = rev.to_json()
    assert j["stopped"] == "converged" and j["best"] == 1 and [r["errors"] for r in j["rounds"]] == [1, 0]
    final = rev.final
    added = "（六）针对“对年轻党员的思想关心不够”的问题，" + NEW_MEASURE + "。"
    # inserted on its own line right after the last measure, numbered next, nothing else changed
    assert final.text == NO_M4.replace(LAST_MEASURE + "\n", LAST_MEASURE + "\n" + added + "\n", 1)
    doc = final.review.doc
    assert [m.label for m in doc.measures] == ["(一)", "(二)", "(三)", "(四)", "(五)", "(六)"]
    assert doc.measures[-1].text.startswith("针对“对年轻党员的思想关心不够”的问题")
    assert {m["problem"]: m["measures"] for m in final.review.matches}["p4"] == ["m6"]
    assert not any(f.rule == "DZ301" for f in final.review.findings)
    rec = j["rounds"][1]["edits"]
    assert len(rec) == 1 and rec[0]["kind"] == "addition" and rec[0]["finding"] == "F1"
    assert rec[0]["original"] == "" and rec[0]["start"] == rec[0]["end"] == NO_M4.index(LAST_MEASURE) + len(LAST_MEASURE)
    assert rec[0]["replacement"] == "\n" + added and j["rounds"][1]["rejected"] == []
    assert changed(j["rounds"][1]["diff"]) == ("", added)
    prompt = server.log[-1].body["messages"][1]["content"]
    assert "[F1] 条目 p4（可新增措施）：" in prompt


def test_an_addition_for_another_finding_is_rejected(server, backend, notes):
    # PRAISE: F1 is p2's disguised praise (DZ102), F2 is p2 without a measure (DZ301)
    server.script("critic", Act.say(additions(("F1", NEW_MEASURE), ("F2", "【待补：打算怎样改？】"),
                                              ("F2", "再来一条。"))))
    rev = revise(PRAISE, structure=None, notes=notes, backend=backend, critique=False, max_rounds=1)
    r1 = rev.to_json()["rounds"][1]
    assert [(e["finding"], e["kind"]) for e in r1["edits"]] == [("F2", "addition")]
    assert [(r["finding"], r["why"]) for r in r1["rejected"]] == [
        ("F1", "只有“问题没有对应的整改措施”才能新增措施，这个问题请修改原文"),
        ("F2", "每个问题至多新增一条措施")]
    assert all(r["kind"] == "addition" for r in r1["rejected"])
    assert NEW_MEASURE not in rev.rounds[1].text and "（七）针对“" in rev.rounds[1].text


def test_an_addition_and_an_edit_in_one_round(server, backend, notes):
    server.script("critic", Act.say(additions(("F2", "【待补：打算怎样改？】"), edit_pairs=[("F1", PRAISE_SPAN, FIXED)])))
    rev = revise(PRAISE, structure=None, notes=notes, backend=backend, critique=False, max_rounds=1)
    r1 = rev.to_json()["rounds"][1]
    assert [e["kind"] for e in r1["edits"]] == ["edit", "addition"]
    text = rev.rounds[1].text
    assert HEAD + FIXED in text and text.index(FIXED) < text.index("（七）针对“")


def test_no_measures_section_rejects_the_addition(notes):
    from service.critique.revise import apply_edits, targets_of
    from service.critique.schema import Addition

    r = review(NO_M4, notes=notes)
    f = next(f for f in targets_of(r) if f.rule == "DZ301")
    r.doc.sections = [s for s in r.doc.sections if s.kind != "measures"]   # as if it had none
    text, applied, rejected = apply_edits(r, {"F1": f}, [], [Addition(finding="F1", measure=NEW_MEASURE)])
    assert text == NO_M4 and applied == []
    assert rejected == [{"finding": "F1", "why": "材料没有整改措施部分，无法新增措施", "kind": "addition"}]


def test_an_addition_with_a_made_up_deadline_is_not_caught_by_grounding(server, backend, notes):
    """DZ501 does not check the measures section (a deadline is a plan): an invented
    date or number in an added measure does not make the round worse. The prompt asks
    for 【待补：……】 instead; this pins what the machinery does."""
    invented = "2022年5月底前与本小组7名年轻党员各谈心2次。"
    assert "7名" not in str(notes.model_dump())
    server.script("critic", Act.say(additions(("F1", invented))))
    rev = revise(NO_M4, structure=None, notes=notes, backend=backend, critique=False, max_rounds=1)
    assert rev.best == 1 and rev.stopped == "converged" and invented in rev.final.text
    assert not any(f.rule == "DZ501" for f in rev.final.review.findings)


def test_an_answer_without_additions_is_still_valid():
    from service.critique.schema import RevisionAnswer

    assert RevisionAnswer.model_validate({"edits": []}).additions == []
    schema = RevisionAnswer.model_json_schema()
    assert schema["required"] == ["edits", "additions"] and "default" not in schema["properties"]["additions"]


def test_next_marker_follows_the_style_of_the_measures():
    from service.critique.revise import next_marker
    from service.prompts import cn as cn_numeral

    assert [cn_numeral(n) for n in (1, 9, 10, 12, 20, 99)] == ["一", "九", "十", "十二", "二十", "九十九"]
    cases = {
        "三、整改措施\n一是每月学习1次。二是每季度走访1次。\n": ("三是", True),
        "三、整改措施\n1.每月学习1次。\n2.每季度走访1次。\n": ("3.", False),
        "三、整改措施\n（一）每月学习1次。\n（二）每季度走访1次。\n": ("（三）", False),
        "三、整改措施\n①每月学习1次。\n②每季度走访1次。\n": ("③", False),
    }
    for text, want in cases.items():
        doc = parse("一、查摆问题\n一是学习不够。\n" + text)
        got = next_marker(doc, doc.measures[-1])
        assert got == want, text
    # numbering that does not run 1, 2, …: not reliable
    doc = parse("一、查摆问题\n一是学习不够。\n三、整改措施\n（一）每月学习1次。\n（三）每季度走访1次。\n")
    assert next_marker(doc, doc.measures[-1]) is None


_SHI = ("个人对照检查材料\n一、查摆问题\n一是理论学习不深入。今年3月我缺席了两次集中学习，没有补学。\n"
        "二是服务群众不主动。7月有群众投诉我答复敷衍。\n三是党小组会不按时开。全年取消了3次党小组会，没有补开。\n"
        "二、原因剖析\n一是理想信念有所松懈。\n三、整改措施\n")
_TWO = [("p2", "答复投诉前先电话了解情况。", "针对“服务群众不主动”的问题，答复投诉前先电话了解情况。"),
        ("p3", "党小组会取消的【待补：多久内】补开", "针对“党小组会不按时开”的问题，党小组会取消的【待补：多久内】补开。")]


@pytest.mark.parametrize("measures,joined", [
    ("一是针对理论学习不深入的问题，每月补学1次。\n", "\n二是{0}\n三是{1}"),      # numbered lines
    ("我将做到：一是针对理论学习不深入的问题，每月补学1次。\n", "二是{0}三是{1}"),   # inline 一是 … 二是 …
], ids=["lines", "inline"])
def test_two_additions_are_numbered_in_turn(measures, joined):
    from service.critique.revise import apply_edits, targets_of
    from service.critique.schema import Addition

    text = _SHI + measures
    r = review(text)
    targets = {f"F{i}": f for i, f in enumerate(targets_of(r), 1)}
    dz301 = {f.item: k for k, f in targets.items() if f.rule == "DZ301"}
    assert set(dz301) == {"p2", "p3"}
    new, applied, rejected = apply_edits(r, targets, [], [Addition(finding=dz301[p], measure=m) for p, m, _ in _TWO])
    assert rejected == [] and [a["kind"] for a in applied] == ["addition", "addition"]
    assert new == text.rstrip("\n") + joined.format(*(want for _, _, want in _TWO)) + "\n"
    after = review(new)
    assert {m["problem"]: m["measures"] for m in after.matches} == {"p1": ["m1"], "p2": ["m2"], "p3": ["m3"]}
    assert not any(f.rule == "DZ301" for f in after.findings)
