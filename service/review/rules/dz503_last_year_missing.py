"""DZ503 没有报告上年度整改落实情况

检查什么 / What it checks（只在提供了角色笔记、且笔记 last_year（上年度整改）有内容时运行）:
  1. 材料要报告上年度整改落实情况：有“上年度整改落实情况”一节（标题见
     lexicons/sections.yaml 的 followup），或者有一段话在“上年度/去年/上次组织生活会”
     之后 30 字内说到“整改/措施/落实情况”（lexicons/grounding.yaml answer.last_year_*）。
     都没有时报一条，标在“查摆问题”标题上。
  2. 有报告时，笔记里的每一项上年度措施都应在报告中交代：与 DZ502 相同的做法（报告的
     同一句或相邻两句覆盖该措施的实词和字二元组，平均覆盖率 ≥ 0.45）；没有交代的措施合并成一条提示（逐项列出
     措施和笔记记的完成情况），标在报告的标题（或那段话的关键词）上。
为什么 / Why (domain.md rubric Q17): 对照检查要先说清上年度查摆的问题改得怎么样；
  有整改任务却不报告，或者只挑做到的说，审核时会被认为整改不实、老调重弹。
示例 / Example: 笔记上年度整改有“每月撰写1篇学习体会（部分完成，只坚持了5个月）”，
  材料通篇没有提上年度整改。
应改为 / Instead write: 增加“上年度整改落实情况”：“上年度提出每月撰写1篇学习体会，
  只坚持了5个月，后来以工作忙为由中断……”（情况以本人笔记为准）。
来源 / Source: domain.md §1 第5点、§2（上年度整改情况）；评分表 Q17。
"""

from __future__ import annotations

from service.review.excerpt import excerpt

import re
from functools import lru_cache

from service.review.lexicon import load
from service.review.rules.dz502_feedback_unaddressed import anchor, is_answered
from service.text.normalize import normalize_phrase

CODE = "DZ503"
NAME = "last-year-missing"
CATEGORY = "last_year_missing"
SEVERITY = "warning"
RUBRIC = ("Q17",)
NEEDS_NOTES = True

_WITHIN = 30   # characters between the period word and the rectification word


@lru_cache(maxsize=1)
def _report_pattern() -> re.Pattern[str]:
    data = load("grounding")["answer"]
    periods = "|".join(re.escape(normalize_phrase(p)) for p in data["last_year_periods"])
    verbs = "|".join(re.escape(normalize_phrase(v)) for v in data["last_year_verbs"])
    return re.compile(rf"(?:{periods})[^\n]{{0,{_WITHIN}}}?(?:{verbs})")


def report_regions(doc) -> list[tuple[int, int, int, int]]:
    """(start, end, anchor_start, anchor_end) of every place that reports last year's
    rectification: follow-up sections, then paragraphs elsewhere that mention it."""
    out = []
    for sec in doc.sections:
        if sec.kind == "followup":
            out.append((sec.heading_end, sec.end, sec.heading_start, sec.heading_end))
    text = doc.norm.text
    inside = [(a, e) for _, e, a, _ in out]
    pos = 0
    for line in text.split("\n"):
        s, e = pos, pos + len(line)
        pos = e + 1
        if any(a <= s < b for a, b in inside):
            continue
        m = _report_pattern().search(text, s, e)
        if m:
            out.append((s, e, m.start(), m.end()))
    return out




def check(ctx, rule):
    notes = ctx.notes
    if notes is None or not notes.last_year:
        return
    doc = ctx.doc
    regions = report_regions(doc)
    if not regions:
        start, end = anchor(doc)
        n = len(notes.last_year)
        listed = "、".join(f"“{excerpt(it.measure, 16, trim=False)}”" for it in notes.last_year[:3])
        more = "等" if n > 3 else ""
        message = (f"角色笔记列出了{n}项上年度整改措施（{listed}{more}），但材料没有报告"
                   "上年度整改落实情况。")
        suggestion = ("请增加“上年度整改落实情况”一节（或在开头用一段话），逐项说明上年度"
                      "的整改措施落实得怎样：做了什么、做到什么程度；没有完成的，写明原因"
                      "和今年的打算。")
        yield ctx.finding(rule, start, end, message, suggestion)
        return
    spans = [(s, e) for s, e, _, _ in regions]
    missing = [it for it in notes.last_year
               if not is_answered(ctx, normalize_phrase(it.measure), spans)]
    if not missing:
        return
    # one finding listing every unreported measure (all point at the report's heading;
    # the engine keeps one finding per (rule, span))
    a_start, a_end = regions[0][2], regions[0][3]
    listed = "；".join(f"“{excerpt(it.measure, trim=False)}”（笔记记为：{it.status_label}）" for it in missing)
    if len(missing) == 1:
        message = f"上年度整改措施{listed}在上年度整改情况中没有交代。"
    else:
        message = f"{len(missing)}项上年度整改措施在上年度整改情况中没有交代：{listed}。"
    suggestion = ("请逐项写明落实情况：做了什么、做到什么程度；没有完成或只完成一部分的，"
                  "实事求是写明原因和今年怎么改，不要只挑做到的说。")
    yield ctx.finding(rule, a_start, a_end, message, suggestion, unreported=len(missing))
