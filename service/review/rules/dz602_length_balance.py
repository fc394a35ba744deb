"""DZ602 篇幅失衡：查摆和剖析分量不足

检查什么 / What it checks:
  1. “查摆问题 + 原因剖析（+ 案例剖析）”部分的字数占全文（不计标题、落款和空白）的比例
     低于阈值（默认 0.5，见 lexicons/length_balance.yaml）时提示，标在查摆问题部分的标题上；
  2. 开头（前言）比查摆问题部分还长时提示“像工作汇报”，标在前言上。
  全文太短（默认不足 400 字）或没有查摆问题部分时不计算（缺部分由结构规则报告）。
为什么 / Why (domain.md rubric Q25，并见 Q10): 对照检查材料的分量应在查摆问题和剖析原因上；
  前言大段讲学习了什么、做了哪些工作，措施写得比问题还长，读起来就成了工作汇报。
示例 / Example: 前言用 600 字介绍学习情况和工作成绩，查摆问题只有 300 字。
应改为 / Instead write: 前言压缩到两三句（学了什么、怎样征求意见、收到几条），把篇幅
  留给具体问题：每个问题写清什么事、什么时候、造成了什么影响、当时怎么想的。
来源 / Source: domain.md §2“Not a 工作汇报”；评分表 Q25（阈值可配置）、Q10。
"""

from __future__ import annotations

from service.review.lexicon import load

CODE = "DZ602"
NAME = "length-balance"
CATEGORY = "length_balance"
SEVERITY = "info"
RUBRIC = ("Q25", "Q10")


def _chars(text: str, start: int, end: int) -> int:
    """Characters that are not whitespace in ``text[start:end]``."""
    chunk = text[start:end]
    return len(chunk) - sum(chunk.count(c) for c in " \t\n\u3000")


def check(ctx, rule):
    doc = ctx.doc
    text = ctx.text
    cfg = load("length_balance")
    problems = doc.section("problems")
    if problems is None:
        return
    total = _chars(text, 0, len(text))
    for span in (doc.title_span, doc.signature_span):
        if span:
            total -= _chars(text, *span)
    if total < cfg["min_total_chars"]:
        return
    kinds = set(cfg["weight_sections"])
    weight = sum(_chars(text, s.start, s.end) for s in doc.sections if s.kind in kinds)
    share = weight / total
    if share < cfg["min_share"]:
        yield ctx.finding(
            rule, problems.heading_start, problems.heading_end,
            # floor, so that 49.9 % never reads "50 %, below 50 %"
            f"查摆问题和原因剖析只占全文的{int(share * 100)}%（{weight}/{total}字），"
            f"低于{cfg['min_share']:.0%}，材料的分量没有放在查摆和剖析上。",
            "请压缩前言、工作情况和措施中的一般性表述，把篇幅用在问题的具体事例"
            "（什么事、什么时候、什么影响）和背后的思想原因上。",
        )
    p_chars = _chars(text, problems.start, problems.end)
    if doc.preamble_span:
        pre = _chars(text, *doc.preamble_span)
        if pre >= cfg["min_preamble_chars"] and pre > cfg["max_preamble_ratio"] * p_chars:
            ps, pe = doc.preamble_span
            yield ctx.finding(
                rule, ps, pe,
                f"开头部分有{pre}字，比查摆问题部分（{p_chars}字）还长，读起来像工作汇报。",
                "开头写两三句即可：学了什么、怎样征求意见、收到几条意见。"
                "学习和工作成绩不必展开。",
            )
