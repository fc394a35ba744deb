"""DZ002 缺少本年度要求的方面（对照/带头/检视）

检查什么 / What it checks:
  查摆问题部分是否按本年度结构要求的各个方面分别查摆（如 2021 年的“四个对照”），
  有没有漏掉某个方面，或者根本没有分方面。方面标题允许常见的简写和措辞差异。
为什么 / Why (domain.md Q2): 每年的对照方面由上级通知规定，漏掉一个方面就是没有按要求
  对照检查；这是审核人最先看的地方。
示例 / Example: 2021 年的材料只写了“对照入党誓词”和“对照合格党员标准”两个方面。
应改为 / Instead write: 按通知列出的全部方面逐一对照，每个方面至少一条具体问题。
来源 / Source: domain.md §3（各年度方面）、rubric Q2；结构配置 prompts/structures/*.yaml。
  把握不足（confidence L、verified: false）的方面不作要求，只提示核实。
"""

from __future__ import annotations

from service.structures import MATCH_THRESHOLD, match_aspect

CODE = "DZ002"
NAME = "aspects-missing"
CATEGORY = "structure_missing"
SEVERITY = "error"
RUBRIC = ("Q2",)

# below this structure-detection confidence, a missing aspect is a warning only
CONFIDENT = 0.6


def matched_aspects(ctx) -> dict[int, int]:
    """doc aspect number → structure aspect number (cached per review)."""
    if "aspect_map" not in ctx.cache:
        found: dict[int, int] = {}
        if ctx.structure is not None:
            for asp in ctx.doc.aspects:
                number, score = match_aspect(ctx.structure, asp.title)
                if number is not None and score >= MATCH_THRESHOLD:
                    found[asp.number] = number
        ctx.cache["aspect_map"] = found
    return ctx.cache["aspect_map"]


def check(ctx, rule):
    st = ctx.structure
    problems = ctx.doc.section("problems")
    if st is None or problems is None or not st.aspects:
        return
    required = [a for a in st.aspects if a.verified and not a.is_placeholder]
    if not required:
        return
    severity = None if ctx.structure_confidence >= CONFIDENT else "warning"
    hedge = "" if severity is None else f"（结构是自动识别的：{st.id}，如不符请用 --structure 指定）"
    start, end = problems.heading_start, problems.heading_end
    if not ctx.doc.aspects:
        titles = "；".join(f"{a.number}.{a.title}" for a in required)
        yield ctx.finding(
            rule, start, end,
            f"查摆问题没有按{st.title}要求的方面分别列出{hedge}。",
            f"请按以下方面分别查摆：{titles}。", severity=severity)
        return
    covered = set(matched_aspects(ctx).values())
    for a in required:
        if a.number not in covered:
            yield ctx.finding(
                rule, start, end,
                f"缺少第 {a.number} 个方面“{a.title}”{hedge}。",
                f"请补写“{a.title}”方面，至少一条本人的具体问题。", severity=severity)
