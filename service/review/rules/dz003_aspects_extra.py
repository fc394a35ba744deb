"""DZ003 出现本年度结构之外的方面

检查什么 / What it checks:
  查摆问题部分的方面标题中，有与本年度结构的任何方面都对不上的（例如 2021 年的“四个对照”
  材料里出现“六个方面”的标题），说明可能套用了别的年份或别的会议的模板。
为什么 / Why (domain.md Q2): 方面必须与当年通知一致，既不能缺，也不能自创或沿用旧年份。
示例 / Example: 2021 年材料中出现“（五）在能力本领方面”。
应改为 / Instead write: 把这部分内容归入本年度要求的某个方面，或核对通知原文。
来源 / Source: domain.md §3、rubric Q2。为避免结构识别错误造成的误报：结构是自动识别的
  时候，只有在其他方面已经与结构对上、或识别把握很大（≥ 0.9，如标题写明年份和会议）时
  才报告。
"""

from __future__ import annotations

from service.review.rules.dz002_aspects_missing import CONFIDENT, matched_aspects

CODE = "DZ003"
NAME = "aspects-extra"
CATEGORY = "structure_extra"
SEVERITY = "warning"
RUBRIC = ("Q2",)

SURE = 0.9


def check(ctx, rule):
    st = ctx.structure
    if st is None or ctx.structure_confidence < CONFIDENT:
        return
    if any(not a.verified or a.is_placeholder for a in st.aspects):
        return  # unconfirmed aspects: an unmatched heading may be the real one
    mapping = matched_aspects(ctx)
    if not mapping and ctx.structure_confidence < SURE:
        return  # nothing matched: the structure guess itself may be wrong
    for asp in ctx.doc.aspects:
        if asp.number not in mapping:
            yield ctx.finding(
                rule, asp.start, asp.heading_end,
                f"“{asp.title[:30]}”不是{st.title}要求的方面。",
                "请核对会议通知：把这部分内容归入本年度要求的方面，或删除沿用自其他年份的标题。")
