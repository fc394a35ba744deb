"""Problem-quality rules DZ101–DZ105: severities, spans, messages, seed and clean doc."""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest

from evals.harness import clean_document, embed
from service.review.engine import review

SEED = Path(__file__).resolve().parents[1] / "fixtures" / "seed_2021.txt"
MINE = ("DZ101", "DZ102", "DZ103", "DZ104", "DZ105")


def _findings(text: str, code: str, kind: str = "problem"):
    doc, (start, end) = embed(kind, text)
    result = review(doc)
    own = [f for f in result.findings if f.rule == code and f.start < end and f.end > start]
    return doc, own


def test_clean_document_has_no_problem_quality_finding():
    result = review(clean_document())
    assert [f for f in result.findings if f.rule in MINE] == []


def test_seed_items_are_flagged_as_formulaic():
    text = SEED.read_text(encoding="utf-8")
    result = review(text)
    flagged = {f.item for f in result.findings if f.rule == "DZ101"}
    problems = [it.id for it in result.doc.problems]
    assert len(problems) == 9
    assert flagged == set(problems)
    errors = [f for f in result.findings if f.rule == "DZ101" and f.severity == "error"]
    assert len(errors) >= 3
    assert result.scores["specificity"] < 0.2


# ---- DZ101 -------------------------------------------------------------------------

def test_dz101_error_quotes_stock_phrases_and_asks_questions():
    doc, own = _findings("二是宗旨意识有待提高。服务群众的意识还不够强，作风不到位。", "DZ101")
    assert len(own) == 1
    f = own[0]
    assert f.severity == "error"
    assert "“有待提高”" in f.message
    for q in ("具体是哪件事？", "什么时间？", "造成了什么影响？", "当时是怎么想的？"):
        assert q in f.suggestion
    # the span is the whole item, in original offsets
    assert doc[f.start:f.end].startswith("二是宗旨意识有待提高")


def test_dz101_suggestion_never_invents_facts():
    _doc, own = _findings("二是理论学习不够深入。", "DZ101")
    assert own and not re.search(r"\d|[一二三四五六七八九十]月", own[0].suggestion)


def test_dz101_act_plus_place_is_an_event():
    _doc, own = _findings("二是对组织生活不够上心。党小组会上我常低头看手机，轮到发言时临时凑几句应付。",
                          "DZ101")
    assert own == []


def test_dz101_pending_fact_is_left_to_the_placeholder_rule():
    _doc, own = _findings("二是参加集中学习不够经常，全年缺席【待补：次数】次。", "DZ101")
    assert own == []


def test_dz101_warning_when_only_partial_signals_under_a_stock_headline():
    _doc, own = _findings("二是理论学习缺乏钻研精神。参加集中学习时满足于听一听、记一记。", "DZ101")
    assert [f.severity for f in own] == ["warning"]
    assert "场合/对象" in own[0].message


def test_dz101_asks_only_for_missing_dimensions():
    _doc, own = _findings("二是学习不够扎实。总觉得学习是软任务，业务过硬就行。", "DZ101")
    assert own and own[0].severity == "warning"
    assert "当时是怎么想的" not in own[0].suggestion   # thinking was given
    assert "什么时间？" in own[0].suggestion


def test_dz101_no_stock_and_no_signal_is_an_error_quoting_the_headline():
    _doc, own = _findings("二是对待工作时好时坏，劲头时高时低。", "DZ101")
    assert [f.severity for f in own] == ["error"]
    assert "对待工作时好时坏" in own[0].message


def test_dz101_message_quotes_original_punctuation():
    _doc, own = _findings("二是作为党员干部，有时满足于完成任务，标准不高。", "DZ101")
    assert own
    assert "," not in own[0].message     # full-width text as written, not the normalized form


def test_dz101_defers_to_the_more_specific_rules():
    doc, (start, end) = embed("problem", "二是工作太投入，经常加班加点，顾不上家庭。")
    result = review(doc)
    own = {f.rule for f in result.findings if f.start < end and f.end > start}
    assert "DZ102" in own and "DZ101" not in own


# ---- DZ102 -------------------------------------------------------------------------

def test_dz102_over_dedication_is_an_error_on_the_sentence():
    doc, own = _findings("二是工作太投入。经常加班加点，顾不上家庭。我9月缺席了2次党小组会。", "DZ102")
    assert len(own) == 1 and own[0].severity == "error"
    span = doc[own[0].start:own[0].end]
    assert "太投入" in span and "顾不上家庭" in span
    assert "缺席" not in span
    assert "“工作太投入”" in own[0].message and "“顾不上家庭”" in own[0].message


def test_dz102_harm_in_the_next_sentence_excuses():
    _doc, own = _findings("二是性子急。9月在窗口对一位老人说话生硬，对方投诉。", "DZ102")
    assert own == []


def test_dz102_a_narrated_incident_excuses_virtue_as_vice_but_not_over_dedication():
    text = "二是心直口快。11月在村民代表会上我当面反驳一位老党员，他当场离席。"
    assert _findings(text, "DZ102")[1] == []
    text = "二是工作太投入。今年我连续加班30天，顾不上家庭。"
    assert _findings(text, "DZ102")[1]


def test_dz102_self_harm_does_not_excuse():
    _doc, own = _findings("二是不能劳逸结合，导致身体透支，影响了工作。", "DZ102")
    assert own and own[0].severity == "error"


def test_dz102_trivial_is_a_warning_and_passes_with_facts():
    _doc, own = _findings("二是性格内向，不善言辞。", "DZ102")
    assert [f.severity for f in own] == ["warning"]
    _doc, own = _findings("二是性格内向，不善言辞。6月走访3户企业时我没有主动问企业的困难。", "DZ102")
    assert own == []


def test_dz102_sandwich_is_a_warning():
    text = ("二是工作标准有待提升。一年来我始终积极主动完成各项工作，得到了领导的认可。"
            "但在细节上有时考虑不周。总的来说工作还是较好地完成了任务。")
    _doc, own = _findings(text, "DZ102")
    assert [f.severity for f in own] == ["warning"]
    assert "表扬夹心" in own[0].message


# ---- DZ103 -------------------------------------------------------------------------

def test_dz103_span_starts_at_the_suggestion():
    doc, own = _findings("二是业务培训机会少。我今年没有参加培训，建议上级多组织业务培训。", "DZ103")
    assert len(own) == 1 and own[0].severity == "warning"
    assert doc[own[0].start:own[0].end].startswith("建议上级")
    assert "“建议上级多组织业务培训”" in own[0].message


@pytest.mark.parametrize("text", [
    "二是参与不主动。支部征求意见时我没有向组织提出建议。",
    "二是落实不够。去年组织建议我多下基层，今年我只去了2次。",
    "二是办事拖沓。一户企业希望尽快办结，我拖了两周。",
    "二是建议性意见提得少。今年支部征求意见时，我只提了1条。",
])
def test_dz103_passes(text):
    assert _findings(text, "DZ103")[1] == []


def test_dz103_ignores_measures():
    assert _findings("（五）2022年6月底前建议支部每季度开展1次业务交流。", "DZ103", "measure")[1] == []


# ---- DZ104 -------------------------------------------------------------------------

def test_dz104_flags_others_without_me():
    doc, own = _findings("二是纪律松弛。有的同志开会迟到早退，个别党员学习笔记照抄。", "DZ104")
    assert len(own) == 1 and own[0].severity == "warning"
    assert "“有的同志”" in own[0].message and "“个别党员”" in own[0].message


@pytest.mark.parametrize("text", [
    "二是不敢较真。对有的同志开会迟到的问题我没有提醒。",
    "二是好人主义。对个别同志的错误思想没有及时批评纠正。",
    "二是能力不足。总书记强调年轻干部要提高七种能力，自己在应急处突方面差距明显。",
    "二是作风不实。部分党员对政策不熟，本人作为党小组长没有组织学习。",
])
def test_dz104_passes(text):
    assert _findings(text, "DZ104")[1] == []


# ---- DZ105 -------------------------------------------------------------------------

def test_dz105_problem_item_and_preamble():
    _doc, own = _findings("二是成效明显。全年圆满完成各项任务，办理业务3000余件，荣获先进个人，考核排名第一。",
                          "DZ105")
    assert len(own) == 1 and own[0].item is not None
    doc = clean_document().replace(
        "现将对照检查情况报告如下。",
        "一年来，我超额完成全年任务，收入增长15%，荣获省局先进工作者，考核排名第一。现将对照检查情况报告如下。")
    result = review(doc)
    pre = [f for f in result.findings if f.rule == "DZ105"]
    assert len(pre) == 1 and pre[0].item is None
    assert "开头部分" in pre[0].message


def test_dz105_negated_results_are_not_achievements():
    _doc, own = _findings("二是攻坚不力。10月的清欠任务没有完成，3户只清缴了1户，未取得进展。", "DZ105")
    assert own == []


# ---- speed -------------------------------------------------------------------------

def test_problem_quality_rules_are_fast():
    from service.document import parse
    from service.review.context import ReviewContext
    from service.review.registry import get_rule
    from service.review.specificity import item_score

    text = SEED.read_text(encoding="utf-8")
    text = text + "\n" + text[:1500]          # ~5,000 characters, every item flagged
    doc = parse(text)
    rules = [get_rule(c) for c in MINE]
    runs = 20
    t0 = time.perf_counter()
    for _ in range(runs):
        ctx = ReviewContext(doc=doc)
        for it in doc.problems:
            item_score(ctx, it)
        for r in rules:
            list(r.check(ctx, r))
    per_doc_ms = (time.perf_counter() - t0) / runs * 1000
    assert per_doc_ms < 25, per_doc_ms   # measured ≈ 3 ms incl. segmentation; generous bound
