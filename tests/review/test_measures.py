"""The measure rules: DZ301 unmatched_problem, DZ302 orphan_measure, DZ303 vague_measure."""

from __future__ import annotations

from pathlib import Path

import pytest

from evals.harness import clean_document, embed
from service.document import parse
from service.review.context import ReviewContext
from service.review.registry import get_rule
from service.review.rules import dz303_vague_measure as dz303

SEED = Path(__file__).resolve().parents[1] / "fixtures" / "seed_2021.txt"

DOC = """个人对照检查材料

一、查摆的问题
（一）“对照党中央和习近平总书记的号召和要求”方面
一是理论学习不深入。今年支部安排的10次集中学习，我缺席了3次，也没有补学原文。
（二）“对照入党誓词”方面
一是服务群众不够耐心。6月有位纳税人三次来窗口咨询，我没有一次讲清楚办理流程。
二、原因剖析
（一）理想信念有所松懈。把学习当作软任务。
三、整改措施
{MEASURES}
"""


def _run(code: str, text: str):
    rule = get_rule(code)
    ctx = ReviewContext(doc=parse(text))
    return ctx, list(rule.check(ctx, rule))


def _measures(measures: str) -> str:
    return DOC.replace("{MEASURES}", measures)


@pytest.mark.parametrize("code", ["DZ301", "DZ302", "DZ303"])
def test_clean_harness_document_has_no_finding(code):
    _ctx, found = _run(code, clean_document())
    assert found == []


# --------------------------------------------------------------------------- DZ301
def test_dz301_error_names_the_problem_and_asks():
    text = _measures("（一）2022年起每次缺席集中学习后一周内补学原文。")
    ctx, found = _run("DZ301", text)
    assert [f.item for f in found] == ["p2"]
    f = found[0]
    assert f.severity == "error" and f.category == "unmatched_problem"
    assert "服务群众不够耐心" in f.message
    assert "？" in f.suggestion and "什么时候" in f.suggestion
    assert text[f.start:f.end].startswith("服务群众不够耐心")


def test_dz301_warning_when_a_measure_touches_the_topic():
    # the measure names the study problem but also mentions 群众 in passing
    text = _measures("（一）针对学习不深入的问题，2022年起每月至少精读1篇原文，向群众宣讲1次。")
    _ctx, found = _run("DZ301", text)
    assert [(f.item, f.severity) for f in found] == [("p2", "warning")]
    assert "沾边" in found[0].message


def test_dz301_skips_without_measures():
    text = DOC.replace("三、整改措施\n{MEASURES}\n", "")
    assert _run("DZ301", text)[1] == []


def test_dz301_seed_flags_the_problems_nothing_answers():
    _ctx, found = _run("DZ301", SEED.read_text(encoding="utf-8"))
    assert {f.item for f in found} == {"p5", "p6"}
    assert all(f.severity == "error" for f in found)
    assert any("宗旨意识树的还不够牢" in f.message for f in found)


# --------------------------------------------------------------------------- DZ302
def test_dz302_orphan_measure_named():
    doc, (start, end) = embed("measure", "加强网络安全管理，每季度更新一次杀毒软件。")
    _ctx, found = _run("DZ302", doc)
    assert len(found) == 1
    f = found[0]
    assert f.severity == "warning" and f.category == "orphan_measure"
    assert "加强网络安全管理" in f.message and "两张皮" in f.message
    assert "针对……的问题" in f.suggestion
    assert start <= f.start < f.end <= end


def test_dz302_skips_without_problems_section():
    text = "个人对照检查材料\n\n一、原因剖析\n（一）理想信念有所松懈。\n二、整改措施\n（一）每月打一次羽毛球。\n"
    ctx, found = _run("DZ302", text)
    assert ctx.doc.measures and found == []


def test_dz302_seed_measures_all_answer_something():
    assert _run("DZ302", SEED.read_text(encoding="utf-8"))[1] == []


# --------------------------------------------------------------------------- DZ303
@pytest.mark.parametrize("text,expect", [
    ("2022年起每月至少精读1篇原文，6月底前交流1次。",
     {"deadline", "frequency", "quantity", "year"}),
    ("3月底前整理退税查询方法。", {"deadline"}),
    ("每季度回访2名纳税人。", {"frequency", "quantity"}),
    ("2022年主动承担至少1项牵头任务。", {"year", "quantity"}),
    ("牢固树立“四个意识”，坚决做到“两个维护”。", {"slogan"}),
    ("学习党的十九届六中全会和第十二次党代会精神。", set()),
])
def test_dz303_signals(text, expect):
    got = {k for k, v in dz303.signals(text).items() if v}
    assert got == expect


def _dz303_messages(measure: str) -> list[str]:
    doc, _ = embed("measure", measure)
    _ctx, found = _run("DZ303", doc)
    return [f.message for f in found if f.item == "m5"]


def test_dz303_slogan_level_quotes_the_slogans():
    [msg] = _dz303_messages("进一步加强理论学习，切实提高政治站位。")
    assert "“进一步加强”“切实提高”" in msg and "时限" in msg


def test_dz303_deadline_level_quotes_the_quantity():
    [msg] = _dz303_messages("撰写不少于2篇学习体会，交党小组检查。")
    assert "不少于2篇" in msg and "没有完成时限" in msg


def test_dz303_negated_problem():
    [msg] = _dz303_messages("杜绝以干代学。")
    assert "反过来说" in msg and "学习存在以干代学的情况" in msg


def test_dz303_negation_compares_with_the_matched_problem():
    text = _measures("（一）深入学习理论。\n（二）耐心服务群众。\n（三）热情服务群众。")
    _ctx, found = _run("DZ303", text)
    by_item = {f.item: f.message for f in found}
    assert "理论学习不深入" in by_item["m1"] and "反过来说" in by_item["m1"]
    assert "服务群众不够耐心" in by_item["m2"] and "反过来说" in by_item["m2"]
    # 热情 is not in the problem: a vague measure, but not a mere negation
    assert "反过来说" not in by_item["m3"] and "时限" in by_item["m3"]


@pytest.mark.parametrize("measure", [
    "2022年起每月至少精读1篇原文并写出不少于500字的笔记，6月底前在支部交流1次。",
    "2022年主动承担科里至少1项牵头任务。",
    "3月底前整理退税办理各环节的查询方法，印发给窗口同事。",
    "严格执行师德规范，2022年起逢年过节一律谢绝家长礼品礼金。",
])
def test_dz303_concrete_measures_pass(measure):
    assert _dz303_messages(measure) == []


def test_dz303_group_heading_deadline_counts():
    text = _measures("（一）2022年6月底前完成以下整改：\n1、补学缺席的3次集中学习的原文。\n"
                     "2、在支部交流1次学习体会。")
    ctx, found = _run("DZ303", text)
    assert len(ctx.doc.measures) == 2 and found == []


def test_dz303_seed_measures_all_vague():
    _ctx, found = _run("DZ303", SEED.read_text(encoding="utf-8"))
    assert [f.item for f in found] == ["m1", "m2", "m3", "m4", "m5"]
    assert all(f.severity == "warning" for f in found)
