"""Notes-based rules: DZ501 ungrounded_fact, DZ502 feedback_unaddressed,
DZ503 last_year_missing."""

from __future__ import annotations

import pytest

from evals.harness import clean_document, embed
from service.document import parse
from service.notes import load_notes
from service.review.context import ReviewContext
from service.review.engine import review
from service.review.rules.dz501_ungrounded_fact import cn_number, extract
from service.review.rules.dz502_feedback_unaddressed import answer_score, strip_source
from service.review.rules.dz503_last_year_missing import report_regions

NOTES = {"role": "征管科科员", "facts": ["窗口服务让纳税人跑了三趟"]}

# every fact of evals/harness_doc.txt outside the measures section
HARNESS_FACTS = [
    "学习了指定的4本学习材料，与支部5名党员逐一谈心谈话，收到意见建议6条",
    "支部安排12次集中学习，我外出核查缺席了3次，7月支部交流学习体会时发言只有两三句",
    "第二季度党小组会原定3次，实际只开了1次，另外2次推迟后没有补开",
    "9月一位纳税人连续两次来窗口咨询退税进度，第三次来才由科长解决",
    "10月科里清理长期欠税，我没有报名，由两名年轻同志承担",
]


def _own(result, code):
    return [f for f in result.findings if f.rule == code]


def _notes(**extra):
    return load_notes({**NOTES, **extra})


# ---- DZ501: number normalization -------------------------------------------------

@pytest.mark.parametrize("text,value", [
    ("三", 3), ("十", 10), ("十二", 12), ("三十二", 32), ("一百零五", 105), ("三千", 3000),
    ("五万", 50000), ("二〇二一", 2021), ("两", 2),
])
def test_cn_number(text, value):
    assert cn_number(text) == value


@pytest.mark.parametrize("text", ["两三", "三五", "七八", "万一", ""])
def test_cn_number_rejects_approximations(text):
    assert cn_number(text) is None


def _keys(text):
    return [k for f in extract(text) for k in f.keys]


@pytest.mark.parametrize("a,b", [
    ("3月", "三月"), ("32户", "三十二户"), ("5万元", "50000元"), ("30%", "百分之三十"),
    ("第2季度", "第二季度"), ("12次", "十二次"),
])
def test_equivalent_writings_have_the_same_key(a, b):
    assert _keys(a) == _keys(b) and _keys(a)


def test_date_keeps_its_components():
    (fact,) = extract("2021年3月15日")
    assert fact.kind == "date"
    assert fact.keys == (("year", 2021), ("month", 3), ("day", 15))


@pytest.mark.parametrize("text", ["一些", "三会一课", "十分", "5G网络", "十几次", "数十次",
                                  "两三句", "一次"])
def test_not_facts(text):
    assert extract(text) == []


# ---- DZ501 in documents ----------------------------------------------------------

def test_dz501_needs_notes():
    assert _own(review(clean_document()), "DZ501") == []


def test_clean_document_with_complete_notes_has_no_ungrounded_fact():
    notes = _notes(facts=HARNESS_FACTS)
    assert _own(review(clean_document(), notes=notes), "DZ501") == []


def test_clean_document_with_thin_notes_flags_its_facts_but_not_its_measures():
    doc = clean_document()
    result = review(doc, notes=_notes(facts=["缺席3次集中学习"]))
    quotes = {doc[f.start:f.end] for f in _own(result, "DZ501")}
    assert {"12次", "7月", "第二季度", "两名", "4本"} <= quotes
    assert "3次" not in quotes                       # grounded by the notes
    measures = parse(doc).section("measures")
    m_start, m_end = doc.index("三、整改措施"), len(doc)
    assert measures is not None
    assert not [f for f in _own(result, "DZ501") if f.start >= m_start and f.end <= m_end]


def test_message_quotes_the_fact_and_suggests_a_placeholder():
    doc, _ = embed("problem", "二是全年集中学习12次，我只写了5篇笔记。")
    result = review(doc, notes=_notes(facts=HARNESS_FACTS))
    (f,) = _own(result, "DZ501")
    assert doc[f.start:f.end] == "5篇"
    assert "“5篇”" in f.message and "角色笔记" in f.message
    assert "【待补：" in f.suggestion
    assert f.severity == "error" and f.category == "ungrounded_fact" and f.item == "p2"


def test_span_indexes_the_original_text():
    doc, _ = embed("problem", "二是全年写了１５篇笔记。")       # full-width digits
    result = review(doc, notes=_notes(facts=HARNESS_FACTS))
    (f,) = _own(result, "DZ501")
    assert doc[f.start:f.end] == "１５篇"


def test_years_around_the_meeting_year_are_not_facts_but_others_are():
    doc, _ = embed("problem", "二是2021年以来学习放松，2022年初仍未改正，2018年起就没有写过笔记。")
    notes = _notes(facts=HARNESS_FACTS, structure="org-life-2021")
    quotes = [doc[f.start:f.end] for f in _own(review(doc, notes=notes), "DZ501")]
    assert quotes == ["2018年"]


@pytest.mark.parametrize("text", [
    "二是对党的第二十次全国代表大会精神学得不深，十九届六中全会精神只读了公报。",
    "二是建党100周年之际，我对百年奋斗历程的学习停留在看展览，落实“三会一课”不严。",
    "二是紧扣4个方面查找问题不够，“两个确立”的决定性意义领会不深。",
    "二是学习三番五次拖延，三天打鱼两天晒网。",
])
def test_fixed_expressions_are_not_facts(text):
    doc, (s, e) = embed("problem", text)
    own = [f for f in _own(review(doc, notes=_notes(facts=HARNESS_FACTS)), "DZ501")
           if f.start < e and f.end > s]
    assert own == [], [doc[f.start:f.end] for f in own]


def test_titles_and_events_need_the_notes():
    text = "二是《税收征管操作规范》只翻了目录，“清风护航”专项行动也只参加了动员会。"
    doc, _ = embed("problem", text)
    quotes = [doc[f.start:f.end] for f in _own(review(doc, notes=_notes(facts=HARNESS_FACTS)), "DZ501")]
    assert quotes == ["《税收征管操作规范》", "“清风护航”专项行动"]
    grounded = _notes(facts=HARNESS_FACTS + ["税收征管操作规范只翻了目录；清风护航专项行动只参加动员会"])
    assert _own(review(doc, notes=grounded), "DZ501") == []


def test_followup_section_is_checked():
    text = ("一、上年度整改措施落实情况\n上年度提出每月写1篇体会，只坚持了7个月。\n"
            "二、查摆问题\n（一）“对照入党誓词”方面\n一是窗口服务有一次让纳税人跑了三趟。\n"
            "三、原因剖析\n（一）宗旨意识淡化。\n四、整改措施\n（一）每月回访2户纳税人。\n")
    notes = _notes(last_year=[{"measure": "每月写1篇体会", "status": "partial", "note": "坚持了5个月"}])
    quotes = [text[f.start:f.end] for f in _own(review(text, notes=notes), "DZ501")]
    assert quotes == ["7个月"]


# ---- DZ502 -----------------------------------------------------------------------

@pytest.mark.parametrize("opinion,stripped", [
    ("同事反映：党小组会有3次取消后没有补开", "党小组会有3次取消后没有补开"),
    ("群众反映窗口办事排队时间长", "窗口办事排队时间长"),
    ("同事：无", ""),
    ("没有意见", ""),
])
def test_strip_source(opinion, stripped):
    assert strip_source(opinion) == stripped


def test_answer_score_separates_answered_from_unanswered():
    doc = parse(clean_document())
    ctx = ReviewContext(doc=doc)
    problems = doc.section("problems")
    regions = [(problems.heading_end, problems.end)]
    assert answer_score(ctx, "党小组会有3次取消后没有补开", regions) >= 0.5
    assert answer_score(ctx, "上班时间经常看手机、刷短视频", regions) < 0.3
    assert answer_score(ctx, "对新同事说话态度生硬", regions) < 0.5


def test_dz502_lists_every_unanswered_opinion_on_the_problems_heading():
    doc = clean_document()
    notes = _notes(feedback=["同事反映：党小组会有3次取消后没有补开",
                             "同事反映：上班时间经常看手机、刷短视频",
                             "群众提出：窗口排队时间长"])
    (f,) = _own(review(doc, notes=notes), "DZ502")
    assert doc[f.start:f.end] == "一、对照检查出的问题"
    assert "2条意见" in f.message
    assert "上班时间经常看手机" in f.message and "窗口排队时间长" in f.message
    assert "党小组会" not in f.message                   # answered in the text
    assert "应谈不谈" in f.message and f.severity == "warning"


def test_dz502_single_opinion_message():
    notes = _notes(feedback=["同事反映：上班时间经常看手机、刷短视频"])
    (f,) = _own(review(clean_document(), notes=notes), "DZ502")
    assert f.message.startswith("征求到的意见“同事反映：上班时间经常看手机")


def test_dz502_no_feedback_no_finding():
    assert _own(review(clean_document(), notes=_notes()), "DZ502") == []


# ---- DZ503 -----------------------------------------------------------------------

_WITH_FOLLOWUP = ("一、上年度组织生活会整改措施落实情况\n"
                  "上年度我提出每月撰写1篇学习体会，只坚持了5个月。\n"
                  "二、查摆问题\n（一）“对照入党誓词”方面\n一是窗口服务有一次让纳税人跑了三趟。\n"
                  "三、原因剖析\n（一）宗旨意识淡化。\n四、整改措施\n（一）每月回访2户纳税人。\n")


def test_report_regions_finds_section_and_paragraph():
    assert len(report_regions(parse(_WITH_FOLLOWUP))) == 1
    para = "对照去年组织生活会的整改措施，我每月撰写学习体会只坚持了5个月。\n" + _WITH_FOLLOWUP.split("\n", 2)[2]
    regions = report_regions(parse(para))
    assert len(regions) == 1 and regions[0][0] == 0
    assert report_regions(parse(clean_document())) == []


def test_dz503_missing_report_is_one_finding():
    notes = _notes(last_year=[{"measure": "每月撰写1篇学习体会", "status": "partial"},
                              {"measure": "每季度走访2户企业", "status": "not_done"}])
    doc = clean_document()
    (f,) = _own(review(doc, notes=notes), "DZ503")
    assert doc[f.start:f.end] == "一、对照检查出的问题"
    assert "2项" in f.message and "每月撰写1篇学习体会" in f.message


def test_dz503_unmentioned_measure_named_with_its_status():
    notes = _notes(last_year=[{"measure": "每月撰写1篇学习体会", "status": "partial"},
                              {"measure": "每季度走访2户企业了解政策需求", "status": "not_done"}])
    (f,) = _own(review(_WITH_FOLLOWUP, notes=notes), "DZ503")
    assert "每季度走访2户企业" in f.message and "未完成" in f.message
    assert "每月撰写1篇学习体会" not in f.message           # reported in the section
    assert _WITH_FOLLOWUP[f.start:f.end] == "一、上年度组织生活会整改措施落实情况"


def test_dz503_without_last_year_items_is_silent():
    assert _own(review(clean_document(), notes=_notes()), "DZ503") == []


def test_counts_compare_unit_families():
    doc, _ = embed("problem", "二是3回集中学习没参加，只写了5篇笔记。")
    notes = _notes(facts=["缺席3次集中学习", "谈心谈话5名党员"])
    quotes = [doc[f.start:f.end] for f in _own(review(doc, notes=notes), "DZ501")
              if f.item == "p2"]
    assert quotes == ["5篇"]                    # 3回 ~ 3次 (same family); 5篇 ≠ 5名


def test_rankings_are_facts():
    doc, _ = embed("problem", "二是服务意识差，患者满意度在全院倒数第三。")
    quotes = [doc[f.start:f.end] for f in _own(review(doc, notes=_notes(facts=HARNESS_FACTS)), "DZ501")]
    assert quotes == ["倒数第三"]


def test_frequencies_plans_and_relative_days_are_not_facts():
    text = ("一、上年度整改措施落实情况\n上年度承诺每月写1篇体会，只坚持了5个月。"
            "今年起改为每周二晚上固定学习1小时，笔记交党小组检查。\n"
            "二、查摆问题\n（一）“对照入党誓词”方面\n一是支部规定每月1次党小组会，我缺席了3次，"
            "第二天也没有补学。\n三、原因剖析\n（一）宗旨意识淡化。\n四、整改措施\n（一）每月回访2户纳税人。\n")
    notes = _notes(facts=["党小组会缺席3次"],
                   last_year=[{"measure": "每月写1篇体会", "status": "partial", "note": "坚持了5个月"}])
    assert _own(review(text, notes=notes), "DZ501") == []


def test_container_units_do_not_borrow_other_counts():
    doc, _ = embed("problem", "二是夜班省略了双人核对，给患者输错了1袋生理盐水。")
    notes = _notes(facts=HARNESS_FACTS + ["夏天有一次夜班省略了用药双人核对"])
    quotes = [doc[f.start:f.end] for f in _own(review(doc, notes=notes), "DZ501")]
    assert quotes == ["1袋"]


def test_shared_identifier_answers_an_opinion():
    doc, _ = embed("problem", "二是对12345热线工单敷衍，5件工单电话回访后直接办结，没有到现场核实。")
    notes = _notes(facts=HARNESS_FACTS + ["5件12345工单电话回访后直接办结"],
                   feedback=["居民反映：打12345反映的事，社区说办好了，其实一直没人来看过"])
    assert _own(review(doc, notes=notes), "DZ502") == []
    notes = _notes(facts=HARNESS_FACTS,
                   feedback=["居民反映：打12345反映的事，社区说办好了，其实一直没人来看过"])
    assert len(_own(review(clean_document(), notes=notes), "DZ502")) == 1
