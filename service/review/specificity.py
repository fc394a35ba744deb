"""Per-item specificity: how concrete a problem item is (见人见事见思想, domain.md Q4, Q6).

A problem is specific when it names a person (我), an event (what, when, how many, with
what effect) and the thinking behind it. This module finds those *concrete signals* in an
item's text and turns them into a score in [0, 1] that a member can follow: every point
comes from a phrase the member wrote, and :func:`explain` lists what was found and what is
missing. All phrase lists are data: ``lexicons/formulaic.yaml``.

Signals and tiers
-----------------
============  =======  ======  ===  =====================================================
kind          tier     weight  cap  what counts
============  =======  ======  ===  =====================================================
time          strong   0.20    2    3月, 9月中旬, 2021年, 第二季度, 上半年, 春节前, 那次
count         strong   0.20    2    12次, 32户, 5名, 两三句, 3天 (an Arabic number, or a
                                    Chinese numeral + unit); 四个意识, 十九届六中全会,
                                    作为一名党员 … are masked first
quote         strong   0.15    1    others' words: 群众反映“…”, 在意见簿上写了“来回跑”
                                    (a reporting verb before the quote; a leader's words
                                    or a 提法 in quotes do not count)
behaviour     partial  0.15    2    a clause with 我 as actor + a concrete act: 我…缺席/
                                    推迟/只/没有… (not 我没有真正做到…: abstract words
                                    and stock phrases disqualify the clause). 我 carries
                                    over to the next clauses of its sentence (我下基层少，
                                    对……只转给了水利站); 我们/我市/自我/“我为群众办实事”
                                    are not the member
place         partial  0.10    2    窗口, 党小组会, 集中学习, 台账, 项目, 《书名》 …
harm          partial  0.15    1    harm to others or to the work: 投诉, 延误, 返工 …
thinking      partial  0.10    1    我当时想/觉得/认为…, 认为…就行 (见思想)
vague_time    vague    0.05    1    今年以来, 近期, 去年 (a period, not an occasion)
consequence   vague    0.05    1    导致, 造成, 致使 (often followed by an empty phrase)
example       vague    0.05    1    比如, 例如
pending       pending  0       0    【待补：……】 — a fact the member still has to supply
                                    (scores nothing; DZ101 leaves the item to the
                                    placeholder rule)
============  =======  ======  ===  =====================================================

Formula
-------
``base    = min(1, Σ_kind weight × min(hits, cap))``

``penalty = 0.4 × stock_clauses / clauses``, where *clauses* are the item's pieces
between ，；。！？： and *stock_clauses* those containing a stock phrase (不够深入,
有待提高, 有所松懈, 缺乏…精神, 站位不高 …).

``score   = clamp(base − penalty, 0, 1)``, rounded to 2 decimals by the engine; the
document score is the mean over problem items (engine).

So a bare "理论学习不够深入。" scores 0; an item with a month, two counts and two things
the member did scores 1 even if its headline is 落实组织生活不够严格.

The *tier* of an item is the best tier among its signals (strong > partial > vague >
none); DZ101 uses it to decide error / warning / pass.

Speed: one Aho–Corasick pass over all phrase lists and one combined regex per pattern
group per item; :func:`explain` caches per review in ``ctx.cache``. About 0.08 ms per
item (a 5,000-character document with 16 problems: ≈1.3 ms CPU).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from service.document import Item
from service.review.context import ReviewContext
from service.review.lexicon import PhraseMatcher, load
from service.text.normalize import normalize_phrase

LEXICON = "formulaic"

TIER = {
    "time": "strong", "count": "strong", "quote": "strong",
    "behaviour": "partial", "place": "partial", "harm": "partial", "thinking": "partial",
    "vague_time": "vague", "consequence": "vague", "example": "vague",
    "pending": "pending",
}
# kind → (weight, cap): see the module docstring
WEIGHTS: dict[str, tuple[float, int]] = {
    "time": (0.20, 2), "count": (0.20, 2), "quote": (0.15, 1),
    "behaviour": (0.15, 2), "place": (0.10, 2), "harm": (0.15, 1), "thinking": (0.10, 1),
    "vague_time": (0.05, 1), "consequence": (0.05, 1), "example": (0.05, 1),
    "pending": (0.0, 0),
}
STOCK_PENALTY = 0.4
TIER_ORDER = ("strong", "partial", "vague", "none")   # "pending" signals never set the tier
# the dimensions a member is asked about when they are missing (DZ101's questions)
KEY_DIMENSIONS = ("time", "count", "behaviour", "harm", "thinking")

# Chinese names of the signal kinds (for messages and explanations)
LABELS = {
    "time": "时间", "count": "数量", "quote": "他人原话", "behaviour": "本人具体行为",
    "place": "场合/对象", "harm": "造成的影响", "thinking": "当时的想法",
    "vague_time": "模糊时间", "consequence": "后果连接词", "example": "举例",
    "pending": "待补事实",
}

_CLAUSE = re.compile(r"[^,;。!?:\n]+")
_SENTENCE_END = re.compile(r"[。;!?\n]")
_QUOTE = re.compile(r"“([^”]{1,80})”")
_CN_NUM = "一二两三四五六七八九十百千万几"
_QUOTE_LOOKBACK = 12
_HARM_NEG_WINDOW = 2   # 不出差错, 没让群众白跑


@dataclass(frozen=True, slots=True)
class Signal:
    kind: str
    start: int      # normalized document offsets
    end: int
    text: str

    @property
    def tier(self) -> str:
        return TIER.get(self.kind, "vague")


@dataclass
class Explanation:
    """What :func:`item_score` saw in one problem item."""

    item_id: str
    score: float
    base: float
    penalty: float
    signals: list[Signal]
    stock: list[Signal]            # stock phrases (kind "stock")
    headline_stock: list[Signal]   # the stock phrases inside the headline
    clauses: int
    stock_clauses: int
    tier: str                      # strong | partial | vague | none
    missing: list[str] = field(default_factory=list)   # KEY_DIMENSIONS not found

    def found(self, kind: str | None = None) -> list[Signal]:
        return [s for s in self.signals if kind is None or s.kind == kind]

    def kinds(self) -> set[str]:
        return {s.kind for s in self.signals}

    def count(self, tier: str) -> int:
        return sum(1 for s in self.signals if s.tier == tier)

    def to_dict(self) -> dict[str, Any]:
        found: dict[str, list[str]] = {}
        for s in self.signals:
            found.setdefault(s.kind, []).append(s.text)
        return {
            "item": self.item_id, "score": round(self.score, 2),
            "base": round(self.base, 2), "penalty": round(self.penalty, 2),
            "tier": self.tier, "found": found,
            "missing": list(self.missing),
            "stock": [s.text for s in self.stock],
            "clauses": self.clauses, "stock_clauses": self.stock_clauses,
        }


# --------------------------------------------------------------------------- lexicon

def _words(key: str) -> tuple[str, ...]:
    return tuple(normalize_phrase(str(w)) for w in (load(LEXICON).get(key) or []))


def _alt(words) -> str:
    """A regex alternation, longest first."""
    return "|".join(re.escape(w) for w in sorted(set(words), key=len, reverse=True))


@dataclass(frozen=True)
class _Lex:
    stock: PhraseMatcher
    stock_rx: tuple[re.Pattern[str], ...]
    vague_time: PhraseMatcher
    time_rx: tuple[re.Pattern[str], ...]
    count_rx: re.Pattern[str]
    not_counts: PhraseMatcher
    not_counts_rx: tuple[re.Pattern[str], ...]
    reporting: tuple[str, ...]
    quote_suffixes: tuple[str, ...]
    quote_not_after: tuple[str, ...]
    places: PhraseMatcher
    place_rx: tuple[re.Pattern[str], ...]
    pending_rx: tuple[re.Pattern[str], ...]
    behaviour_rx: re.Pattern[str]
    thinking_rx: re.Pattern[str]
    thinking_free_rx: tuple[re.Pattern[str], ...]
    abstract: tuple[str, ...]
    first_person_rx: re.Pattern[str]
    harm: PhraseMatcher
    harm_rx: tuple[re.Pattern[str], ...]
    harm_negations: tuple[str, ...]
    consequence: PhraseMatcher
    example: PhraseMatcher
    phrases: PhraseMatcher     # every phrase list above, payload = the kinds it belongs to


def _rx(key: str) -> tuple[re.Pattern[str], ...]:
    """The patterns of ``key`` as one compiled alternation (one scan per text)."""
    pats = load(LEXICON).get(key) or []
    return (re.compile("|".join(f"(?:{p})" for p in pats)),) if pats else ()


# lexicon key → signal kind, scanned together in one Aho–Corasick pass per item
_PHRASE_KINDS = (("stock", "stock"), ("vague_time", "vague_time"), ("not_counts", "not_counts"),
                 ("places", "place"), ("harm", "harm"), ("consequence", "consequence"),
                 ("example", "example"))


@lru_cache(maxsize=1)
def lex() -> _Lex:
    units = _alt(_words("units"))
    one_units = _alt(_words("one_units"))
    # lookbehinds sit after the first character so the alternation keeps a
    # first-character prefix (several times faster on long texts)
    count_rx = re.compile(
        r"\d+(?:\.\d+)?%?"
        rf"|[二两三四五六七八九十百千万半](?<![{_CN_NUM}][二两三四五六七八九十百千万半])"
        rf"[{_CN_NUM}]*(?:{units})"
        rf"|一(?<![{_CN_NUM}]一)(?:[{_CN_NUM}]+(?:{units})|(?:{one_units}))"
    )
    not_after = _alt(_words("first_person_not"))
    not_before = "".join(re.escape(c) for c in _words("first_person_not_before"))
    first_person_rx = re.compile(rf"(?<![{not_before}])我(?!{not_after})")
    combined: dict[str, set[str]] = {}
    for key, kind in _PHRASE_KINDS:
        for w in _words(key):
            combined.setdefault(w, set()).add(kind)
    return _Lex(
        stock=PhraseMatcher(list(_words("stock"))),
        stock_rx=_rx("stock_patterns"),
        vague_time=PhraseMatcher(list(_words("vague_time"))),
        time_rx=_rx("time_patterns"),
        count_rx=count_rx,
        not_counts=PhraseMatcher(list(_words("not_counts"))),
        not_counts_rx=_rx("not_counts_patterns"),
        reporting=_words("reporting_verbs"),
        quote_suffixes=_words("quote_suffixes"),
        quote_not_after=_words("quote_not_after"),
        places=PhraseMatcher(list(_words("places"))),
        place_rx=_rx("place_patterns"),
        pending_rx=_rx("pending_patterns"),
        behaviour_rx=re.compile(_alt(_words("behaviour_verbs"))),
        thinking_rx=re.compile(_alt(_words("thinking_verbs"))),
        thinking_free_rx=_rx("thinking_patterns"),
        abstract=_words("abstract_words"),
        first_person_rx=first_person_rx,
        harm=PhraseMatcher(list(_words("harm"))),
        harm_rx=_rx("harm_patterns"),
        harm_negations=_words("harm_negations"),
        consequence=PhraseMatcher(list(_words("consequence"))),
        example=PhraseMatcher(list(_words("example"))),
        phrases=PhraseMatcher({w: frozenset(k) for w, k in combined.items()}),
    )


# --------------------------------------------------------------------------- helpers

def _overlaps(spans: list[tuple[int, int]], s: int, e: int) -> bool:
    return any(a < e and s < b for a, b in spans)


def _merge_longest(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Overlapping spans resolved to the longest, leftmost first."""
    out: list[tuple[int, int]] = []
    for s, e in sorted(spans, key=lambda x: (x[0], -(x[1] - x[0]))):
        if out and s < out[-1][1]:
            if e - s > out[-1][1] - out[-1][0] and s == out[-1][0]:
                out[-1] = (s, e)
            continue
        out.append((s, e))
    return out


def _rx_spans(rxs, text: str, start: int, end: int) -> list[tuple[int, int]]:
    out = []
    for rx in rxs:
        for m in rx.finditer(text, start, end):
            if m.end() > m.start():
                out.append((m.start(), m.end()))
    return out


def quote_spans(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """Spans of “…” (quotes included) in ``text[start:end]``."""
    return [(m.start(), m.end()) for m in _QUOTE.finditer(text, start, end)]


def clauses(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """The clauses (between ，；。！？：) of ``text[start:end]``."""
    return [(m.start(), m.end()) for m in _CLAUSE.finditer(text, start, end)
            if text[m.start():m.end()].strip()]


def sentence_span(text: str, pos: int, lo: int, hi: int) -> tuple[int, int]:
    """The sentence (between 。；！？ or line ends) containing ``pos``, within [lo, hi)."""
    s = lo
    for m in _SENTENCE_END.finditer(text, lo, pos):
        s = m.end()
    m = _SENTENCE_END.search(text, pos, hi)
    return s, (m.end() if m else hi)


def first_person(text: str, start: int, end: int) -> list[int]:
    """Positions of 我 as the member (not 我们/我市/自我/inside quotes) in [start, end)."""
    quotes = quote_spans(text, start, end)
    return [m.start() for m in lex().first_person_rx.finditer(text, start, end)
            if not _overlaps(quotes, m.start(), m.end())]


def _phrase_hits(text: str, start: int, end: int) -> dict[str, list[tuple[int, int]]]:
    """One Aho–Corasick pass over every phrase list: kind → raw spans."""
    out: dict[str, list[tuple[int, int]]] = {kind: [] for _key, kind in _PHRASE_KINDS}
    for h in lex().phrases.iter(text, start, end):
        for kind in h.payload:
            out[kind].append((h.start, h.end))
    return out


def _stock(text: str, start: int, end: int, raw: list[tuple[int, int]]) -> list[tuple[int, int]]:
    return _merge_longest(raw + _rx_spans(lex().stock_rx, text, start, end))


def _harm(text: str, start: int, end: int, raw: list[tuple[int, int]]) -> list[tuple[int, int]]:
    lx = lex()
    spans = _merge_longest(raw + _rx_spans(lx.harm_rx, text, start, end))
    return [(a, b) for a, b in spans
            if not any(w in text[max(start, a - _HARM_NEG_WINDOW):a] for w in lx.harm_negations)]


def stock_phrases(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """Stock-phrase spans (lexicon ``stock`` + ``stock_patterns``), longest kept."""
    return _stock(text, start, end, [(h.start, h.end) for h in lex().stock.iter(text, start, end)])


def harm_spans(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """Harm-to-others-or-the-work phrases (lexicon ``harm`` + ``harm_patterns``), minus
    negated ones (不出差错)."""
    return _harm(text, start, end, [(h.start, h.end) for h in lex().harm.iter(text, start, end)])


# --------------------------------------------------------------------------- signals

def _times(text: str, s: int, e: int, raw_vague: list[tuple[int, int]]):
    strong = _merge_longest(_rx_spans(lex().time_rx, text, s, e))
    vague = [(a, b) for a, b in _merge_longest(raw_vague) if not _overlaps(strong, a, b)]
    return strong, vague


def _counts(text: str, s: int, e: int, masked: list[tuple[int, int]]) -> list[tuple[int, int]]:
    lx = lex()
    found = [(m.start(), m.end()) for m in lx.count_rx.finditer(text, s, e)]
    if not found:
        return []
    mask = masked + _rx_spans(lx.not_counts_rx, text, s, e)
    return [(a, b) for a, b in found if not _overlaps(mask, a, b)]


def others_quotes(text: str, s: int, e: int) -> list[tuple[int, int]]:
    """Quotes that report somebody's words: a reporting verb shortly before (same
    sentence, no leader/提法 word in between) or 的意见/的批评 right after."""
    lx = lex()
    out = []
    for qs, qe in quote_spans(text, s, e):
        sent_s, _ = sentence_span(text, qs, s, e)
        before = text[max(sent_s, qs - _QUOTE_LOOKBACK):qs]
        after = text[qe:qe + 4]
        if any(w in before for w in lx.quote_not_after):
            continue
        if any(w in before for w in lx.reporting) or any(after.startswith(w) for w in lx.quote_suffixes):
            out.append((qs, qe))
    return out


def _behaviour_and_thinking(text: str, s: int, e: int, stock: list[tuple[int, int]]):
    """Clauses where 我 acts (behaviour) or thinks (thinking). A 我 carries over to
    the following clauses of its sentence (Chinese drops the repeated subject)."""
    lx = lex()
    behaviour, thinking = [], []
    fp = first_person(text, s, e)
    if fp:
        for cs, ce in clauses(text, s, e):
            mine = [p for p in fp if cs <= p < ce]
            if mine:
                p = mine[0]
            else:
                prev = [q for q in fp if q < cs]
                if not prev or _SENTENCE_END.search(text, prev[-1], cs):
                    continue
                p = cs
            tail = text[p:ce]
            if lx.thinking_rx.search(tail):
                thinking.append((p, ce))
            if (lx.behaviour_rx.search(tail) and not any(w in tail for w in lx.abstract)
                    and not _overlaps(stock, p, ce)):
                behaviour.append((p, ce))
    for cs, ce in _rx_spans(lx.thinking_free_rx, text, s, e):
        if not _overlaps(thinking, cs, ce):
            thinking.append((cs, ce))
    return behaviour, thinking


def _collect(text: str, s: int, e: int) -> tuple[list[Signal], list[tuple[int, int]]]:
    lx = lex()
    raw = _phrase_hits(text, s, e)
    stock = _stock(text, s, e, raw["stock"])
    sig: list[tuple[str, int, int]] = []
    strong_t, vague_t = _times(text, s, e, raw["vague_time"])
    sig += [("time", a, b) for a, b in strong_t]
    sig += [("vague_time", a, b) for a, b in vague_t]
    sig += [("count", a, b) for a, b in _counts(text, s, e, strong_t + raw["not_counts"])]
    sig += [("quote", a, b) for a, b in others_quotes(text, s, e)]
    places = _merge_longest(raw["place"] + _rx_spans(lx.place_rx, text, s, e))
    sig += [("place", a, b) for a, b in places]
    sig += [("harm", a, b) for a, b in _harm(text, s, e, raw["harm"])]
    behaviour, thinking = _behaviour_and_thinking(text, s, e, stock)
    sig += [("behaviour", a, b) for a, b in behaviour]
    sig += [("thinking", a, b) for a, b in thinking]
    sig += [("consequence", a, b) for a, b in _merge_longest(raw["consequence"])]
    sig += [("example", a, b) for a, b in _merge_longest(raw["example"])]
    sig += [("pending", a, b) for a, b in _rx_spans(lx.pending_rx, text, s, e)]
    signals = [Signal(k, a, b, text[a:b]) for k, a, b in sorted(sig, key=lambda x: (x[1], x[0]))]
    return signals, stock


def analyse(text: str, start: int, end: int, item_id: str = "",
            headline_end: int | None = None) -> Explanation:
    """The explanation for any span of a normalized text (used by :func:`explain`)."""
    signals, stock_sp = _collect(text, start, end)
    base = 0.0
    for kind, (w, cap) in WEIGHTS.items():
        n = sum(1 for x in signals if x.kind == kind)
        base += w * min(n, cap)
    base = min(1.0, base)
    cl = clauses(text, start, end)
    stock_cl = sum(1 for cs, ce in cl if _overlaps(stock_sp, cs, ce))
    penalty = STOCK_PENALTY * stock_cl / len(cl) if cl else 0.0
    score = max(0.0, min(1.0, base - penalty))
    stock = [Signal("stock", a, b, text[a:b]) for a, b in stock_sp]
    hl_end = headline_end if headline_end is not None else end
    headline_stock = [x for x in stock if x.start < hl_end]
    tiers = {x.tier for x in signals}
    tier = next((t for t in TIER_ORDER[:-1] if t in tiers), "none")
    kinds = {x.kind for x in signals}
    missing = [k for k in KEY_DIMENSIONS if k not in kinds]
    return Explanation(item_id=item_id, score=score, base=base, penalty=penalty,
                       signals=signals, stock=stock, headline_stock=headline_stock,
                       clauses=len(cl), stock_clauses=stock_cl, tier=tier, missing=missing)


def explain(ctx: ReviewContext, item: Item) -> Explanation:
    """Which concrete signals ``item`` has, which key dimensions are missing, its stock
    phrases and its score (cached per review in ``ctx.cache``)."""
    key = ("specificity", item.id)
    hit = ctx.cache.get(key)
    if hit is not None:
        return hit
    start = item.body_start
    end = item.body_start + len(item.text)
    exp = analyse(ctx.text, start, end, item.id, start + len(item.headline))
    ctx.cache[key] = exp
    return exp


def item_score(ctx: ReviewContext, item: Item) -> float:
    """A score in [0, 1]; higher is more specific (see the module docstring)."""
    return explain(ctx, item).score


def signals(item: Item) -> dict[str, int]:
    """Signal counts per kind for a lone item (no context needed)."""
    exp = analyse(item.text, 0, len(item.text), item.id, len(item.headline))
    out = {k: 0 for k in WEIGHTS}
    for s in exp.signals:
        out[s.kind] += 1
    return out
