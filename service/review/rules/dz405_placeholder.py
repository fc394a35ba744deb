"""DZ405 模板残留（占位符、批注、填写说明）

检查什么 / What it checks:
  从模板复制后没有替换的占位内容（数据在 lexicons/placeholders.yaml）：XX、XXX、××、ＸＸ、
  X月X日、某某、□□、***、【……】批注、（此处填写……）（请结合实际补充）（略）、
  “请输入”“此处填写”、TODO。
  我们起草时留给本人补写的【待补：……】只作提示（info）：“还有待补充的内容”。
  刻意不报：单个“某”加单位或称谓（某区税务局、某同志——有意的匿名化），X光、X射线、
  XXL 等英文或术语里的 X，日期里的〇〇，Markdown 加粗的两个星号。
为什么 / Why (domain.md rubric Q30，并见 Q22): 留着占位符的材料一看就是套模板、没写完，
  审核时直接退回；【待补】说明还缺本人才知道的事实，不能由工具代写。
示例 / Example: “坚持把学习……和学习习近平总书记视察XX重要讲话重要指示精神结合起来”
  “积极参加……‘XX先锋’‘干部在线’学习”（种子文档）
应改为 / Instead write: 写出实际的地名、平台名、时间、人和事，例如“视察浙江重要讲话”。
来源 / Source: domain.md 评分表 Q30、§5 原则1（【待补：……】）；种子文档第5、7行。
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Callable

from service.review.lexicon import load
from service.review.rules._wording import (after_ok, before_ok, context_rx, excerpt,
                                           finditer_at_heads, item_at, literal_heads, orig,
                                           present)
from service.text.fastscan import fast_finditer
from service.text.normalize import normalize_phrase

CODE = "DZ405"
NAME = "placeholder"
CATEGORY = "placeholder"
SEVERITY = "error"
RUBRIC = ("Q30", "Q22")


@dataclass(frozen=True)
class _Pattern:
    name: str
    rx: re.Pattern[str]
    heads: tuple[str, ...]          # when every match starts with one of these (≥ 2 chars)
    scan: Callable                  # text → the matches of rx.finditer(text), fast
    message: str
    suggestion: str
    severity: str | None
    not_before: re.Pattern[str] | None
    not_after: re.Pattern[str] | None
    needs: tuple[str, ...]


@lru_cache(maxsize=1)
def _patterns() -> tuple[_Pattern, ...]:
    data = load("placeholders")
    def heads(pattern: str) -> tuple[str, ...]:
        # a 2-character start is rare enough to look for with str.find
        found = literal_heads(pattern)
        return found if found and min(map(len, found)) >= 2 else ()

    return tuple(_Pattern(
        name=e["name"], rx=(rx := re.compile(e["pattern"])), heads=heads(e["pattern"]),
        # re's own search skips quickly to a literal first character; a pattern that
        # starts otherwise (a look-behind, a repeat, an alternation of such) is tried
        # only where a match can start
        scan=rx.finditer if literal_heads(e["pattern"]) else fast_finditer(rx),
        message=e["message"],
        suggestion=e.get("suggestion", data["default_suggestion"]),
        severity=e.get("severity"),
        not_before=context_rx(e.get("not_before"), "before"),
        not_after=context_rx(e.get("not_after"), "after"),
        needs=tuple(normalize_phrase(n) for n in e.get("needs", ())),
    ) for e in data["patterns"])


@lru_cache(maxsize=1)
def _needs() -> tuple[str, ...]:
    return tuple(n for p in _patterns() for n in p.needs)


def check(ctx, rule):
    text = ctx.text
    here = present(ctx, _needs())
    taken: list[tuple[int, int]] = []
    found_all = []
    for p in _patterns():
        if p.needs and not any(n in here for n in p.needs):
            continue
        for m in (finditer_at_heads(p.rx, p.heads, text) if p.heads else p.scan(text)):
            s, e = m.span()
            if s == e or any(s < t_e and e > t_s for t_s, t_e in taken):
                continue
            if before_ok(p.not_before, text, s) or after_ok(p.not_after, text, e):
                continue
            taken.append((s, e))
            found_all.append((s, e, p))
    for s, e, p in sorted(found_all, key=lambda x: x[0]):
        found = excerpt(orig(ctx, s, e), 40)
        yield ctx.finding(rule, s, e, p.message.format(found=found), p.suggestion,
                          item=item_at(ctx, s), severity=p.severity)
