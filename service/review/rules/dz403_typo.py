"""DZ403 易错字词

检查什么 / What it checks:
  lexicons/confusables.yaml 里的易错字词：写出来几乎一定错的（布署→部署、扞卫→捍卫、
  再接再励→再接再厉、踏石有印→踏石留印、还要差距→还有差距……），以及要看上下文才能判定的
  （“担当作为的一是有待提高”→意识、“怕得罪人的心里”→心理、“没有即使整改”→及时、
  “积极参集中学习”→参加、“截止2021年底”→截至）。两可的写法（度过/渡过难关、的/得）不查。
为什么 / Why (domain.md rubric Q30，并见 §4 character confusables): 错别字显得材料没有认真
  写、没有认真校；个别字（扞卫、布署）在政治性表述中尤其显眼。
示例 / Example: “二是模范带头作用还要差距。”“有怕得罪县区的心里”（种子文档）
应改为 / Instead write: “二是模范带头作用还有差距。”“有怕得罪县区的心理”
来源 / Source: domain.md §4 Also watch；种子文档第7–10、17行；lexicons/confusables.yaml。
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from service.review.lexicon import load
from service.review.rules._wording import (after_ok, before_ok, context_rx, item_at,
                                           longest_at, orig)
from service.text.normalize import normalize_phrase

CODE = "DZ403"
NAME = "typo"
CATEGORY = "typo"
SEVERITY = "warning"
RUBRIC = ("Q30",)


@dataclass(frozen=True)
class _Entry:
    wrong: str
    right: str
    note: str
    before: re.Pattern[str] | None
    after: re.Pattern[str] | None
    not_before: re.Pattern[str] | None
    not_after: re.Pattern[str] | None


@lru_cache(maxsize=1)
def _table():
    """(rx, prefixes, entries by normalized wrong form): see _wording.longest_at."""
    by_wrong: dict[str, list[_Entry]] = {}
    for e in load("confusables")["entries"]:
        by_wrong.setdefault(e["wrong"], []).append(_Entry(
            wrong=e["wrong"], right=e["right"], note=e.get("note", ""),
            before=context_rx(e.get("before"), "before"),
            after=context_rx(e.get("after"), "after"),
            not_before=context_rx(e.get("not_before"), "before"),
            not_after=context_rx(e.get("not_after"), "after"),
        ))
    entries: dict[str, tuple[_Entry, ...]] = {}
    for w, es in by_wrong.items():
        key = normalize_phrase(str(w))
        if key:
            entries[key] = tuple(es)
    rx, prefixes = longest_at(tuple(entries))
    return rx, prefixes, entries


def _hits(text: str) -> list[tuple[int, int, tuple[_Entry, ...]]]:
    """Every occurrence of a wrong form, by start and, at one start, longest first
    (``PhraseMatcher.find_all(text, longest=False)``)."""
    rx, prefixes, entries = _table()
    if rx is None:
        return []
    out = []
    for m in rx.finditer(text):
        s = m.start()
        for w in (m.group(1), *prefixes[m.group(1)]):
            out.append((s, s + len(w), entries[w]))
    return out


def _applies(e: _Entry, text: str, s: int, t: int) -> bool:
    if e.before is not None and not before_ok(e.before, text, s):
        return False
    if e.after is not None and not after_ok(e.after, text, t):
        return False
    return not (before_ok(e.not_before, text, s) or after_ok(e.not_after, text, t))


def check(ctx, rule):
    text = ctx.text
    last_end = -1
    for start, end, payload in _hits(text):
        if start < last_end:
            continue
        entry = next((e for e in payload if _applies(e, text, start, end)), None)
        if entry is None:
            continue
        last_end = end
        found = orig(ctx, start, end)
        note = f"（{entry.note}）" if entry.note else ""
        yield ctx.finding(
            rule, start, end,
            f"“{found}”疑为错别字，应为“{entry.right}”{note}。",
            f"改为“{entry.right}”。", item=item_at(ctx, start))
