"""Problem ↔ measure matching (service/review/matching.py) and the shared segmenter."""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest

from evals.harness import clean_document, embed
from service.document import parse
from service.review import matching
from service.review.context import ReviewContext
from service.text import segment

SEED = Path(__file__).resolve().parents[1] / "fixtures" / "seed_2021.txt"


def _ctx(text: str) -> ReviewContext:
    return ReviewContext(doc=parse(text))


def _pairs(ctx) -> dict[str, list[str]]:
    return {m["problem"]: m["measures"] for m in matching.matches(ctx)}


DOC = """个人对照检查材料

一、查摆的问题
（一）“对照党中央和习近平总书记的号召和要求”方面
一是理论学习不够深入。今年支部安排的10次集中学习，我缺席了3次，也没有补学原文。
（二）“对照新时代合格党员标准”方面
一是服务群众不够耐心。6月有位纳税人三次来窗口咨询，我没有一次讲清楚办理流程。
（三）“对照入党誓词”方面
一是落实组织生活不严格。第二季度党小组会原定3次，只开了1次。
二、原因剖析
（一）理想信念有所松懈。把学习当作软任务。
三、整改措施
{MEASURES}
"""


def _doc(measures: str) -> ReviewContext:
    return _ctx(DOC.replace("{MEASURES}", measures))


# --------------------------------------------------------------------------- harness
def test_harness_each_problem_matches_its_own_measure_only():
    ctx = _ctx(clean_document())
    assert _pairs(ctx) == {"p1": ["m1"], "p2": ["m2"], "p3": ["m3"], "p4": ["m4"]}
    assert matching.answered_by(ctx) == {"m1": ["p1"], "m2": ["p2"], "m3": ["p3"], "m4": ["p4"]}
    assert all(m["score"] >= 0.9 for m in matching.matches(ctx))


def test_harness_without_references_still_one_to_one():
    # strip every "针对……的问题，": the topic overlap alone must pair them
    text = re.sub(r"针对[^，,]*?的问题[，,]", "", clean_document())
    assert "针对" not in text.split("三、整改措施")[1]
    ctx = _ctx(text)
    assert _pairs(ctx) == {"p1": ["m1"], "p2": ["m2"], "p3": ["m3"], "p4": ["m4"]}


def test_embedded_measure_is_an_orphan_and_embedded_problem_unmatched():
    doc, _ = embed("measure", "加强网络安全管理，每季度更新一次杀毒软件。")
    ctx = _ctx(doc)
    assert matching.answered_by(ctx)["m5"] == []
    doc, _ = embed("problem", "批评与自我批评开展得不够。组织生活会上我只提了“注意身体”。")
    ctx = _ctx(doc)
    assert _pairs(ctx)["p2"] == []


# --------------------------------------------------------------------------- seed
def test_seed_matching_is_partial():
    """The seed's measures are generic (学习 / 务实创新 / 党性): they touch most problems
    loosely, but nothing answers 模范带头 (p5) or 宗旨意识 (p6)."""
    ctx = _ctx(SEED.read_text(encoding="utf-8"))
    pairs = _pairs(ctx)
    assert len(pairs) == 9
    assert {p for p, ms in pairs.items() if not ms} == {"p5", "p6"}
    assert "m1" in pairs["p1"]            # 增强学习的自觉性 → 理论学习缺乏探索精神
    assert "m3" in pairs["p2"]            # 学而用、学而行 → 学用转化
    assert "m5" in pairs["p4"]            # 增强党性原则 → 党性锻炼不够扎实
    assert "m5" in pairs["p8"]            # 勇于吃苦 → 吃苦精神有待提高
    answered = matching.answered_by(ctx)
    assert all(answered[m] for m in ("m1", "m2", "m3", "m4", "m5"))


# --------------------------------------------------------------------------- overlap
def test_synonyms_match_different_words():
    ctx = _doc("（一）2022年起每月至少回访2名来窗口咨询过的办税群众。\n"
               "（二）2022年起每月按时参加三会一课，确需请假的当月补课。\n"
               "（三）2022年起每月至少精读1本原著，写读书笔记。")
    assert _pairs(ctx) == {"p1": ["m3"], "p2": ["m1"], "p3": ["m2"]}


def test_unrelated_measure_answers_nothing():
    ctx = _doc("（一）6月底前完成科室档案数字化，每季度检查1次。")
    assert matching.answered_by(ctx) == {"m1": []}
    assert _pairs(ctx) == {"p1": [], "p2": [], "p3": []}


def test_shared_word_in_passing_is_not_an_answer():
    # m1 is about study and mentions the 党小组 only as the checker; m2 is about 党小组会
    ctx = _doc("（一）2022年起每次缺席集中学习后一周内补学原文，笔记交党小组检查。\n"
               "（二）2022年起党小组会每月至少召开1次。")
    assert matching.answered_by(ctx) == {"m1": ["p1"], "m2": ["p3"]}


def test_group_heading_counts_for_its_items():
    ctx = _doc("（一）加强理论学习。\n1、从2022年起每月至少精读1本原著。\n2、上半年在支部交流1次体会。")
    assert [m.group for m in ctx.doc.measures] == ["加强理论学习", "加强理论学习"]
    assert matching.answered_by(ctx) == {"m1": ["p1"], "m2": ["p1"]}


# --------------------------------------------------------------------------- references
def test_reference_by_abbreviated_headline():
    # "组织生活不严格" names "落实组织生活不严格"; the measure's own words would not
    ctx = _doc("（一）针对组织生活不严格的问题，6月底前把全年计划报支部备案。")
    assert matching.answered_by(ctx) == {"m1": ["p3"]}
    ref = matching.result(ctx).references["m1"][0]
    assert ref.phrase == "组织生活不严格" and ref.problems == ["p3"]


def test_reference_with_fillers_and_quotes():
    ctx = _doc("（一）针对查摆出的“服务群众不够耐心”方面的问题，2022年起每月回访2人。")
    assert matching.answered_by(ctx) == {"m1": ["p2"]}


def test_reference_wins_over_overlap():
    # the text is about study, but the author says it answers the 组织生活 problem
    ctx = _doc("（一）针对组织生活不严格的问题，2022年起每月集中学习后补学原文。")
    assert matching.answered_by(ctx) == {"m1": ["p3"]}


def test_reference_by_number_and_by_aspect():
    ctx = _doc("（一）针对第二个问题，2022年起每月回访2人。\n"
               "（二）对应问题3：每月按时开会。\n"
               "（三）针对第一方面的问题，每月读1本书。")
    assert matching.answered_by(ctx) == {"m1": ["p2"], "m2": ["p3"], "m3": ["p1"]}


def test_generic_reference_is_ignored():
    ctx = _doc("（一）针对上述问题，2022年起每季度参观1次红色教育基地。")
    res = matching.result(ctx)
    assert res.references["m1"] == []
    assert res.answers["m1"] == []


def test_group_heading_reference_applies_to_items():
    ctx = _doc("（一）针对服务群众不够耐心的问题：\n1、从2022年起每月整理1次常见咨询。\n"
               "2、在6月底前建立台账。")
    assert matching.answered_by(ctx) == {"m1": ["p2"], "m2": ["p2"]}


def test_reference_does_not_pick_a_synonym_neighbour():
    # "遇到难事往后躲" names p4 literally; p3 (畏难情绪) shares its topic only by synonym
    ctx = _ctx(clean_document())
    ref = matching.result(ctx).references["m4"][0]
    assert ref.problems == ["p4"]
    assert ref.sims["p3"] < ref.sims["p4"]


# --------------------------------------------------------------------------- contract
def test_matches_contract_and_cache():
    ctx = _ctx(clean_document())
    out = matching.matches(ctx)
    assert ctx.cache["matches"] is out
    assert matching.matches(ctx) is out
    for m in out:
        assert set(m) == {"problem", "measures", "score"}
        assert isinstance(m["score"], float) and 0.0 <= m["score"] <= 1.0


def test_no_measures_or_no_problems():
    ctx = _ctx(DOC.replace("三、整改措施\n{MEASURES}\n", ""))
    assert _pairs(ctx) == {"p1": [], "p2": [], "p3": []}
    assert matching.answered_by(ctx) == {}


def test_matching_is_fast():
    text = SEED.read_text(encoding="utf-8")
    matching.result(_ctx(text))  # warm up (rjieba dictionary, lexicons)
    doc = parse(text)
    runs = []
    for _ in range(20):
        ctx = ReviewContext(doc=doc)
        t = time.perf_counter()
        matching.result(ctx)
        runs.append(time.perf_counter() - t)
    assert sorted(runs)[10] < 0.005, f"median {sorted(runs)[10] * 1000:.2f} ms"


# --------------------------------------------------------------------------- segment
def test_tokens_have_offsets():
    text = "针对组织生活不严格的问题，2022年党小组会每月至少召开1次。"
    toks = segment.tokens(text)
    assert all(text[s:e] == w for (w, s, e) in toks)
    assert "".join(w for (w, _s, _e) in toks) == text
    words = [w for (w, _s, _e) in toks]
    assert "组织生活" in words and "党小组会" in words   # topic words stay whole


def test_content_words_drop_stopwords_numbers_punctuation():
    words = segment.content_words("针对学习党史不够深入的问题，2022年起每月至少读1本书。")
    assert "问题" not in words and "不够" not in words and "深入" not in words
    assert "2022" not in words and "，" not in words and "每月" not in words
    assert "学习" in words and "党史" in words


def test_topic_words_are_single_tokens():
    words = segment.content_words("三会一课落实不到位，学生家长反映的问题没有回复。")
    assert "三会一课" in words and "学生家长" in words


def test_search_words_split_compounds_into_halves():
    # 业务学习 is no topic word: it counts as 业务 + 学习 (so it meets 学习)
    seg = segment.Segmentation("主动到其他科室请教业务学习经验。")
    words = seg.words()
    assert {"业务", "学习"} <= set(words)
    assert "业务学习" not in words and "务学" not in words
    assert "业务学习" in seg.words(search=False)
    # 项目部 is not two words: it stays whole (no spurious 目部)
    assert segment.Segmentation("项目部食堂改造").words()[:1] == ["项目部"]
    # a topic word (宗旨意识) stays whole: its group is what counts
    assert segment.Segmentation("宗旨意识树的还不够牢。").words()[:1] == ["宗旨意识"]


def test_doc_segmentation_once_per_review():
    ctx = _ctx(clean_document())
    seg = segment.doc_segmentation(ctx)
    assert segment.doc_segmentation(ctx) is seg
    p = ctx.doc.problems[0]
    assert "以干代学" in seg.words(p.body_start, p.body_start + len(p.headline))


@pytest.mark.parametrize("text", [SEED.read_text(encoding="utf-8"), clean_document()])
def test_doc_segmentation_by_section_is_the_whole_texts(text):
    # cut one section at a time (some only when asked), the tokens are those of one
    # rjieba call on the whole text, for any span
    ctx = _ctx(text)
    seg = segment.doc_segmentation(ctx)
    whole = segment.Segmentation(ctx.text)
    n = len(ctx.text)
    for s, e in [(0, n), (0, n // 3), (n // 4, n - 7), (n // 2, n // 2 + 40), (n - 5, n)]:
        assert seg.span(s, e) == whole.span(s, e)
        assert seg.words(s, e) == whole.words(s, e)
        assert seg.token_words(s, e) == [w for (w, _a, _b) in whole.span(s, e)]
    assert seg.raw_words == whole.raw_words and seg.offsets == whole.offsets
    assert seg.tokens == whole.tokens
