"""DZ005 缺少典型案例剖析

检查什么 / What it checks:
  本年度结构要求“反面典型案例剖析”（如 2023 年主题教育专题民主生活会、2024 年党纪学习
  教育民主生活会）时，材料中是否有案例剖析部分。
为什么 / Why (domain.md Q19): 以案为鉴、以案促改是这些会议的规定动作，缺少即不符合通知要求。
示例 / Example: 2024 年度民主生活会材料只有查摆、原因和措施。
应改为 / Instead write: 增加“案例剖析”部分：结合通报的典型案例，对照查找自己在同类问题上的
  风险和差距（案例与反思均须来自本人掌握的材料，不要编造）。
来源 / Source: domain.md §3、rubric Q19；结构配置中 sections 的 kind: case。
"""

from __future__ import annotations

CODE = "DZ005"
NAME = "case-analysis-missing"
CATEGORY = "case_analysis_missing"
SEVERITY = "warning"
RUBRIC = ("Q19",)


def check(ctx, rule):
    st = ctx.structure
    if st is None:
        return
    specs = [s for s in st.sections_of("case") if s.required]
    if not specs or ctx.doc.section("case") is not None:
        return
    problems = ctx.doc.section("problems")
    start, end = ((problems.heading_start, problems.heading_end) if problems
                  else ctx.doc.title_span or (0, 0))
    yield ctx.finding(
        rule, start, end, f"{st.title}要求“{specs[0].title}”，材料中没有这一部分。",
        "请增加案例剖析：写明剖析的是哪个通报案例，对照自己在同类问题上有哪些苗头和差距。"
        "案例内容请以组织下发的通报为准，不要编造。")
