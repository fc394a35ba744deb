"""Per-item specificity (service/review/specificity.py): signals, tiers, formula."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from evals.harness import clean_document, embed
from service.document import parse
from service.review import specificity
from service.review.context import ReviewContext
from service.review.specificity import STOCK_PENALTY, WEIGHTS, analyse, explain, item_score

SEED = Path(__file__).resolve().parents[1] / "fixtures" / "seed_2021.txt"


def _one(text: str):
    """(ctx, item) for ``text`` embedded as the last problem of the harness document."""
    doc, (start, _end) = embed("problem", text)
    d = parse(doc)
    ctx = ReviewContext(doc=d)
    item = [it for it in d.problems if d.norm.orig_span(it.start, it.end)[0] == start][0]
    return ctx, item


def _exp(text: str):
    ctx, item = _one(text)
    return explain(ctx, item)


def _found(exp, kind):
    return [s.text for s in exp.found(kind)]


# ---- the formula -------------------------------------------------------------------

def test_bare_stock_phrase_scores_zero_with_full_penalty():
    exp = _exp("二是理论学习不够深入。")
    assert exp.score == 0.0
    assert exp.tier == "none"
    assert [s.text for s in exp.stock] == ["不够深入"]
    assert exp.stock_clauses == exp.clauses == 1
    assert exp.penalty == pytest.approx(STOCK_PENALTY)


def test_score_is_base_minus_penalty_clamped():
    exp = _exp("二是落实组织生活不够严格。第二季度党小组会原定3次，实际只开了1次。")
    base = 0.0
    for kind, (w, cap) in WEIGHTS.items():
        base += w * min(len(exp.found(kind)), cap)
    assert exp.base == pytest.approx(min(1.0, base))
    assert exp.penalty == pytest.approx(STOCK_PENALTY * exp.stock_clauses / exp.clauses)
    assert exp.score == pytest.approx(max(0.0, min(1.0, exp.base - exp.penalty)))
    assert 0 < exp.score < exp.base


def test_specific_item_with_one_stock_headline_is_strong():
    exp = _exp("二是理论学习不够深入。今年9月支部组织学习六中全会精神，3次集中学习我缺席了2次，"
               "事后没有补学原文。")
    assert exp.tier == "strong"
    assert "9月" in _found(exp, "time")
    assert {"3", "2"} <= set(_found(exp, "count"))
    assert _found(exp, "behaviour")
    assert exp.score >= 0.6


def test_clean_harness_items_are_specific_and_seed_items_are_not():
    d = parse(clean_document())
    ctx = ReviewContext(doc=d)
    scores = [item_score(ctx, it) for it in d.problems]
    assert min(scores) >= 0.6, scores
    seed = parse(SEED.read_text(encoding="utf-8"))
    sctx = ReviewContext(doc=seed)
    seed_scores = [item_score(sctx, it) for it in seed.problems]
    assert len(seed_scores) == 9
    assert sum(seed_scores) / len(seed_scores) < 0.2, seed_scores
    assert all(0.0 <= s <= 1.0 for s in scores + seed_scores)


def test_explanation_is_cached_per_review():
    ctx, item = _one("二是宗旨意识有待提高。")
    first = explain(ctx, item)
    assert explain(ctx, item) is first
    assert ctx.cache[("specificity", item.id)] is first


def test_to_dict_is_json_and_lists_found_and_missing():
    exp = _exp("二是服务群众缺乏耐心。9月在窗口，一位老人问了两遍我就不耐烦，"
               "他在意见簿上写了“态度生硬”。")
    d = exp.to_dict()
    json.dumps(d, ensure_ascii=False)
    assert d["found"]["time"] == ["9月"]
    assert "“态度生硬”" in d["found"]["quote"]
    assert "thinking" in d["missing"] and "time" not in d["missing"]
    assert set(d) >= {"score", "base", "penalty", "tier", "found", "missing", "stock"}


# ---- signals ----------------------------------------------------------------------

@pytest.mark.parametrize("text,expected", [
    ("今年3月", ["3月"]), ("2021年9月", ["2021年9月"]), ("第二季度", ["第二季度"]),
    ("上半年", ["上半年"]), ("春节前", ["春节"]), ("九月份", ["九月份"]),
])
def test_times(text, expected):
    exp = analyse(text, 0, len(text))
    assert [s.text for s in exp.found("time")] == expected


def test_vague_time_is_vague_only():
    exp = analyse("今年以来学习不够深入", 0, 10)
    assert [s.text for s in exp.found("vague_time")] == ["今年以来"]
    assert exp.tier == "vague"
    assert not exp.found("time")


@pytest.mark.parametrize("text,expected", [
    ("缺席了3次", ["3"]), ("走访32户企业", ["32"]), ("两名同志", ["两名"]),
    ("发言只有两三句", ["两三句"]), ("一位纳税人", ["一位"]), ("十几次", ["十几次"]),
])
def test_counts(text, expected):
    exp = analyse(text, 0, len(text))
    assert [s.text for s in exp.found("count")] == expected


@pytest.mark.parametrize("text", [
    "增强“四个意识”、坚定“四个自信”、做到“两个维护”",
    "学习党的十九届六中全会精神",
    "学习第十二次党代会精神",
    "作为一名党员",
    "庆祝建党100周年",
    "提高七种能力，防止两张皮",
    "一些问题、一个时期、一定程度",
    "存在三天打鱼两天晒网的现象",
])
def test_political_terms_and_idioms_are_not_counts(text):
    exp = analyse(text, 0, len(text))
    assert not exp.found("count"), [s.text for s in exp.found("count")]


def test_others_quotes_count_but_leader_quotes_and_terms_do_not():
    t = "群众反映“办事要跑好几趟”"
    assert [s.text for s in analyse(t, 0, len(t)).found("quote")] == ["“办事要跑好几趟”"]
    t = "对照总书记指出的“江山就是人民”还有差距"
    assert not analyse(t, 0, len(t)).found("quote")
    t = "牢固树立“四个意识”"
    assert not analyse(t, 0, len(t)).found("quote")
    t = "他在意见簿上写了“来回跑”"
    assert analyse(t, 0, len(t)).found("quote")


def test_behaviour_needs_me_and_a_concrete_act():
    t = "我以不熟悉为由没有主动报名"
    assert analyse(t, 0, len(t)).found("behaviour")
    t = "我没有真正做到学深悟透"          # abstract: not a concrete act
    assert not analyse(t, 0, len(t)).found("behaviour")
    t = "我们支部没有按时开会"            # 我们 is not the member
    assert not analyse(t, 0, len(t)).found("behaviour")
    t = "开展批评与自我批评时只说优点"    # 自我 is not 我
    assert not analyse(t, 0, len(t)).found("behaviour")
    t = "推进“我为群众办实事”时只做了规定动作"
    assert not analyse(t, 0, len(t)).found("behaviour")


def test_first_person_carries_over_within_the_sentence():
    t = "去年以来我下基层少，对村里反映的饮水问题只转给了水利站，没有跟进。"
    beh = [s.text for s in analyse(t, 0, len(t)).found("behaviour")]
    assert any("只转给了水利站" in b for b in beh)
    t = "我担任党小组长。党小组会只开了1次。"   # a new sentence: no carry-over
    assert not analyse(t, 0, len(t)).found("behaviour")


def test_thinking_and_harm():
    t = "当时我觉得是人情往来，认为只要不出差错就行"
    exp = analyse(t, 0, len(t))
    assert exp.found("thinking")
    assert not exp.found("harm")          # 不出差错 is negated
    t = "对方投诉后才改正，9月的总结被退回返工"
    harms = [s.text for s in analyse(t, 0, len(t)).found("harm")]
    assert "投诉" in harms and "返工" in harms
    t = "存在工学矛盾"                   # an objective excuse, not harm to someone
    assert not analyse(t, 0, len(t)).found("harm")


def test_stock_patterns():
    t = "理想信念有所松懈，缺乏攻坚克难的精神，站位还不够高，勇气不足"
    stock = [s.text for s in analyse(t, 0, len(t)).stock]
    assert "有所松懈" in stock
    assert any(s.startswith("缺乏") and s.endswith("精神") for s in stock)
    assert "站位还不够高" in stock
    assert "不足" in stock
    t = "不足以说明问题，心里不高兴"
    assert not analyse(t, 0, len(t)).stock


def test_signals_helper_counts_kinds():
    d = parse(clean_document())
    counts = specificity.signals(d.problems[0])
    assert counts["count"] >= 2 and counts["time"] >= 1
    assert set(counts) == set(WEIGHTS)


# ---- the shared item pass (item_phrases) is an exact rewrite ------------------------

def _shared_pass_docs() -> list[str]:
    root = Path(__file__).resolve().parents[2]
    bench = root / "evals" / "datasets" / "bench"
    docs = [SEED.read_text(encoding="utf-8")]
    docs += [p.read_text(encoding="utf-8") for p in sorted(bench.glob("*.txt"))]
    docs.append(clean_document())
    # inline items, an astral character (no nibble coding: the plain scans), an empty
    # problems section
    docs.append("一、存在的问题\n一是有的同志不够深入。二是工作太投入，圆满完成任务😀。\n"
                "二、原因分析\n一是学习不够。")
    docs.append("一、存在的问题\n一是有的同志学习不够深入，没有完成。二是荣获先进，"
                "我当时想加班就行，群众反映“来回跑”。\n")
    return docs


_SHARED_DOCS = _shared_pass_docs()


@pytest.mark.parametrize("k", range(len(_SHARED_DOCS)))
def test_item_pass_equals_the_separate_automata_and_plain_analysis(k):
    from service.review.rules import dz102_disguised_praise as dz102
    from service.review.rules import dz104_not_own as dz104
    from service.review.rules import dz105_work_report as dz105

    docs = _SHARED_DOCS
    d = parse(docs[k])
    assert d.problems
    text = d.norm.text
    ctx = ReviewContext(doc=d)
    coded = 0
    for item in d.problems:
        s, e = item.body_start, item.body_start + len(item.text)
        shared = specificity.item_phrases(ctx, item)
        if shared is None:     # the problems' span has no nibble coding
            assert "😀" in docs[k]
            assert explain(ctx, item) == analyse(text, s, e, item.id, s + len(item.headline))
            continue
        coded += 1
        plain = specificity._phrase_hits(text, s, e)
        assert {kind: spans for kind, spans in plain.items() if spans} == {
            kind: shared[kind] for kind in plain if kind in shared}
        assert dz104._others_spans()(text, s, e) == shared.get("DZ104", [])
        assert dz105._lex().achievement_spans(text, s, e) == shared.get("DZ105", [])
        assert dz102._hits(text, s, e, shared) == dz102._hits(text, s, e)
        assert dz104.others(text, s, e, shared) == dz104.others(text, s, e)
        assert dz105.is_report(text, s, e, shared=shared) == dz105.is_report(text, s, e)
        want = analyse(text, s, e, item.id, s + len(item.headline))
        got = explain(ctx, item)
        assert got == want
        assert got.counts == {kind: n for kind, n in want.counts.items()}
        assert {kind: len(got.found(kind)) for kind in got.counts} == got.counts
    assert coded == (0 if "😀" in docs[k] else len(d.problems))
