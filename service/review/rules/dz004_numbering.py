"""DZ004 编号错乱：序号重复、跳号、倒序，或某个方面下没有问题

检查什么 / What it checks:
  每一组同级编号（一、二、三 / （一）（二） / 一是、二是 / 1. 2.）是否从 1 开始、依次递增，
  没有重复、跳号或倒序；查摆问题部分的每个方面下至少有一条问题。
为什么 / Why (domain.md Q3): 编号错乱是照搬拼接模板最常见的痕迹，审核人一眼就能看出；
  空着的方面说明对照不到位。
示例 / Example:
  “一是……二是……二是……”、“一是……三是……”、“（四）“对照革命先辈和先进典型”方面。”之后没有内容。
应改为 / Instead write:
  按顺序编号：“一是……二是……三是……”；每个方面至少写出一条具体问题。
来源 / Source: domain.md §2 rubric Q3。
"""

from __future__ import annotations

CODE = "DZ004"
NAME = "numbering"
CATEGORY = "numbering"
SEVERITY = "warning"
RUBRIC = ("Q3",)


def _siblings(nodes):
    """Yield each list of same-parent nodes (the tree's sibling groups)."""
    if nodes:
        yield nodes
    for n in nodes:
        yield from _siblings(n.children)


def check(ctx, rule):
    for section in ctx.doc.sections:
        for group in _siblings(section.nodes):
            expected = 1
            for node in group:
                if node.value == expected:
                    expected += 1
                    continue
                if node.value < expected:
                    problem = "重复" if node.value == expected - 1 else "倒序"
                else:
                    problem = "跳号"
                yield ctx.finding(
                    rule, node.start, node.body_start,
                    f"编号“{node.label}”{problem}：此处应为第 {expected} 个。",
                    "请按顺序重新编号；如果是从别处拼接来的段落，请核对内容是否完整、是否属于本人。",
                )
                expected = node.value + 1
        if section.kind == "problems":
            for aspect in section.aspects:
                if not aspect.items:
                    yield ctx.finding(
                        rule, aspect.start, aspect.heading_end,
                        f"“{aspect.title[:30]}”下没有查摆出具体问题。",
                        "请对照这一方面，写出至少一条本人的具体问题：哪件事、什么时间、造成了什么影响。",
                    )
