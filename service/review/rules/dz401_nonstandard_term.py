"""DZ401 规范提法写错（用词、顺序、搭配、引号）

检查什么 / What it checks:
  domain.md §4 的规范提法（数据全部在 lexicons/terms.yaml，由领域专家维护）：
  - 错误写法：四种意识、三个自信、两个坚决维护、坚决维护“两个维护”、
    以习近平总书记为核心的党中央、以人民为核心、筑牢/树立中华民族共同体意识、
    总揽全局、领导一切、新世代……、漏了“习近平”的“新时代中国特色社会主义思想”、
    “党中央权威和统一领导”（漏“集中”）；“系列重要讲话精神”是2017年以前的提法（提示级）。
  - 成员固定的提法列举时顺序乱了、成员写错或漏项：四个意识、四个自信、政治三力、
    四风、三严三实、新时代合格党员标准（至少列出3个成员时才查顺序）。
  - 固定搭配的动词用错：增强“四个意识”、坚定“四个自信”、做到“两个维护”
    （如“坚定‘四个意识’”“增强‘四个自信’”“做到‘两个确立’”）。
  - “国之大者”没有加引号。
为什么 / Why (domain.md rubric Q21): 规范提法写错是审核中的硬伤，一处错误就会被退回。
示例 / Example: “牢固树立‘四种意识’，增强‘四个自信’……以习近平总书记为核心的党中央”
应改为 / Instead write: “增强‘四个意识’、坚定‘四个自信’、做到‘两个维护’……
  以习近平同志为核心的党中央”
来源 / Source: domain.md §4“规范提法”；lexicons/terms.yaml。
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from service.review.lexicon import load
from service.review.rules._wording import (QUOTES, after_ok, anchor, before_ok,
                                           context_rx, inner, item_at, literal_rx, orig,
                                           present)
from service.text.normalize import normalize_phrase

CODE = "DZ401"
NAME = "nonstandard-term"
CATEGORY = "nonstandard_term"
SEVERITY = "error"
RUBRIC = ("Q21",)

_Q = "[" + re.escape(QUOTES) + "]"
_SEP = rf"{_Q}?\s*(?:、|,|和|及|以及|与)\s*{_Q}?"


@dataclass(frozen=True)
class _Wrong:
    rx: re.Pattern[str]
    anchor: str
    right: str
    message: str
    suggestion: str
    severity: str | None
    not_before: re.Pattern[str] | None
    not_after: re.Pattern[str] | None
    only_after: re.Pattern[str] | None


@dataclass(frozen=True)
class _Enum:
    term: str
    members: tuple[str, ...]
    run: re.Pattern[str]
    token: re.Pattern[str]
    flag_missing: bool
    labelled_only: bool
    label: re.Pattern[str]


@lru_cache(maxsize=1)
def _data():
    data = load("terms")
    d = data["defaults"]
    wrongs = []
    for e in data["wrong_forms"]:
        wrongs.append(_Wrong(
            rx=re.compile(literal_rx(e["wrong"])), anchor=anchor(e["wrong"]),
            right=e["right"], message=e.get("message", d["message"]),
            suggestion=e.get("suggestion", d["suggestion"]),
            severity=e.get("severity"),
            not_before=context_rx(e.get("not_before"), "before"),
            not_after=context_rx(e.get("not_after"), "after"),
            only_after=context_rx(e.get("only_after"), "after"),
        ))
    enums = []
    for e in data["enumerations"]:
        tok = f"(?:{normalize_phrase(e['token'])})"
        enums.append(_Enum(
            term=e["term"], members=tuple(normalize_phrase(m) for m in e["members"]),
            run=re.compile(rf"{tok}(?:{_SEP}{tok})+"), token=re.compile(tok),
            flag_missing=bool(e.get("flag_missing")),
            labelled_only=e.get("member_check", "always") == "labelled",
            label=re.compile(literal_rx(e["term"]) + rf"{_Q}?\s*(?:即|是|:|\(|—|,)?\s*$"),
        ))
    adverbs = "|".join(re.escape(normalize_phrase(a)) for a in data["verb_adverbs"])
    longest_adverb = max((len(normalize_phrase(a)) for a in data["verb_adverbs"]), default=0)
    verbs = []
    for e in data["verb_pairs"]:
        wrong = "|".join(re.escape(normalize_phrase(v)) for v in e["wrong"])
        rx = re.compile(rf"(?P<verb>{wrong})(?:{adverbs})?{_Q}?{literal_rx(e['term'])}{_Q}?")
        # a match is the term preceded by at most this many characters
        reach = max((len(normalize_phrase(v)) for v in e["wrong"]), default=0) + longest_adverb + 1
        verbs.append((normalize_phrase(e["term"]), rx, e["right"],
                      e.get("message", data["verb_message"]),
                      e.get("suggestion", data["verb_suggestion"]), reach))
    quoted = [normalize_phrase(t) for t in data["always_quoted"]]
    # every phrase whose presence check() tests, for one combined pass per document
    phrases = tuple([w.anchor for w in wrongs] + [m for en in enums for m in en.members]
                    + [v[0] for v in verbs] + quoted)
    return data, wrongs, enums, verbs, quoted, phrases


def _around(rx: re.Pattern[str], term: str, reach: int, text: str):
    """``rx.finditer(text)`` for a verb pattern: every match is an occurrence of
    ``term`` (quote-free: the pattern's literal) with at most ``reach`` characters
    before it and one quotation mark after, so the pattern is run only in those
    windows (overlapping ones merged, so the scan is the same as over the text)."""
    if not term or any(ch in QUOTES for ch in term):
        yield from rx.finditer(text)
        return
    windows: list[list[int]] = []
    i = text.find(term)
    while i != -1:
        lo, hi = max(0, i - reach), min(len(text), i + len(term) + 1)
        if windows and lo <= windows[-1][1]:
            windows[-1][1] = hi
        else:
            windows.append([lo, hi])
        i = text.find(term, i + 1)
    for lo, hi in windows:
        yield from rx.finditer(text, lo, hi)


def check(ctx, rule):
    text = ctx.text
    data, wrongs, enums, verbs, quoted, phrases = _data()
    here = present(ctx, phrases)
    reported: list[tuple[int, int]] = []

    def emit(s, e, message, suggestion, severity=None):
        if any(s < re_ and e > rs for rs, re_ in reported):
            return None
        reported.append((s, e))
        return ctx.finding(rule, s, e, message, suggestion, item=item_at(ctx, s),
                           severity=severity)

    # 1. wrong forms
    for w in wrongs:
        if w.anchor not in here:
            continue
        for m in w.rx.finditer(text):
            s, e = m.span()
            if before_ok(w.not_before, text, s) or after_ok(w.not_after, text, e):
                continue
            if w.only_after is not None and not after_ok(w.only_after, text, e):
                continue
            fmt = dict(found=inner(orig(ctx, s, e)), right=inner(w.right))
            f = emit(s, e, w.message.format(**fmt), w.suggestion.format(**fmt), w.severity)
            if f:
                yield f

    # 2. enumerations: order, wrong member, missing member
    msgs = data["enumeration_messages"]
    order_min = int(data.get("enumeration_order_min", 3))
    for en in enums:
        if sum(1 for mb in en.members if mb in here) < 2:
            continue
        canonical = "、".join(en.members)
        for m in en.run.finditer(text):
            tokens = [t.group(0) for t in en.token.finditer(m.group(0))]
            idx = [en.members.index(t) if t in en.members else -1 for t in tokens]
            hits = [i for i in idx if i >= 0]
            if len(hits) < 2:
                continue
            fmt = dict(term=en.term, canonical=canonical, found=orig(ctx, *m.span()))
            message = None
            labelled = bool(en.label.search(text, max(0, m.start() - 12), m.start()))
            if len(hits) >= min(order_min, len(en.members)) and hits != sorted(hits):
                message = msgs["order"].format(**fmt)
            elif en.labelled_only and not labelled:
                pass
            elif (len(tokens) == len(en.members) and -1 in idx
                  and len(set(hits)) == len(en.members) - 1):
                bad = tokens[idx.index(-1)]
                good = next(mb for i, mb in enumerate(en.members) if i not in hits)
                message = msgs["wrong_member"].format(bad=bad, good=good, **fmt)
            elif (len(set(hits)) == len(tokens) == len(en.members) - 1
                  and (en.flag_missing or labelled)):
                missing = next(mb for i, mb in enumerate(en.members) if i not in hits)
                message = msgs["missing"].format(missing=missing, **fmt)
            elif labelled and len(set(hits)) < len(en.members) and len(hits) >= len(en.members) - 1:
                missing = "、".join(mb for i, mb in enumerate(en.members) if i not in hits)
                message = msgs["missing"].format(missing=missing, **fmt)
            if message:
                f = emit(m.start(), m.end(), message, msgs["suggestion"].format(**fmt))
                if f:
                    yield f

    # 3. verb pairing
    for term, rx, right, message, suggestion, reach in verbs:
        if term not in here:
            continue
        for m in _around(rx, term, reach, text):
            found = m.group("verb")
            fmt = dict(term=term, right="、".join(right), right_first=right[0], found=found)
            f = emit(m.start(), m.end(), message.format(**fmt), suggestion.format(**fmt))
            if f:
                yield f

    # 4. terms that must be quoted
    for term in quoted:
        i = text.find(term) if term in here else -1
        while i != -1:
            j = i + len(term)
            if not (i > 0 and text[i - 1] in QUOTES and j < len(text) and text[j] in QUOTES):
                f = emit(i, j, data["quote_message"].format(term=term),
                         data["quote_suggestion"].format(term=term))
                if f:
                    yield f
            i = text.find(term, j)
