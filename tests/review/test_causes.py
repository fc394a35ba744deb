"""DZ201 objective_excuse and DZ202 cause_gap: unit tests beyond the example tables."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pytest

from evals.harness import clean_document, embed
from service.document import parse
from service.review.context import ReviewContext
from service.review.registry import get_rule
from service.structures import get_structure

SEED = Path(__file__).resolve().parents[1] / "fixtures" / "seed_2021.txt"


def run(code: str, text: str, structure=None):
    rule = get_rule(code)
    ctx = ReviewContext(doc=parse(text), structure=structure)
    return ctx, list(rule.check(ctx, rule))


def doc_with_causes(causes: str, problems: int = 3) -> str:
    probs = [
        "一是以干代学。今年12次集中学习我缺席了3次，事后没有补学原文。",
        "二是服务群众有畏难情绪。9月一位纳税人连续两次来咨询退税进度，我只让他回去等通知。",
        "三是党小组会没有按时开。第二季度原定3次，实际只开了1次。",
        "四是遇到难事往后躲。10月清理欠税，我以不熟悉为由没有报名。",
    ][:problems]
    return ("2021年度组织生活会个人对照检查材料\n一、对照检查出的问题\n" + "\n".join(probs)
            + "\n二、产生问题的原因\n" + causes + "\n三、整改措施\n（一）2022年起每月补学1次原文。\n")


# --------------------------------------------------------------------------- DZ201

def test_dz201_one_finding_per_item_listing_every_excuse():
    text = doc_with_causes("（一）工作任务重，人手少，精力有限，学习时间难以保证。\n（二）宗旨意识淡化。")
    ctx, found = run("DZ201", text)
    assert len(found) == 1
    f = found[0]
    assert f.item == "c1" and f.severity == "warning" and f.category == "objective_excuse"
    for phrase in ("工作任务重", "人手少", "精力有限"):
        assert f"“{phrase}”" in f.message
    # the span is the first excuse's clause, in the ORIGINAL text (full-width comma kept)
    assert text[f.start:f.end] == "工作任务重"


def test_dz201_span_maps_to_original_text_with_fullwidth_punctuation():
    text = doc_with_causes("（一）理论学习不深入，主要是由于工作任务繁重；（二）宗旨意识淡化。")
    _, found = run("DZ201", text)
    assert found and text[found[0].start:found[0].end] == "主要是由于工作任务繁重"


@pytest.mark.parametrize("cause", [
    "（一）虽然今年任务重，但根本在于我没有把学习当作硬任务。",
    "（一）尽管人手少，可是说到底还是自己放松了要求。",
    "（一）不能以任务重为借口，是自己宗旨意识淡化。",
    "（一）常以工作忙为由推迟党小组会，纪律意识淡薄。",
    "（一）总觉得工作忙，学习可以放一放。",
    "（一）过多强调客观原因，没有从自身找差距。",
    "（一）客观上人手紧张，主观上是我放松了要求。",
    "（一）问题的根子在我自己，并非时间紧。",
    "（一）任务重是事实，但关键在于自己的思想认识没有跟上。",
    "（一）在工作任务繁重时，容易放松对自己的要求，这反映出党性修养还不够。",
])
def test_dz201_owned_objective_facts_pass(cause):
    _, found = run("DZ201", doc_with_causes(cause + "\n（二）宗旨意识淡化。"))
    assert found == []


@pytest.mark.parametrize("cause", [
    "（一）根本原因是工作量大、人手不足。",           # 根本原因 → still objective
    "（一）主要原因在于客观条件限制，精力不够。",
    "（一）面对繁重的工作任务，放松了理论学习。",
    "（一）上级要求多，疲于应付。",
    "（一）任务重时间紧，学习时间难以保证。",        # 时间 after 任务重 is not a "when" frame
])
def test_dz201_unowned_objective_causes_flag(cause):
    _, found = run("DZ201", doc_with_causes(cause + "\n（二）宗旨意识淡化。"))
    assert [f.item for f in found] == ["c1"]


@pytest.mark.parametrize("problem,flag", [
    ("一是学习不系统。由于工作任务重，今年自学时间少。", True),
    ("一是调研不够。受人手不足影响，今年只走访了2户企业。", True),
    ("一是调研不够。因为时间紧，没有完成计划的10户走访。", True),
    ("一是学习不系统。因工作忙，理论学习的时间被挤占，全年只读了1本书。", True),
    # circumstance, no causal connector
    ("一是服务缺乏耐心。10月窗口任务重，我对一位纳税人语气生硬。", False),
    # the connector explains an act, not the shortfall
    ("一是以干代学。我因为工作忙缺席了3次，事后也没有补学。", False),
    # owned in the problem itself
    ("一是学习不系统。由于工作忙为由放松了学习，这是借口。", False),
])
def test_dz201_problem_items_only_flag_explicit_excuses(problem, flag):
    text = ("个人对照检查材料\n一、查摆问题\n" + problem + "\n二、原因剖析\n（一）宗旨意识淡化。\n"
            "三、整改措施\n（一）每月补学1次。\n")
    _, found = run("DZ201", text)
    assert bool(found) is flag
    if flag:
        assert found[0].item == "p1" and "查摆问题" in found[0].message


def test_dz201_silent_on_clean_and_seed():
    assert run("DZ201", clean_document())[1] == []
    assert run("DZ201", SEED.read_text(encoding="utf-8"))[1] == []


# --------------------------------------------------------------------------- DZ202

def test_dz202_lists_all_missing_dimensions_in_one_finding_at_heading():
    text = doc_with_causes("（一）理想信念有所松懈。\n（二）工作方法简单。")
    _, found = run("DZ202", text)
    gaps = [f for f in found if f.severity == "warning"]
    assert len(gaps) == 1
    f = gaps[0]
    assert text[f.start:f.end].startswith("二、产生问题的原因")
    assert f.extra["missing"] == ["宗旨意识", "党性修养", "纪律规矩"]
    assert "宗旨意识、党性修养、纪律规矩" in f.message and f.item is None


def test_dz202_defaults_without_structure_and_structure_dimensions_with_one():
    causes = "（一）理想信念松懈。\n（二）宗旨意识淡化。\n（三）党性修养放松。\n（四）纪律规矩意识弱化。"
    text = doc_with_causes(causes)
    assert run("DZ202", text)[1] == []
    _, found = run("DZ202", text, structure=get_structure("dem-life-2024"))
    assert [f.extra.get("missing") for f in found] == [["权力观", "政绩观"]]
    _, found = run("DZ202", doc_with_causes(causes + "\n（五）权力观有偏差，政绩观不够端正。"),
                   structure=get_structure("dem-life-2024"))
    assert found == []
    # 权力观/政绩观 are one slot (domain.md writes them as one, like 宗旨意识/群众观点)
    _, found = run("DZ202", doc_with_causes(causes + "\n（五）政绩观有偏差，急于出成绩。"),
                   structure=get_structure("dem-life-2024"))
    assert found == []


def test_dz202_custom_dimensions_and_aliases():
    st = SimpleNamespace(cause_dimensions=["群众观点", "担当作为"])
    _, found = run("DZ202", doc_with_causes("（一）以人民为中心的思想树得不牢。\n（二）工作不细。"), st)
    # 群众观点 is an alias of 宗旨意识 (covered by 以人民为中心); 担当作为 matched by its name
    assert [f.extra.get("missing") for f in found] == [["担当作为"]]
    _, found = run("DZ202", doc_with_causes("（一）宗旨意识淡化。\n（二）担当作为不够。"), st)
    assert found == []


def test_dz202_passing_mention_of_party_rules_is_not_discipline_analysis():
    # the seed's causes mention 党章党规党纪 only in passing and never analyse 纪律规矩
    _, found = run("DZ202", SEED.read_text(encoding="utf-8"))
    assert [f.extra.get("missing") for f in found] == [["纪律规矩"]]


def test_dz202_thin_and_gap_findings_both_survive_the_engine():
    from service.review.engine import review
    text = doc_with_causes("（一）党性修养有所放松，对自己要求降低。", problems=4)
    found = [f for f in review(text).findings if f.rule == "DZ202"]
    assert sorted(f.severity for f in found) == ["info", "warning"]
    thin = next(f for f in found if f.severity == "info")
    assert text[thin.start:thin.end] == "（一）党性修养有所放松，对自己要求降低。"


def test_dz202_thin_analysis_is_info():
    text = doc_with_causes("（一）理想信念、宗旨意识、党性修养、纪律规矩都有所放松。", problems=4)
    _, found = run("DZ202", text)
    assert len(found) == 1 and found[0].severity == "info"
    assert "4个问题" in found[0].message and "1条" in found[0].message
    # fewer problems: not thin
    assert run("DZ202", doc_with_causes("（一）理想信念、宗旨意识、党性修养、纪律规矩都有所放松。",
                                        problems=2))[1] == []


def test_dz202_silent_without_a_causes_section():
    # no causes heading at all: the structure rule's business (DZ001)
    text = "个人对照检查材料\n一、查摆问题\n一是以干代学，我缺席3次。\n二、整改措施\n（一）每月补学1次。\n"
    assert run("DZ202", text)[1] == []


def test_dz202_reports_an_empty_causes_section():
    # a heading with nothing under it: DZ001 sees the heading and stays silent
    text = "个人对照检查材料\n一、查摆问题\n一是以干代学，我缺席3次。\n二、原因剖析\n\n三、整改措施\n（一）每月补学1次。\n"
    _, found = run("DZ202", text)
    assert len(found) == 1 and found[0].severity == "warning"
    assert "只有标题" in found[0].message and text[found[0].start:found[0].end] == "二、原因剖析"


def test_dz202_silent_on_clean_document():
    assert run("DZ202", clean_document())[1] == []


def test_embedded_cause_does_not_move_dz202():
    doc, _ = embed("cause", "（五）工作任务重。")
    _, found = run("DZ202", doc)
    assert found == []
