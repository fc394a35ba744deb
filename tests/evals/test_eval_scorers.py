"""Scorers on small hand-made inputs: each assertion can fail."""

from dataclasses import dataclass

import pytest
import yaml

from evals.dataset import Sample
from evals.scorers import drafting as D
from evals.scorers import reviewer as R


@dataclass
class F:
    category: str
    start: int
    end: int
    rule: str = "DZ999"
    severity: str = "warning"
    message: str = "m"


# ---- reviewer ---------------------------------------------------------------------------------

def _item(kind="problem", expect=(), forbid=()):
    return Sample(id="x-001", input={"kind": kind, "text": "t", "notes": None},
                  target={"expect": list(expect), "forbid": list(forbid)})


def test_item_outcomes_count_only_overlapping_findings():
    text = "0123456789" * 3
    s = _item(expect=["formulaic"], forbid=["disguised_praise"])
    findings = [F("formulaic", 12, 15), F("disguised_praise", 0, 5)]  # the praise is outside the item
    oc = R.constraint_outcomes(text, findings, R.item_constraints(s, (10, 20)))
    assert [(o["category"], o["outcome"]) for o in oc] == [("formulaic", "tp"), ("disguised_praise", "tn")]


def test_item_outcomes_miss_and_false_alarm():
    text = "0123456789" * 3
    s = _item(expect=["formulaic"], forbid=["disguised_praise"])
    findings = [F("vague_measure", 12, 15), F("disguised_praise", 19, 25)]
    oc = R.constraint_outcomes(text, findings, R.item_constraints(s, (10, 20)))
    assert [o["outcome"] for o in oc] == ["fn", "fp"]
    assert oc[0]["instead"] == ["disguised_praise", "vague_measure"]
    assert oc[1]["evidence"][0]["rule"] == "DZ999"


def test_text_cases_constrain_the_whole_passage():
    s = _item(kind="text", expect=["cause_gap"])
    oc = R.constraint_outcomes("x" * 50, [F("cause_gap", 40, 45)], R.item_constraints(s, (0, 50)))
    assert oc[0]["outcome"] == "tp"


def test_document_quotes_locate_the_constraint():
    text = "甲乙丙丁。还要差距。戊己"
    s = Sample(id="doc:x", input={}, target={"expect": [{"category": "typo", "quote": "还要差距"}],
                                             "forbid": [{"category": "typo", "quote": "戊己"}]})
    cons = R.doc_constraints(s, text)
    assert (cons[0]["start"], cons[0]["end"]) == (5, 9)
    oc = R.constraint_outcomes(text, [F("typo", 5, 9)], cons)
    assert [o["outcome"] for o in oc] == ["tp", "tn"]


def test_metrics_micro_and_undefined_ratios():
    oc = ([{"category": "a", "outcome": "tp"}] * 3 + [{"category": "a", "outcome": "fp"}]
          + [{"category": "a", "outcome": "fn"}] + [{"category": "b", "outcome": "tn"}])
    m = R.metrics(oc)
    a = m["categories"]["a"]
    assert (a["precision"], a["recall"], a["support"]) == (0.75, 0.75, 4)
    assert a["f1"] == 0.75
    b = m["categories"]["b"]
    assert b["precision"] is None and b["recall"] is None and b["f1"] is None and b["support"] == 0
    assert m["micro"]["tp"] == 3 and m["micro"]["f1"] == 0.75


def test_f1_is_zero_when_positives_are_all_missed():
    m = R.metrics([{"category": "a", "outcome": "fn"}])
    assert m["categories"]["a"]["f1"] == 0.0 and m["categories"]["a"]["precision"] is None


# ---- drafting ---------------------------------------------------------------------------------

NOTES = yaml.safe_dump({
    "role": "窗口受理员", "structure": "org-life-2021",
    "facts": ["3月窗口排队最长时超过1小时，我没有主动提出增设咨询岗", "8月整理一次性告知单，只写了12项中的7项就交差了"],
    "feedback": ["纳税人留言：窗口人员说话快、态度急"],
}, allow_unicode=True)

GOOD = """2021年度组织生活会个人对照检查材料
按照支部安排，我对照“四个对照”查找差距。现报告如下。
一、查摆的突出问题
（一）“对照党中央和习近平总书记的号召和要求”方面
一是高峰期不主动想办法。3月窗口排队最长时超过1小时，我没有主动提出增设咨询岗。
（二）“对照新时代合格党员标准”方面
一是工作只求交差。8月整理一次性告知单，只写了12项中的7项就交差了。
（三）“对照入党誓词”方面
一是服务态度急躁。纳税人留言说窗口人员说话快、态度急，这里面有我的问题。
（四）“对照革命先辈和先进典型”方面
一是【待补：和哪位先进典型相比，差在哪件事上？】
二、产生问题的原因分析
（一）宗旨意识方面。把办完当成办好。
三、整改措施
（一）针对高峰期不主动想办法的问题，2022年2月底前提出增设咨询岗的办法，每周检查1次。
（二）针对工作只求交差的问题，2022年1月底前补完剩下的5项。
（三）针对服务态度急躁的问题，每月查看1次意见簿并逐条回应。
"""


@pytest.fixture
def ctx():
    from service.document import parse
    from service.notes import load_notes
    from service.structures import get_structure

    return parse, load_notes(NOTES), get_structure("org-life-2021")


def test_grounding_full_marks_for_a_grounded_draft(ctx):
    parse, notes, st = ctx
    sc = D.grounding_score(parse(GOOD), notes, st)
    d = sc.details
    assert d["grounded"] == 1.0 and d["facts_used"] == 1.0 and d["asks"] == 1.0, sc.explanation
    assert d["placeholders"] == 1


def test_grounding_catches_invented_numbers_and_titles_but_not_measures(ctx):
    parse, notes, st = ctx
    bad = GOOD.replace("超过1小时，", "超过1小时，当天有45名群众投诉，").replace(
        "这里面有我的问题。", "这里面有我的问题，《窗口服务规范》要求的三次回访我没做。")
    sc = D.grounding_score(parse(bad), notes, st)
    tokens = [u["token"] for u in sc.details["ungrounded"]]
    assert "45名" in tokens and "三次" in tokens
    assert sc.details["ungrounded_titles"] == ["《窗口服务规范》"]
    assert not any(t.startswith("2022") or t == "5项" for t in tokens)   # commitments in measures
    assert sc.details["grounded"] < 1.0


def test_grounding_asks_and_facts_used(ctx):
    parse, notes, st = ctx
    generic = GOOD.replace("一是【待补：和哪位先进典型相比，差在哪件事上？】", "一是吃苦精神不够，缺乏拼劲。").replace(
        "纳税人留言说窗口人员说话快、态度急，这里面有我的问题。", "对群众不够耐心。")
    sc = D.grounding_score(parse(generic), notes, st, {"asks": True})
    assert sc.details["facts_used"] == pytest.approx(2 / 3, abs=1e-3)
    assert sc.details["aspects_without_facts_or_asks"]
    assert sc.details["placeholders"] == 0 and "得分减半" in sc.explanation


def test_chinese_numerals():
    assert D.cn_value("十二") == 12 and D.cn_value("两") == 2 and D.cn_value("一百二十") == 120
    assert D.cn_value("三十") == 30 and D.cn_value("是") is None
    toks = [(v, u) for v, u, _, _ in D.number_tokens("两次党小组会，第三网格，2.10万卷，6000多字")]
    assert ("2", "次") in toks and ("2.1", "万") in toks and ("6000", "字") in toks
    assert not any(v == "3" for v, _ in toks)   # 第三网格: no classifier after the numeral


def test_structure_score_names_the_missing_aspect(ctx):
    parse, notes, st = ctx
    text = GOOD.replace("（三）“对照入党誓词”方面\n", "")
    sc = D.structure_score(parse(text), st, notes)
    assert sc.value < 1.0 and 3 in sc.details["missing_aspects"]
    assert D.structure_score(parse(GOOD), st, notes).value == 1.0


def test_template_copy_finds_seed_sentences_and_ignores_headings():
    from pathlib import Path

    seed = (Path(D.CORPUS) / "seed_2021.txt").read_text(encoding="utf-8")
    copied = GOOD.replace("一是工作只求交差。", "一是" + seed.split("一是", 2)[1].split("二是")[0])
    assert D.template_copy_score(GOOD).value == 1.0
    sc = D.template_copy_score(copied)
    assert sc.value < 1.0 and sc.details["copied"][0]["source"] == "seed_2021"


def test_cross_member_similarity():
    other = GOOD.replace("窗口", "病房").replace("纳税人", "患者家属")
    res = D.cross_member({"a": GOOD, "b": GOOD, "c": "2021年\n完全不同的另一份材料，讲的是修路和架桥的事情。"})
    assert res["max"]["value"] == 1.0 and set(res["max"]["cases"]) == {"a", "b"}
    assert res["per_case"]["c"].value < 0.1
    assert 0.2 < D.cross_member({"a": GOOD, "b": other})["max"]["value"] < 1.0
