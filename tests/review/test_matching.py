"""Problem ↔ measure matching (service/review/matching.py) and the shared segmenter."""

from __future__ import annotations

import math
import random
import re
import time
from collections import Counter
from pathlib import Path

import pytest
from rapidfuzz import fuzz

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


# --------------------------------------------------------------------------- exact rewrites
# The fast paths of matching.py (topics looked up per span with itemgetter, sparse
# credits, the fuzz bound and pending sims, _round, the inverted index over the topics
# that count) against the plain computation the module docstring states, on real
# documents and on generated variants of them.
_ROOT = Path(__file__).resolve().parents[2]


def _real_texts() -> list[str]:
    texts = [SEED.read_text(encoding="utf-8"), clean_document()]
    texts += [p.read_text(encoding="utf-8")
              for p in sorted((_ROOT / "evals" / "datasets" / "bench").glob("*.txt"))]
    return texts


def _variants(n: int = 24) -> list[str]:
    """Real documents with lines swapped or dropped (items move between sections, lose
    their references, share words differently)."""
    rng = random.Random(20261127)
    base = _real_texts()
    out = []
    for _ in range(n):
        lines = rng.choice(base).split("\n")
        for _ in range(rng.randint(1, 4)):
            i, j = rng.randrange(len(lines)), rng.randrange(len(lines))
            lines[i], lines[j] = lines[j], lines[i]
        if rng.random() < 0.5:
            del lines[rng.randrange(len(lines))]
        out.append("\n".join(lines))
    return out


def _contexts() -> list[ReviewContext]:
    out = []
    for text in _real_texts() + _variants():
        try:
            out.append(_ctx(text))
        except Exception:   # a variant the parser rejects
            continue
    return out


def _plain_profiles(ctx):
    """(item, headline topics, body topics) per problem, from seg.words."""
    text = ctx.text
    seg = segment.doc_segmentation(ctx)
    out = []
    for p in ctx.doc.problems:
        bs = p.body_start
        h_end = bs + len(p.headline)
        first = matching._CLAUSE.match(text, bs, h_end)
        head = None
        if first is not None and first.end() < h_end:
            head = matching.topics(seg.words(bs, first.end()))
            if head:
                h_end = first.end()
            else:
                head = None
        if head is None:
            head = matching.topics(seg.words(bs, h_end))
        out.append((p, head, matching.topics(seg.words(h_end, bs + len(p.text))) - head))
    return out


def test_topic_spans_are_the_topics_of_the_words():
    for clear in (True, False):   # tokens met for the first time, then known ones
        for ctx in _contexts()[:12]:
            if clear:
                matching._TOKEN_TOPICS.clear()
            seg = segment.doc_segmentation(ctx)
            tp = matching._Topics(seg)
            spans = [(it.body_start, it.body_start + len(it.text)) for it in ctx.doc.items]
            spans += [(it.body_start, it.body_start + len(it.headline)) for it in ctx.doc.items]
            rng = random.Random(len(ctx.text))
            spans += [tuple(sorted(rng.sample(range(len(ctx.text) + 1), 2))) for _ in range(30)]
            for s, e in spans:
                assert tp.span(s, e) == matching.topics(seg.words(s, e)), (s, e)


def test_round_is_the_builtin_round():
    rng = random.Random(7)
    values = [0.0, -0.0, -0.25, 1.0, 1e7, 2.5e-7, 0.0005, 0.0015, 0.0025, 0.1235, 0.9995]
    values += [k / 1000 for k in range(1001)] + [k / 1000 + 0.0005 for k in range(1000)]
    values += [rng.random() for _ in range(20000)]
    values += [rng.choice([1, 2, 3, 5, 7]) / rng.choice([3, 6, 7, 9, 11, 13, 15, 17])
               for _ in range(2000)]
    for ctx in _contexts()[:8]:
        res = matching.result(ctx)
        values += [v for row in res.rows for v in row]
        values += [v for refs in res.references.values() for r in refs for v in r.sims.values()]
    values += [math.nextafter(v, d) for v in values[:3000] for d in (0.0, 2.0)]
    for v in values:
        for digits in (2, 3):
            got, want = matching._round(v, digits), round(v, digits)
            assert got == want and math.copysign(1, got) == math.copysign(1, want), (v, digits)


def test_fuzz_bound_holds():
    # partial_ratio(a, b) / 100 ≤ 2c / (m + c): m the shorter length, c the characters
    # shared (distinct ones plus the repeats of either, at most m)
    rng = random.Random(11)
    alphabet = "学习理论群众服务组织生活不够严格的问题落实党会"
    for _ in range(20000):
        a = "".join(rng.choice(alphabet[:rng.randint(3, len(alphabet))])
                    for _ in range(rng.randint(3, 14)))
        b = "".join(rng.choice(alphabet) for _ in range(rng.randint(3, 24)))
        ca, cb = frozenset(a), frozenset(b)
        m = min(len(a), len(b))
        c = min(m, len(ca & cb) + min(len(a) - len(ca), len(b) - len(cb)))
        assert fuzz.partial_ratio(a, b) / 100.0 <= 2 * c / (m + c) + 1e-12, (a, b)


def test_reference_sims_and_problems_are_the_plain_ones():
    th = matching._lex().thresholds
    seen = 0
    for ctx in _contexts():
        res = matching.result(ctx)
        profiles = _plain_profiles(ctx)
        seg = segment.doc_segmentation(ctx)
        for refs in res.references.values():
            for r in refs:
                if not r.phrase:
                    continue
                mt = matching._lex().phrase_ref.fullmatch(ctx.text, r.start, r.end)
                words = list(dict.fromkeys(seg.words(*mt.span("ref"))))
                ref_clean = matching._clean(r.phrase)
                problems = r.problems
                want = {}
                for p, head, body in profiles:
                    pp = matching._Problem(p, head, body)
                    cover = (sum(matching._credit(w, matching.topics((w,)), pp) for w in words)
                             / len(words)) if words else 0.0
                    head_clean = matching._clean(p.headline)
                    if len(ref_clean) >= 3 and len(head_clean) >= 3:
                        cover = max(cover, fuzz.partial_ratio(ref_clean, head_clean) / 100.0)
                    want[p.id] = cover
                best = max(want.values(), default=0.0)
                floor = max(th["reference_min"], best - th["reference_margin"])
                assert problems == [pid for pid, v in want.items() if v >= floor]
                assert r.sims == want   # (completes the pending fuzz)
                seen += 1
    assert seen > 20


def test_rows_and_head_hits_are_the_plain_scores():
    th = matching._lex().thresholds
    tail = th["measure_tail_weight"]
    for ctx in _contexts():
        res = matching.result(ctx)
        text, seg = ctx.text, segment.doc_segmentation(ctx)
        profiles = _plain_profiles(ctx)
        n = len(profiles)
        df = Counter(t for _p, head, body in profiles for t in head | body)

        def w(t):
            if n == 1:
                return 1.0
            return max(th["idf_floor"], math.log((n + 1) / df[t]) / math.log(n + 1))

        head_hit = [0.0] * n
        for j, m in enumerate(ctx.doc.measures):
            g = matching._group_span(text, m)
            focus = matching.topics(seg.words(*g)) if g else set()
            s0 = m.body_start
            e0 = s0 + len(m.text)
            for cl in matching._CLAUSE.finditer(text, s0, e0):
                first = matching.topics(seg.words(*cl.span()))
                if first:
                    focus |= first
                    break
            f = {t: tail for t in matching.topics(seg.words(s0, e0))}
            f.update(dict.fromkeys(focus, 1.0))
            for i, (p, head, body) in enumerate(profiles):
                hw = sum(w(t) for t in head)
                h = sum(w(t) * f[t] for t in head if t in f) / hw if hw else 0.0
                b = min(1.0, sum(w(t) * f[t] for t in body if t in f) / th["body_saturation"])
                score = (th["headline_weight"] * h + b) / (th["headline_weight"] + 1)
                head_hit[i] = max(head_hit[i], h)
                named = [r for r in res.references[m.id] if p.id in r.problems]
                if named:   # a named problem scores at least its reference similarity
                    score = max([score] + [r.sims[p.id] for r in named])
                assert abs(res.rows[j][i] - score) <= 0.0005 + 1e-9, (m.id, p.id)
                assert res.rows[j][i] == round(res.rows[j][i], 3)
        for i, (p, _h, _b) in enumerate(profiles):
            assert abs(res.head_hit[p.id] - head_hit[i]) <= 0.0005 + 1e-9, p.id
