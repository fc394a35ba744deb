"""DZ001 缺少必备部分：查摆问题、原因剖析、整改措施

检查什么 / What it checks:
  材料是否有“查摆问题”“原因剖析”“整改措施”三个部分（标题措辞可以不同：存在的问题、
  问题根源、整改方向……都能识别）。上年度整改落实情况只在本人提供了上年度措施时要求
  （见 DZ503，domain.md Q17），案例剖析见 DZ005。
为什么 / Why (domain.md Q1): 问题—原因—措施是对照检查材料的基本骨架，缺一部分就不是一份
  完整的材料，审核人会直接退回。
示例 / Example: 只有“存在的问题”和“下一步打算”，没有原因剖析。
应改为 / Instead write: 补上“二、产生问题的原因”，从理想信念、宗旨意识、党性修养、纪律规矩
  等主观方面剖析。
来源 / Source: domain.md §1（体例）、§2 rubric Q1。
"""

from __future__ import annotations

CODE = "DZ001"
NAME = "sections-missing"
CATEGORY = "structure_missing"
SEVERITY = "error"
RUBRIC = ("Q1",)

_CORE = {"problems": "查摆问题", "causes": "原因剖析", "measures": "整改措施"}
_HOW = {
    "problems": "按本年度要求的几个方面逐条写出本人的具体问题（哪件事、什么时间、什么影响）。",
    "causes": "从理想信念、宗旨意识、党性修养、纪律规矩等主观方面剖析问题产生的原因。",
    "measures": "针对每个问题写出整改措施：做什么、做多少、什么时候完成。",
}


def _anchor(doc) -> tuple[int, int]:
    """Where a missing-section finding points: the title, or the first line."""
    if doc.title_span:
        return doc.title_span
    text = doc.norm.text
    start = len(text) - len(text.lstrip())
    end = text.find("\n", start)
    return start, (end if end > start else len(text))


def check(ctx, rule):
    doc = ctx.doc
    present = {s.kind for s in doc.sections}
    start, end = _anchor(doc)
    for kind, title in _CORE.items():
        if kind not in present:
            yield ctx.finding(rule, start, end, f"缺少“{title}”部分。", _HOW[kind])
