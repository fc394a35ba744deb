"""DZ102 明批暗褒（以表扬代替批评）

检查什么 / What it checks:
  查摆问题里读起来像表扬的“缺点”（词表 lexicons/disguised_praise.yaml）：
  - 过度投入（error）：工作太投入/太认真、经常加班顾不上家庭/身体、不能劳逸结合、
    把单位当家、带病坚持工作；
  - 以优点为缺点（error）：原则性太强得罪人、要求太严、恨铁不成钢、心直口快、性子急、
    眼里揉不得沙子、太较真；
  - 以小缺点代替真问题（warning）：性格内向、不善言辞、字写得不好……且整条没有任何
    具体事实；
  - 表扬夹心（warning）：一条问题的开头和结尾都是成绩与肯定，缺点夹在中间。
  不报：
  - 同一句或下一句写出了对别人或对工作的损害（“性子急，9月在窗口对一位老人说话生硬，
    对方投诉”）；损害落在自己身上（“耽误了自己的休息”“导致自己腰椎……”）不算；
  - 以优点为缺点、小缺点两组：同一句或下一句讲了一次具体的过失（有时间或数量，且有
    本人的具体做法）；过度投入组不适用（“今年连续加班30天，顾不上家庭”仍报）；
  - “怕得罪人”“不是要求太严”“缺乏雷厉风行的作风”“不太认真”；
  - 把加班当借口检讨（“以加班多为由不参加学习”）；
  - 在批评会议或意见的质量（“大家给我提的意见只有‘注意身体’，批评流于形式”）；
  - 别人的话放在引号里、而这句其实在检讨别的事（同事说我“太拼了”，我却把这当成了表扬）。
为什么 / Why (domain.md rubric Q7): “放礼炮”式的自我批评把优点说成缺点，是审核中
  明确禁止的做法；真缺点会写出伤害了谁、耽误了什么，暗褒写不出。
示例 / Example: “一是工作太投入，经常加班加点，顾不上家庭，不能劳逸结合。”
应改为 / Instead write: 换成一件真正做得不好的事，写明对谁、对工作造成了什么影响：
  “性子急，9月在窗口对一位老人说话生硬，对方投诉后我才意识到……”
来源 / Source: domain.md §2“No 明批暗褒”；评分表 Q7。
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

import ahocorasick

from service.review.lexicon import PhraseMatcher, load
from service.review.specificity import (explain, harm_spans, item_phrases, lex as spec_lex,
                                        quote_spans, sentence_span)
from service.text.fastscan import any_of, fast_search
from service.text.normalize import normalize_phrase

CODE = "DZ102"
NAME = "disguised-praise"
CATEGORY = "disguised_praise"
SEVERITY = "error"
RUBRIC = ("Q7",)

LEXICON = "disguised_praise"
GROUPS = ("over_dedication", "virtue_as_vice", "trivial")
_GROUP_SEVERITY = {"over_dedication": "error", "virtue_as_vice": "error", "trivial": "warning"}
_GROUP_LABEL = {"over_dedication": "把“过度投入”当缺点", "virtue_as_vice": "把优点说成缺点",
                "trivial": "用无关紧要的小毛病代替真问题"}
_FEAR_WINDOW = 4
_HARM_WINDOW = 15
_SELF_WINDOW = 8
_SENT = re.compile(r"[^。;!?\n]+[。;!?\n]?")
_CLAUSE_MARKS = ",;。!?:\n"


@dataclass(frozen=True)
class _Lex:
    groups: dict[str, PhraseMatcher]
    group_rx: dict[str, tuple[re.Pattern[str], ...]]
    fear: tuple[str, ...]
    excuse: tuple[str, ...]
    meta: tuple[str, ...]
    quote_criticism: tuple[str, ...]
    others: tuple[str, ...]
    self_harm: tuple[str, ...]
    harm_triggers: tuple[str, ...]
    event_groups: frozenset[str]
    praise: tuple[str, ...]
    flaw: tuple[str, ...]
    closing: tuple[str, ...]
    # the group phrase lists as one automaton: key → (length, groups it belongs to)
    auto: object = field(default=None, compare=False)
    # (text, s, e) → a match of any group pattern, or None (None: always scan)
    any_pattern: object = field(default=None, compare=False)
    praise_rx: object = field(default=None, compare=False)   # any praise word


def _groups_automaton(groups: dict[str, tuple[str, ...]]):
    """One automaton for every group's phrases (keyed as PhraseMatcher keys them)."""
    keys: dict[str, list[str]] = {}
    for g in GROUPS:
        seen: set[str] = set()
        for w in groups[g]:
            key = normalize_phrase(str(w))
            if key and key not in seen:
                seen.add(key)
                keys.setdefault(key, []).append(g)
    if not keys:
        return None
    auto = ahocorasick.Automaton()
    for key, gs in keys.items():
        auto.add_word(key, (len(key), tuple(gs)))
    auto.make_automaton()
    return auto


@lru_cache(maxsize=1)
def _lex() -> _Lex:
    data = load(LEXICON)

    def words(key):
        return tuple(normalize_phrase(str(w)) for w in (data.get(key) or []))

    group_rx = {g: tuple(re.compile(p) for p in (data.get(f"{g}_patterns") or []))
                for g in GROUPS}
    combined = any_of([rx for g in GROUPS for rx in group_rx[g]])
    return _Lex(
        groups={g: PhraseMatcher(list(words(g))) for g in GROUPS},
        auto=_groups_automaton({g: words(g) for g in GROUPS}),
        any_pattern=fast_search(combined) if combined is not None else None,
        group_rx=group_rx,
        fear=words("fear_prefixes"), excuse=words("excuse_markers"),
        meta=words("meta_criticism"), quote_criticism=words("quote_criticism"),
        others=words("others"), self_harm=words("self_harm"),
        harm_triggers=words("harm_triggers"),
        event_groups=frozenset(data.get("event_excuses_groups") or ()),
        praise=words("praise"), flaw=words("flaw"), closing=words("closing"),
        praise_rx=_any_rx(words("praise")),
    )


def phrase_table() -> dict[str, tuple[str, ...]]:
    """The group phrases for the shared item pass (specificity.item_phrases): key →
    its tags ``DZ102:<group>``, keyed as the groups automaton keys them."""
    auto = _lex().auto
    if auto is None:
        return {}
    return {key: tuple(_TAG[g] for g in gs) for key, (_n, gs) in auto.items()}


_TAG = {g: f"{CODE}:{g}" for g in GROUPS}


def _hits(text: str, s: int, e: int, shared=None) -> list[tuple[str, int, int]]:
    """``shared``: the item pass's hits (specificity.item_phrases), if known."""
    lx = _lex()
    if shared is not None:
        phrases = [(g, shared[_TAG[g]]) for g in GROUPS if _TAG[g] in shared]
    else:
        phrases = list(lx.auto.iter(text, s, e)) if lx.auto is not None else []
    # one quick test for all the patterns: most items match none of them
    scan = lx.any_pattern is None or lx.any_pattern(text, s, e) is not None
    if not phrases and not scan:
        return []
    found: dict[str, list[tuple[str, int, int]]] = {g: [] for g in GROUPS}
    if shared is not None:
        for g, spans in phrases:
            found[g] = [(g, a, b) for a, b in spans]
    else:
        for last, (n, gs) in phrases:
            for g in gs:
                found[g].append((g, last - n + 1, last + 1))
    out = []
    for g in GROUPS:
        out += found[g]
        if scan:
            for rx in lx.group_rx[g]:
                out += [(g, m.start(), m.end()) for m in rx.finditer(text, s, e)]
    out.sort(key=lambda x: (x[1], -(x[2] - x[1])))
    kept: list[tuple[str, int, int]] = []
    for h in out:
        if kept and h[1] < kept[-1][2]:
            continue
        kept.append(h)
    return kept


@lru_cache(maxsize=None)
def _any_rx(words: tuple[str, ...]) -> re.Pattern[str] | None:
    return re.compile("|".join(map(re.escape, words))) if words else None


def _has(text: str, words: tuple[str, ...]) -> bool:
    """``any(w in text for w in words)``, as one regex search."""
    rx = _any_rx(words)
    return rx is not None and rx.search(text) is not None


def _names_harm(text: str, s: int, e: int) -> bool:
    """Harm to others or to the work in text[s:e] (formulaic.yaml harm, or
    导致/造成 … followed by someone else or the work, not by self-harm)."""
    lx = _lex()
    for a, b in harm_spans(text, s, e):
        cs = max(text.rfind(p, s, a) for p in _CLAUSE_MARKS) + 1
        if _has(text[max(cs, s):a], lx.harm_triggers):
            continue          # the cause of my reaction, not its consequence
        if _has(text[b:min(e, b + _SELF_WINDOW)], lx.self_harm):
            continue          # 耽误了自己的休息时间: harm to oneself
        return True
    for h in spec_lex().consequence.iter(text, s, e):
        window = text[h.end:min(e, h.end + _HARM_WINDOW)]
        if _has(window, lx.others) and not _has(window, lx.self_harm):
            return True
    return False


def _narrates_event(exp, s: int, e: int) -> bool:
    """text[s:e] tells a concrete incident: a time or count and a first-person act."""
    kinds = {x.kind for x in exp.signals if s <= x.start < e}
    return bool(kinds & {"time", "count"}) and "behaviour" in kinds


def _excused(text: str, hit: tuple[str, int, int], lo: int, hi: int, exp=None) -> bool:
    lx = _lex()
    g, a, b = hit
    ss, se = sentence_span(text, a, lo, hi)
    sentence = text[ss:se]
    if _has(text[max(ss, a - _FEAR_WINDOW):a], lx.fear):
        return True
    if _has(sentence, lx.excuse) or _has(sentence, lx.meta):
        return True
    quotes = quote_spans(text, ss, se)
    if any(qs <= a and b <= qe for qs, qe in quotes):
        outside = "".join(text[x:y] for x, y in _gaps(ss, se, quotes))
        if _has(outside, lx.quote_criticism):
            return True
    # the harm or the incident may follow in the next sentence (性子急。9月在窗口……)
    _, ne = sentence_span(text, se, lo, hi) if se < hi else (se, se)
    if exp is not None and g in lx.event_groups and _narrates_event(exp, ss, ne):
        return True
    return _names_harm(text, ss, ne)


def _gaps(s: int, e: int, spans: list[tuple[int, int]]):
    pos = s
    for a, b in spans:
        if a > pos:
            yield pos, a
        pos = max(pos, b)
    if pos < e:
        yield pos, e


def _sandwich(text: str, s: int, e: int) -> tuple[tuple[int, int], tuple[int, int]] | None:
    """(opening, closing) praise sentences around a flaw, or None. The headline
    sentence (which names the problem) is not part of the sandwich."""
    lx = _lex()
    if lx.praise_rx is None or lx.praise_rx.search(text, s, e) is None:
        return None       # the opening sentence cannot be praise
    sents = [(m.start(), m.end()) for m in _SENT.finditer(text, s, e)
             if text[m.start():m.end()].strip()][1:]
    if len(sents) < 3:
        return None

    def praise_only(a, b):
        t = text[a:b]
        return _has(t, lx.praise) and not _has(t, lx.flaw)

    first, last = sents[0], sents[-1]
    closing = text[last[0]:last[1]]
    if (praise_only(*first) and praise_only(*last)
            and any(_has(text[a:b], lx.flaw) for a, b in sents[1:-1])
            and _has(closing, lx.closing)):
        return first, last
    return None


def group_severity(group: str) -> str:
    """error for over-dedication and virtue-as-vice, warning for trivial flaws."""
    return _GROUP_SEVERITY[group]


def detect(ctx, item) -> tuple[list[tuple[str, int, int]], tuple | None]:
    """(unexcused hits, sandwich) for a problem item, cached per review."""
    key = (CODE, item.id)
    if key in ctx.cache:
        return ctx.cache[key]
    text = ctx.text
    lo, hi = item.body_start, item.body_start + len(item.text)
    exp = explain(ctx, item)
    hits = [h for h in _hits(text, lo, hi, item_phrases(ctx, item))
            if not _excused(text, h, lo, hi, exp)]
    if any(h[0] == "trivial" for h in hits) and exp.tier == "strong":
        hits = [h for h in hits if h[0] != "trivial"]
    sandwich = None if hits else _sandwich(text, lo, hi)
    ctx.cache[key] = (hits, sandwich)
    return hits, sandwich


def check(ctx, rule):
    text = ctx.text
    orig = ctx.doc.norm.orig_text
    for item in ctx.doc.problems:
        lo, hi = item.body_start, item.body_start + len(item.text)
        hits, sw = detect(ctx, item)
        if hits:
            groups = list(dict.fromkeys(h[0] for h in hits))
            severity = "error" if any(_GROUP_SEVERITY[g] == "error" for g in groups) else "warning"
            phrases = "".join(dict.fromkeys(f"“{orig(a, b)}”" for _g, a, b in hits))
            labels = "、".join(_GROUP_LABEL[g] for g in groups)
            message = (f"{phrases}读起来像表扬而不是缺点（{labels}），"
                       "没有写出对别人或对工作造成了什么损害，容易被认为是“明批暗褒”。")
            suggestion = ("请换成一件真正做得不好的事：它让谁受了影响、耽误了哪项工作？"
                          "如果确实是性子急、要求严一类问题，请写明具体哪一次、对谁、造成了"
                          "什么后果，以及自己当时是怎么想的。")
            s0 = sentence_span(text, hits[0][1], lo, hi)[0]
            e0 = sentence_span(text, hits[-1][1], lo, hi)[1]
            yield ctx.finding(rule, s0, e0, message, suggestion, item=item,
                              severity=severity)
        elif sw:
            opening = orig(*sw[0]).strip()
            closing = orig(*sw[1]).strip()
            message = (f"这一条首尾都是成绩和肯定（“{opening[:20]}”……“{closing[:20]}”），"
                       "缺点夹在中间，整体读起来像表扬（表扬夹心）。")
            suggestion = ("查摆部分只写问题：请删去首尾的成绩和肯定，把中间的缺点写实——"
                          "具体是哪件事？造成了什么影响？当时是怎么想的？")
            yield ctx.finding(rule, item.start, item.end, message, suggestion, item=item,
                              severity="warning")
