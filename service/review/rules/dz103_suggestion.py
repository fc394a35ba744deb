"""DZ103 以建议、希望代替批评

检查什么 / What it checks:
  查摆问题的条目里，本人向组织、领导、上级提建议或表希望的句子
  （词表 lexicons/suggestion.yaml）：
  - 小句以“建议/希望/恳请/呼吁……”开头（前面最多有“因此、我、同时”一类词）：
    “建议上级减少会议数量”“我希望今后多组织业务培训”；
  - 或者“建议/希望”后面直接跟着组织、领导、上级、支部……：“……，希望组织多给年轻人
    锻炼机会”；
  - 或者整段在提建议：“对支部工作提几点建议：……”。
  不报：转述收到的意见（“组织建议我多下基层”“支部书记希望我……”）、检讨自己没提建议
  （“我没有向组织提出建议”）、征求意见建议、别人的希望（“群众希望尽快办结”）、
  “希望自己……”，以及整改措施部分。
为什么 / Why (domain.md rubric Q8): 查摆问题是自我批评；“建议……”“希望组织……”是对别人
  的要求，属于“以工作建议代替批评、以希望代替批评”，审核时会被指出。
示例 / Example: “三是业务培训机会少。建议上级多组织业务培训，希望组织多给年轻同志压担子。”
应改为 / Instead write: 写自己的不足：“三是业务学习主动性不强。今年3月系统培训我以手头忙
  为由没有报名，新政策出台后靠问同事应付……”；建议可在会上另行提出。
来源 / Source: domain.md §2“No 以工作建议代替批评 / 以希望代替批评”；评分表 Q8。
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from service.review.lexicon import load
from service.review.specificity import clauses, sentence_span
from service.text.fastscan import fast_finditer, fast_search
from service.text.normalize import normalize_phrase

CODE = "DZ103"
NAME = "suggestion-not-criticism"
CATEGORY = "suggestion_not_criticism"
SEVERITY = "warning"
RUBRIC = ("Q8",)

LEXICON = "suggestion"
_QUOTE_CHARS = 30


@dataclass(frozen=True)
class _Lex:
    marker_rx: re.Pattern[str]
    lead_rx: re.Pattern[str]
    target_rx: re.Pattern[str]
    not_after: tuple[str, ...]
    not_before: tuple[str, ...]
    list_rx: re.Pattern[str] | None
    # fast_search / fast_finditer of list_rx, looked up once (or None)
    list_search: object = None
    list_finditer: object = None


def _alt(words) -> str:
    return "|".join(re.escape(w) for w in sorted(set(words), key=len, reverse=True))


@lru_cache(maxsize=1)
def _lex() -> _Lex:
    data = load(LEXICON)

    def words(key):
        return tuple(normalize_phrase(str(w)) for w in (data.get(key) or []))

    markers = _alt(words("markers"))
    pats = data.get("patterns") or []
    list_rx = re.compile("|".join(f"(?:{p})" for p in pats)) if pats else None
    return _Lex(
        marker_rx=re.compile(markers),
        lead_rx=re.compile(rf"\s*(?:(?:{_alt(words('lead_words'))})\s*)*(?={markers})"),
        target_rx=re.compile(rf"(?:{markers})(?:{_alt(words('targets'))})"),
        not_after=words("not_after"),
        not_before=words("not_before"),
        list_rx=list_rx,
        list_search=fast_search(list_rx) if list_rx is not None else None,
        list_finditer=fast_finditer(list_rx) if list_rx is not None else None,
    )


def _suggestions(text: str, lo: int, hi: int) -> list[int]:
    """Start offsets of the member's own suggestions/hopes in text[lo:hi]."""
    lx = _lex()
    found: set[int] = set()
    # every suggestion found clause by clause starts with a marker: without one in the
    # item (or in a clause) there is nothing to look at
    marker = lx.marker_rx.search
    for cs, ce in (clauses(text, lo, hi) if marker(text, lo, hi) else ()):
        if not marker(text, cs, ce):
            continue
        starts = []
        lead = lx.lead_rx.match(text, cs, ce)
        if lead:
            starts.append(lead.end())
        starts += [m.start() for m in lx.target_rx.finditer(text, cs, ce)]
        for p in starts:
            m = lx.marker_rx.match(text, p, ce)
            if not m:
                continue
            after = text[m.end():ce]
            if any(after.startswith(w) for w in lx.not_after):
                continue
            if any(w in text[cs:p] for w in lx.not_before):
                continue
            found.add(p)
    if lx.list_rx is not None and lx.list_search(text, lo, hi) is not None:
        found.update(m.start() for m in lx.list_finditer(text, lo, hi))
    return sorted(found)


def detect(ctx, item) -> list[int]:
    """Start offsets of the member's suggestions in a problem item (cached)."""
    key = (CODE, item.id)
    if key not in ctx.cache:
        ctx.cache[key] = _suggestions(ctx.text, item.body_start,
                                      item.body_start + len(item.text))
    return ctx.cache[key]


def check(ctx, rule):
    text = ctx.text
    for item in ctx.doc.problems:
        lo, hi = item.body_start, item.body_start + len(item.text)
        starts = detect(ctx, item)
        if not starts:
            continue
        first = starts[0]
        _, end = sentence_span(text, starts[-1], lo, hi)
        quoted = ctx.doc.norm.orig_text(first, end).rstrip("。；;！!？?\n ")
        if len(quoted) > _QUOTE_CHARS:
            quoted = quoted[:_QUOTE_CHARS] + "……"
        message = (f"查摆问题中写了“{quoted}”：这是向组织或别人提建议、表希望，"
                   "不是对自己的批评（以建议、希望代替批评）。")
        suggestion = ("查摆部分请写自己的问题：在这件事上你本人哪里做得不够？具体是哪一次、"
                      "造成了什么影响？确有建议的，可在会上另行提出，不要放在查摆问题里。")
        yield ctx.finding(rule, first, end, message, suggestion, item=item)
