"""DZ105 查摆写成了工作汇报

检查什么 / What it checks:
  查摆问题的条目、材料开头（前言）或查摆部分的引言在列举成绩：完成了、取得了、荣获、
  圆满、受到表彰、排名第一、超额完成、增长15%……（词表 lexicons/work_report.yaml）。
  问题条目：通篇没有一处缺点的说法（不、没有、差距、但……），却有成绩说法和数字（或两个
  以上成绩说法）——纯粹的成绩清单；或者成绩说法至少 3 个（或 2 个且成绩句里有 2 个以上
  数字），并且成绩句（不含缺点说法的句子）占全条篇幅（字数）一半以上。
  开头部分：成绩说法至少 3 个、成绩句里带数字、成绩句占三成以上篇幅时报（开头本来
  要交代学习和征求意见的情况）。
  不报：只把成绩当作问题的背景（“虽然完成了全年任务，但3月有2户企业的退税超期”）；
  “没有完成”“未取得”一类否定说法。
为什么 / Why (domain.md rubric Q10): 对照检查材料是自我批评，不是工作总结；成绩至多
  一句带过，篇幅要留给问题和剖析。
示例 / Example: “一是业务工作成效明显。全年圆满完成各项任务，办理业务3000余件，
  荣获市局先进个人，考核排名第一。”
应改为 / Instead write: 删去成绩，写一件没做好的事：“一是满足于完成指标。全年考核排名
  靠前，我就放松了对疑难件的跟进，9月有2件退税超期……”
来源 / Source: domain.md §2“Not a 工作汇报”；评分表 Q10。
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from service.review.lexicon import PhraseMatcher, load
from service.review.specificity import item_phrases, lex as spec_lex
from service.text.fastscan import fast_finditer, phrase_spans
from service.text.normalize import normalize_phrase

CODE = "DZ105"
NAME = "work-report"
CATEGORY = "work_report"
SEVERITY = "warning"
RUBRIC = ("Q10",)

LEXICON = "work_report"
_NEG_WINDOW = 3
_SENT = re.compile(r"[^。;!?\n]+[。;!?\n]?")


@dataclass(frozen=True)
class _Lex:
    achievements: PhraseMatcher
    rx: tuple[re.Pattern[str], ...]
    negations: tuple[str, ...]
    min_markers: int
    min_markers_with_numbers: int
    min_numbers: int
    min_share: float
    lead_in_min_share: float
    lead_in_min_numbers: int
    flaw_rx: re.Pattern[str]
    achievement_spans: object = None   # achievements.iter as (start, end) spans
    rx_finditer: tuple = ()            # fast_finditer of each of rx (looked up once)


@lru_cache(maxsize=1)
def _lex() -> _Lex:
    data = load(LEXICON)
    rx = (re.compile("|".join(f"(?:{p})" for p in data["achievement_patterns"])),)
    return _Lex(
        achievements=PhraseMatcher([normalize_phrase(str(w)) for w in data["achievements"]]),
        achievement_spans=phrase_spans(tuple(normalize_phrase(str(w))
                                             for w in data["achievements"])),
        rx=rx,
        rx_finditer=tuple(fast_finditer(x) for x in rx),
        negations=tuple(normalize_phrase(w) for w in data.get("negations") or []),
        min_markers=int(data["min_markers"]),
        min_markers_with_numbers=int(data["min_markers_with_numbers"]),
        min_numbers=int(data["min_numbers"]),
        min_share=float(data["min_share"]),
        lead_in_min_share=float(data["lead_in_min_share"]),
        lead_in_min_numbers=int(data["lead_in_min_numbers"]),
        flaw_rx=re.compile(data["flaw_pattern"]),
    )


def phrase_table() -> dict[str, tuple[str, ...]]:
    """The achievement keys for the shared item pass (specificity.item_phrases)."""
    keys = (normalize_phrase(normalize_phrase(str(w))) for w in load(LEXICON)["achievements"])
    return {key: (CODE,) for key in keys if key}


def achievements(text: str, lo: int, hi: int, shared=None) -> list[tuple[int, int]]:
    """Non-negated achievement phrases in text[lo:hi] (longest kept). ``shared``: the
    item pass's hits (specificity.item_phrases), if known."""
    lx = _lex()
    spans = lx.achievement_spans(text, lo, hi) if shared is None else list(shared.get(CODE, ()))
    for finditer in lx.rx_finditer:
        spans += [(m.start(), m.end()) for m in finditer(text, lo, hi)]
    spans.sort(key=lambda x: (x[0], -(x[1] - x[0])))
    out: list[tuple[int, int]] = []
    for a, b in spans:
        if out and a < out[-1][1]:
            continue
        if any(w in text[max(lo, a - _NEG_WINDOW):a] for w in lx.negations):
            continue
        out.append((a, b))
    return out


def is_report(text: str, lo: int, hi: int, lead_in: bool = False,
              shared=None) -> list[tuple[int, int]]:
    """The achievement phrases when text[lo:hi] reads as a work report, else [].
    A lead-in (preamble) needs both many phrases and numbers, but a smaller share.
    ``shared``: the item pass's hits (specificity.item_phrases), if known."""
    lx = _lex()
    hits = achievements(text, lo, hi, shared)
    if not lead_in and hits and not lx.flaw_rx.search(text, lo, hi):
        # no flaw named at all: a pure list of results
        numbers = len(spec_lex().count_rx.findall(text, lo, hi))
        if numbers >= lx.min_numbers or len(hits) >= lx.min_markers_with_numbers:
            return hits
    if len(hits) < (lx.min_markers if lead_in else lx.min_markers_with_numbers):
        return []
    sents = [(m.start(), m.end()) for m in _SENT.finditer(text, lo, hi)
             if text[m.start():m.end()].strip()]
    # a sentence that also names a flaw (虽然完成了……但……) is not an achievement sentence
    ach_sents = [(a, b) for a, b in sents if any(a <= h[0] < b for h in hits)
                 and not lx.flaw_rx.search(text, a, b)]
    total = sum(b - a for a, b in sents)
    share = lx.lead_in_min_share if lead_in else lx.min_share
    if not total or sum(b - a for a, b in ach_sents) / total < share:
        return []
    numbers = sum(len(spec_lex().count_rx.findall(text, a, b)) for a, b in ach_sents)
    if lead_in:
        return hits if numbers >= lx.lead_in_min_numbers else []
    if len(hits) >= lx.min_markers or numbers >= lx.min_numbers:
        return hits
    return []


def _quote(ctx, hits) -> str:
    return "".join(dict.fromkeys(f"“{ctx.doc.norm.orig_text(a, b)}”" for a, b in hits[:4]))


_SUGGESTION = ("查摆部分只写问题，成绩至多一句带过。请写这一年里自己没做好的一件事："
               "具体是哪件事？什么时间？造成了什么影响？当时是怎么想的？")


def _lead_in_spans(doc) -> list[tuple[str, int, int]]:
    """The preamble and the problems section's introduction (before its first block)."""
    out = []
    if doc.preamble_span:
        out.append(("开头部分", *doc.preamble_span))
    sec = doc.section("problems")
    if sec is not None:
        firsts = [a.start for a in sec.aspects] + [it.start for it in sec.items]
        end = min(firsts) if firsts else sec.end
        if end > sec.heading_end:
            out.append(("查摆部分的引言", sec.heading_end, end))
    return out


def detect(ctx, item) -> list[tuple[int, int]]:
    """The achievement phrases of a problem item that reads as a work report (cached)."""
    key = (CODE, item.id)
    if key not in ctx.cache:
        ctx.cache[key] = is_report(ctx.text, item.body_start, item.body_start + len(item.text),
                                   shared=item_phrases(ctx, item))
    return ctx.cache[key]


def check(ctx, rule):
    text = ctx.text
    for label, lo, hi in _lead_in_spans(ctx.doc):
        hits = is_report(text, lo, hi, lead_in=True)
        if hits:
            message = (f"{label}主要在列举成绩（{_quote(ctx, hits)}），像工作汇报，"
                       "不是对照检查。")
            yield ctx.finding(rule, hits[0][0], hits[-1][1], message,
                              "开头只需交代学习和征求意见的情况，成绩不必列举。" + _SUGGESTION)
    for item in ctx.doc.problems:
        hits = detect(ctx, item)
        if hits:
            message = (f"这一条主要在列举成绩（{_quote(ctx, hits)}），读起来是工作汇报，"
                       "不是自我批评。")
            yield ctx.finding(rule, item.start, item.end, message, _SUGGESTION, item=item)
