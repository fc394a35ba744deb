"""DZ104 查摆的是别人的问题

检查什么 / What it checks:
  查摆问题的条目以别人或集体为主语——有的同志、个别党员、少数干部、部分教师、
  一些管理人员、班子成员之间、下属、同事之间、科室整体、“我们支部”……（词表
  lexicons/not_own.yaml）——而整条没有一处以本人为主语（我、本人，或小句开头的“自己”）。
  不报：“对有的同志迟到的问题我没有提醒”（本人没有尽责，是自己的问题）；别人只作宾语
  （“对个别同志的错误思想没有及时批评纠正”）；引述领导对干部的要求；
  任何以“我”为主语写自己做了什么、没做什么的条目。
为什么 / Why (domain.md rubric Q9): 对照检查查摆的是本人的问题，不是班子、下属或
  “有的同志”的问题；把问题推给别人或集体，等于没有自我批评。
示例 / Example: “二是组织生活不严肃。有的同志开会迟到早退，个别党员学习笔记照抄照搬。”
应改为 / Instead write: 写本人在其中的责任：“二是对组织生活中的问题不敢较真。今年党小组会
  有2名同志多次迟到，我作为党小组长碍于情面没有当面提醒……”
来源 / Source: domain.md §2“Problems are one's own”；评分表 Q9。
"""

from __future__ import annotations

import re
from functools import lru_cache

from service.review.lexicon import load
from service.review.specificity import (clauses, first_person, item_phrases, quote_spans,
                                        sentence_span)
from service.text.fastscan import fast_finditer, phrase_spans
from service.text.normalize import normalize_phrase

CODE = "DZ104"
NAME = "not-own-problem"
CATEGORY = "not_own_problem"
SEVERITY = "warning"
RUBRIC = ("Q9",)

LEXICON = "not_own"
_ZIJI_HEAD = 3   # 自己 within this many characters of a clause start is a subject
_OBJECT_WINDOW = 2   # 对/提醒… right before 有的同志: the others are an object


@lru_cache(maxsize=None)
def _words(key: str) -> tuple[str, ...]:
    return tuple(normalize_phrase(w) for w in load(LEXICON).get(key) or [])


_ZIJI = re.compile(r"自己")


def _has_self(text: str, lo: int, hi: int) -> bool:
    if first_person(text, lo, hi):
        return True
    body = text[lo:hi]
    if any(w in body for w in _words("self_subjects")):
        return True
    for cs, ce in clauses(text, lo, hi):
        m = _ZIJI.search(text, cs, min(ce, cs + _ZIJI_HEAD + 2))
        if m and m.start() - cs <= _ZIJI_HEAD:
            return True
    return False


def _quoting(text: str, pos: int, lo: int, hi: int) -> bool:
    """The sentence at ``pos`` cites a leader or a rule (总书记强调……年轻干部要……)."""
    s, e = sentence_span(text, pos, lo, hi)
    return any(w in text[s:e] for w in _words("quoting_words"))


@lru_cache(maxsize=None)
def _patterns() -> re.Pattern[str] | None:
    pats = load(LEXICON).get("others_patterns") or []
    return re.compile("|".join(f"(?:{p})" for p in pats)) if pats else None


@lru_cache(maxsize=None)
def _patterns_finditer():
    """fast_finditer of :func:`_patterns` looked up once (a compiled pattern hashes its
    whole code on every look-up), or None."""
    rx = _patterns()
    return fast_finditer(rx) if rx is not None else None


@lru_cache(maxsize=None)
def _others_spans():
    """The ``others_subjects`` phrases (as ``matcher(LEXICON, "others_subjects")`` has
    them) → a span finder."""
    return phrase_spans(tuple(load(LEXICON)["others_subjects"]))


def phrase_table() -> dict[str, tuple[str, ...]]:
    """The ``others_subjects`` keys for the shared item pass (specificity.item_phrases)."""
    keys = (normalize_phrase(str(p)) for p in load(LEXICON)["others_subjects"])
    return {key: (CODE,) for key in keys if key}


def others(text: str, lo: int, hi: int, shared=None) -> list[tuple[int, int]]:
    """Spans naming other people or the collective as the subject (longest kept),
    minus quoted ones, objects (对有的同志……) and leaders' requirements. ``shared``:
    the item pass's hits (specificity.item_phrases), if known."""
    spans = _others_spans()(text, lo, hi) if shared is None else list(shared.get(CODE, ()))
    finditer = _patterns_finditer()
    if finditer is not None:
        spans += [(m.start(), m.end()) for m in finditer(text, lo, hi)]
    if not spans:
        return []
    spans.sort(key=lambda x: (x[0], -(x[1] - x[0])))
    quotes = quote_spans(text, lo, hi)
    objects = _words("object_markers")
    out: list[tuple[int, int]] = []
    for a, b in spans:
        if out and a < out[-1][1]:
            continue
        if any(qa <= a < qb for qa, qb in quotes) or _quoting(text, a, lo, hi):
            continue
        if any(w in text[max(lo, a - _OBJECT_WINDOW):a] for w in objects):
            continue
        out.append((a, b))
    return out


def detect(ctx, item) -> list[tuple[int, int]]:
    """The others-as-subject spans of a problem item that has no self subject (cached)."""
    key = (CODE, item.id)
    if key not in ctx.cache:
        lo, hi = item.body_start, item.body_start + len(item.text)
        hits = others(ctx.text, lo, hi, item_phrases(ctx, item))
        ctx.cache[key] = hits if hits and not _has_self(ctx.text, lo, hi) else []
    return ctx.cache[key]


def check(ctx, rule):
    text = ctx.text
    for item in ctx.doc.problems:
        lo, hi = item.body_start, item.body_start + len(item.text)
        hits = detect(ctx, item)
        if not hits:
            continue
        phrases = "".join(dict.fromkeys(f"“{ctx.doc.norm.orig_text(a, b)}”" for a, b in hits[:3]))
        s, _ = sentence_span(text, hits[0][0], lo, hi)
        _, e = sentence_span(text, hits[-1][0], lo, hi)
        message = (f"这一条写的是{phrases}的问题，通篇没有以“我”为主语，"
                   "查摆的不是本人的问题。")
        suggestion = ("请写你本人在这件事里的问题：你做了什么、没做什么？"
                      "比如是否没有提醒、没有制止、没有报告？具体是哪一次、什么时间？")
        yield ctx.finding(rule, s, e, message, suggestion, item=item)
