"""DZ402 领导人姓名或称谓写错

检查什么 / What it checks:
  领导人姓名和称谓（数据在 lexicons/names.yaml）：
  - 姓名与前面的词粘连而读错：本意“学习习近平总书记……”写成“学习近平总书记……”
    （“学习习近平总书记”是正确写法，不会报）；
  - 姓名被截短（“近平总书记”）、被空格或换行拆开（“习 近平”）、写错字（习进平、席近平）；
  - 昵称和非正式称呼（习大大、习总、习总书记），职务写错（总书纪）；
  - 党内对照检查材料中称“习主席”（提示级：一般称习近平总书记或习近平同志，
    军队系统的习惯称法除外）。
为什么 / Why (domain.md rubric Q21): 领导人姓名称谓的差错是政治性差错，审核中一票否决。
示例 / Example: “坚持把学习指定学习材料和学习近平总书记视察……重要讲话结合起来”（种子文档）
应改为 / Instead write: “……和学习习近平总书记视察……重要讲话结合起来”
来源 / Source: domain.md §4 names 一行；种子文档第5行、第13行。
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache, partial
from typing import Callable

from service.review.lexicon import load
from service.review.rules._wording import (after_ok, before_ok, context_rx,
                                           finditer_at_literal, item_at, literal_at_offset,
                                           orig, starts_with_lookaround)
from service.text.fastscan import fast_finditer

CODE = "DZ402"
NAME = "leader-name"
CATEGORY = "nonstandard_term"
SEVERITY = "error"
RUBRIC = ("Q21",)


@dataclass(frozen=True)
class _Pattern:
    rx: re.Pattern[str]
    finditer: Callable                  # rx.finditer, or the same matches found faster
    right: str
    message: str
    suggestion: str
    severity: str | None
    not_before: re.Pattern[str] | None
    not_after: re.Pattern[str] | None


@lru_cache(maxsize=1)
def _patterns() -> tuple[_Pattern, ...]:
    data = load("names")
    subst = {"{tail}": data["name_tail"], "{habit}": data["habit"]}

    def fill(p: str | None) -> str | None:
        if p is None:
            return None
        for k, v in subst.items():
            p = p.replace(k, v)
        return p

    def finder(rx: re.Pattern[str]) -> Callable:
        # a literal at a fixed offset in every match (学习|研习…)近平: try the pattern
        # only there; re's search cannot skip ahead to a pattern that starts with a
        # look-around either: try it only where a match can start
        at = literal_at_offset(rx.pattern, rx.flags & ~re.UNICODE)
        if at is not None:
            return partial(finditer_at_literal, rx, *at)
        return fast_finditer(rx) if starts_with_lookaround(rx.pattern) else rx.finditer

    return tuple(_Pattern(
        rx=(rx := re.compile(fill(e["pattern"]))), finditer=finder(rx),
        right=e["right"], message=e["message"],
        suggestion=e["suggestion"], severity=e.get("severity"),
        not_before=context_rx(fill(e.get("not_before")), "before"),
        not_after=context_rx(fill(e.get("not_after")), "after"),
    ) for e in data["patterns"])


# every pattern mentions one of these characters: a cheap prefilter
_KEYS = ("近", "习", "席", "总书")


def check(ctx, rule):
    text = ctx.text
    if not any(k in text for k in _KEYS):
        return
    reported: list[tuple[int, int]] = []
    for p in _patterns():
        for m in p.finditer(text):
            s, e = m.span()
            if before_ok(p.not_before, text, s) or after_ok(p.not_after, text, e):
                continue
            if any(s < r_e and e > r_s for r_s, r_e in reported):
                continue
            reported.append((s, e))
            word = m.group(1) if m.groups() else ""
            found = orig(ctx, s, e).replace("\r", "").replace("\n", "↵")
            fmt = dict(found=found, word=word or "", right=p.right)
            yield ctx.finding(rule, s, e, p.message.format(**fmt), p.suggestion.format(**fmt),
                              item=item_at(ctx, s), severity=p.severity)
