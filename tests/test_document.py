"""The document parser: sections, aspects and items with exact spans."""

from __future__ import annotations

from pathlib import Path

import pytest

from service.document import cn_to_int, parse
from service.text.normalize import normalize

SEED = (Path(__file__).parent / "fixtures" / "seed_2021.txt").read_text(encoding="utf-8")


def _orig(doc, item):
    s, e = doc.norm.orig_span(item.start, item.end)
    return doc.norm.original[s:e]


def test_seed_sections_aspects_items():
    doc = parse(SEED)
    assert [s.kind for s in doc.sections] == ["problems", "causes", "measures"]
    assert doc.title.startswith("2021年党支部")
    assert len(doc.aspects) == 4
    assert [len(a.items) for a in doc.aspects] == [3, 2, 2, 2]
    assert [p.aspect for p in doc.problems] == [1, 1, 1, 2, 2, 3, 3, 4, 4]
    assert [c.headline for c in doc.causes][0] == "理论学习有所松懈,没有完全入脑入心"
    # measure group (一) has sub-items 一是/二是/三是 that inherit its heading
    ms = doc.measures
    assert [m.label for m in ms] == ["一是", "二是", "三是", "(二)", "(三)"]
    assert ms[0].group == "切实加强学习,提升能力素质"
    assert ms[3].group is None


def test_item_spans_index_the_original_text():
    doc = parse(SEED)
    for it in doc.items:
        original = _orig(doc, it)
        assert original.startswith(it.label.replace("(", "（").replace(")", "）")) or \
            original.startswith(it.label)
        assert normalize(original).text.strip().endswith(it.text[-5:])


def test_windows_newlines_bom_fullwidth_and_no_blank_lines():
    text = ("\ufeff个人对照检查材料\r\n一、存在的问题\r\n（一）“对照入党誓词”方面\r\n"
            "１．窗口服务有一次让纳税人跑了三趟。\r\n２．党小组会3次没有补开。\r\n"
            "二、原因分析\r\n（一）宗旨意识淡化。\r\n三、整改方向\r\n"
            "（一）针对窗口服务的问题，每月回访2户纳税人。\r\n")
    doc = parse(text)
    assert [s.kind for s in doc.sections] == ["problems", "causes", "measures"]
    assert [p.text for p in doc.problems] == ["窗口服务有一次让纳税人跑了三趟。", "党小组会3次没有补开。"]
    p2 = doc.problems[1]
    assert _orig(doc, p2) == "２．党小组会3次没有补开。"


def test_items_spanning_paragraphs_and_signature():
    text = ("一、查摆问题\n（一）“对照入党誓词”方面\n一是窗口服务不主动。\n"
            "9月一位纳税人跑了三趟。\n\n他在意见簿上写了“来回跑”。\n"
            "二是党小组会没有补开。\n二、原因剖析\n（一）宗旨意识淡化。\n"
            "三、整改措施\n（一）每月回访2户纳税人。\n\n张三\n2022年1月10日\n")
    doc = parse(text)
    p1 = doc.problems[0]
    assert "来回跑" in p1.text and "党小组会" not in p1.text
    assert doc.signature_span is not None
    assert "张三" not in doc.measures[-1].text


def test_heading_wording_variants():
    for problems, causes, measures in [
        ("对照检查出的问题", "产生问题的原因", "整改措施"),
        ("存在的问题", "原因剖析", "今后努力方向"),
        ("查摆问题", "问题根源", "整改方向和措施"),
    ]:
        text = (f"一、{problems}\n1.窗口服务让纳税人跑了三趟。\n二、{causes}\n1.宗旨意识淡化。\n"
                f"三、{measures}\n1.每月回访2户纳税人。\n")
        doc = parse(text)
        assert [s.kind for s in doc.sections] == ["problems", "causes", "measures"], problems


def test_unnumbered_headings_and_paragraph_items():
    text = ("查摆问题\n窗口服务让纳税人跑了三趟。\n党小组会3次没有补开。\n"
            "原因剖析\n宗旨意识淡化。\n整改措施\n每月回访2户纳税人。\n")
    doc = parse(text)
    assert [s.kind for s in doc.sections] == ["problems", "causes", "measures"]
    assert len(doc.problems) == 2


def test_followup_section_before_problems():
    text = ("一、上年度民主生活会整改措施落实情况\n1.每月撰写1篇学习体会，坚持了5个月。\n"
            "二、对照检查情况\n（一）带头严守政治纪律和政治规矩方面\n一是有一次会上随意发表议论。\n"
            "三、原因剖析\n（一）党性修养不够。\n四、整改措施\n（一）每月自查1次。\n")
    doc = parse(text)
    assert [s.kind for s in doc.sections] == ["followup", "problems", "causes", "measures"]
    assert doc.followups[0].text.startswith("每月撰写")


@pytest.mark.parametrize("s,n", [("一", 1), ("十", 10), ("十二", 12), ("二十", 20), ("二十三", 23)])
def test_cn_to_int(s, n):
    assert cn_to_int(s) == n


def test_inline_markers_need_a_sentence_end():
    # "一是" inside a clause (the seed's garbled "担当作为的一是有待提高") is not a marker
    doc = parse("一、查摆问题\n（一）“对照革命先辈和先进典型”方面。一是吃苦精神不足。二是担当作为的一是有待提高。\n"
                "二、原因剖析\n（一）宗旨意识淡化。\n三、整改措施\n（一）每月回访2户。\n")
    assert [p.label for p in doc.problems] == ["一是", "二是"]


def test_normalized_spans_map_back_exactly():
    text = "（一）\u200b窗口　服务，“来回跑”\r\n１２３"
    n = normalize(text)
    assert "\u200b" not in n.text and "\r" not in n.text
    i = n.text.index("窗口")
    s, e = n.orig_span(i, i + 2)
    assert text[s:e] == "窗口"
    j = n.text.index("123")
    s, e = n.orig_span(j, j + 3)
    assert text[s:e] == "１２３"


def test_arabic_markers_before_years_but_not_decimals():
    doc = parse("一、查摆问题\n1.学习缺席3次。\n二、原因剖析\n1.松懈。\n三、整改措施\n"
                "1、2022年起每月补学1次。\n2.2022年3月底前完成。\n3.5万元的项目我没跟进。\n")
    assert [m.label for m in doc.measures] == ["1、", "2."]
    assert doc.measures[1].text.endswith("3.5万元的项目我没跟进。")


def test_closing_sentence_is_not_a_measure():
    doc = parse("一、查摆问题\n一是学习缺席3次。\n二、原因剖析\n（一）松懈。\n三、整改措施\n"
                "（一）针对缺席的问题，每月补学1次。\n以上是我的对照检查，不妥之处，请同志们批评指正。\n"
                "张三\n2022年1月10日\n")
    assert [m.text for m in doc.measures] == ["针对缺席的问题,每月补学1次。"]  # normalized
    assert doc.text[slice(*doc.closing_span)].startswith("以上是我的对照检查")
    # a measure that merely starts with 以上 stays a measure
    doc = parse("一、查摆问题\n一是学习缺席3次。\n二、原因剖析\n（一）松懈。\n三、整改措施\n"
                "（一）以上问题中学习缺席最突出，2022年起每月补学1次。\n")
    assert len(doc.measures) == 1
