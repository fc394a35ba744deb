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

Speed: per item, one Aho–Corasick pass over all phrase lists and one combined regex per
pattern group. The phrase pass is shared (:func:`item_phrases`): one automaton holds
these phrase lists and those of DZ102, DZ104 and DZ105 (their ``phrase_table()``), and
runs over a nibble coding of the text (:func:`service.text.fastscan.coded_tagged_spans`:
at most 16 children a node instead of ~220 at the root, about half the time per
character, the hits exactly those of the separate automata); the coding of the problems'
span is made once per review, the hits are kept per item in ``ctx.cache``, and the rules
read their lists from there (a text with a character outside the BMP has no coding: each
scan then runs plainly). A pattern that Python's re cannot skip through quickly (an
alternation, a leading lookbehind) is tried only where a match can start, judged by its
first two characters (:func:`service.text.fastscan._prefilter`); the time, count and
not-count patterns, whose first characters are common (digits, 一, 上, 有), are
rewritten into the same alternation grouped by first character, which re's own finditer
runs without a Python loop (:func:`service.text.fastscan._factor`), and the not-count
scan stops after the last count. The clauses and quotes of an item are found once and
shared, and the sorted signal list is built only when a rule reads it (the score, the
tier and :attr:`Explanation.counts` need only the counts). :func:`explain` caches per
review in ``ctx.cache``. About 0.04 ms per item (a 5,000-character document with 16
problems: ≈0.65 ms CPU, the shared phrase pass included — it spares DZ102, DZ104 and
DZ105 their own passes, ≈0.1 ms).

Scanning the whole problems section once per pattern instead of once per item (and
re-scanning near the item ends, where a lookaround could see past an item) was measured
and left out: on the benchmark documents the per-item call overhead is ~15 % of the scan
time (all the scans of 16 items: 0.26 ms; once over their section: 0.22 ms), and the
boundary re-scans and the distribution of the matches to the items would take most of it.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from dataclasses import dataclass
from functools import lru_cache
from operator import itemgetter
from typing import Any, Callable, NamedTuple

import ahocorasick

from service.document import Item
from service.review.context import ReviewContext
from service.review.lexicon import PhraseMatcher, load
from service.text.fastscan import (OTHER_DIGIT, coded_tagged_spans, factored_scanner,
                                   nibble_text, plain_scanner, scanner)
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

# a clause: a run of characters between ,;。!?:\n with at least one non-space
_CLAUSE = re.compile(r"[^\S\n]*[^,;。!?:\s][^,;。!?:\n]*")
_SENTENCE_END = re.compile(r"[。;!?\n]")
_QUOTE = re.compile(r"“([^”]{1,80})”")
_CN_NUM = "一二两三四五六七八九十百千万几"
_QUOTE_LOOKBACK = 12
_HARM_NEG_WINDOW = 2   # 不出差错, 没让群众白跑


class Signal(NamedTuple):
    """A signal found in an item (kind "stock": a stock phrase)."""

    kind: str
    start: int      # normalized document offsets
    end: int
    text: str

    @property
    def tier(self) -> str:
        return TIER.get(self.kind, "vague")


class Explanation:
    """What :func:`item_score` saw in one problem item. ``signals`` (sorted by start)
    is built on first use: the score, the tier and what is missing need only the
    number of signals of each kind."""

    __slots__ = ("item_id", "score", "base", "penalty", "_signals", "stock",
                 "headline_stock", "clauses", "stock_clauses", "tier", "missing", "_counts")
    _FIELDS = ("item_id", "score", "base", "penalty", "signals", "stock",
               "headline_stock", "clauses", "stock_clauses", "tier", "missing")

    def __init__(self, item_id: str, score: float, base: float, penalty: float,
                 signals: list[Signal] | Callable[[], list[Signal]],
                 stock: list[Signal], headline_stock: list[Signal], clauses: int,
                 stock_clauses: int, tier: str, missing: list[str] | None = None,
                 counts: dict[str, int] | None = None):
        self.item_id = item_id
        self.score = score
        self.base = base
        self.penalty = penalty
        self._signals = signals            # the list, or a function that builds it
        self.stock = stock                 # stock phrases (kind "stock")
        self.headline_stock = headline_stock   # the stock phrases inside the headline
        self.clauses = clauses
        self.stock_clauses = stock_clauses
        self.tier = tier                   # strong | partial | vague | none
        self.missing = [] if missing is None else missing   # KEY_DIMENSIONS not found
        self._counts = counts

    @property
    def counts(self) -> dict[str, int]:
        """kind → number of signals of that kind (the kinds found only)."""
        c = self._counts
        if c is None:
            c = self._counts = {}
            for x in self.signals:
                c[x.kind] = c.get(x.kind, 0) + 1
        return c

    def has(self, kind: str) -> bool:
        """Whether a signal of ``kind`` was found (``bool(self.found(kind))``)."""
        return kind in self.counts

    @property
    def signals(self) -> list[Signal]:
        sig = self._signals
        if callable(sig):
            sig = self._signals = sig()
        return sig

    def __eq__(self, other: object) -> bool:
        if type(other) is not Explanation:
            return NotImplemented
        return all(getattr(self, f) == getattr(other, f) for f in self._FIELDS)

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return "Explanation(" + ", ".join(f"{f}={getattr(self, f)!r}" for f in self._FIELDS) + ")"

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
    auto: Any                  # the same phrases as a raw automaton: key → (length, kinds)
    abstract_rx: re.Pattern[str] | None
    quote_not_after_rx: re.Pattern[str] | None
    reporting_rx: re.Pattern[str] | None
    harm_neg_rx: re.Pattern[str] | None
    # fast equivalents of finditer (see scanner): text, s, e → non-empty match spans
    stock_sc: Any
    time_sc: Any
    not_counts_sc: Any
    place_sc: Any
    pending_sc: Any
    thinking_free_sc: Any
    harm_sc: Any
    count_sc: Any
    first_person_at: re.Pattern[str]   # first_person_rx, starting with 我 (see lex)


def _rx(key: str) -> tuple[re.Pattern[str], ...]:
    """The patterns of ``key`` as one compiled alternation (one scan per text)."""
    pats = load(LEXICON).get(key) or []
    return (re.compile("|".join(f"(?:{p})" for p in pats)),) if pats else ()


def _any_rx(words) -> re.Pattern[str] | None:
    """A regex that finds any of ``words`` (``any(w in s for w in words)``), or None."""
    return re.compile(_alt(words)) if words else None


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
    # the same matches, starting with the literal 我 so that re can skip to it
    first_person_at = re.compile(rf"我(?<![{not_before}]我)(?!{not_after})")
    rxs = {k: _rx(k) for k in ("stock_patterns", "time_patterns", "not_counts_patterns",
                                "place_patterns", "pending_patterns", "thinking_patterns",
                                "harm_patterns")}
    combined: dict[str, set[str]] = {}
    for key, kind in _PHRASE_KINDS:
        for w in _words(key):
            combined.setdefault(w, set()).add(kind)
    # the phrases automaton again, with (length, kinds) payloads so that a pass needs no
    # Hit objects (same keys and order as PhraseMatcher: normalized, empty ones skipped)
    auto = ahocorasick.Automaton()
    for w, kinds in combined.items():
        key = normalize_phrase(str(w))
        if key:
            auto.add_word(key, (len(key), tuple(kinds)))
    if len(auto):
        auto.make_automaton()
    else:
        auto = None
    return _Lex(
        stock=PhraseMatcher(list(_words("stock"))),
        stock_rx=rxs["stock_patterns"],
        vague_time=PhraseMatcher(list(_words("vague_time"))),
        time_rx=rxs["time_patterns"],
        count_rx=count_rx,
        not_counts=PhraseMatcher(list(_words("not_counts"))),
        not_counts_rx=rxs["not_counts_patterns"],
        reporting=_words("reporting_verbs"),
        quote_suffixes=_words("quote_suffixes"),
        quote_not_after=_words("quote_not_after"),
        places=PhraseMatcher(list(_words("places"))),
        place_rx=rxs["place_patterns"],
        pending_rx=rxs["pending_patterns"],
        behaviour_rx=re.compile(_alt(_words("behaviour_verbs"))),
        thinking_rx=re.compile(_alt(_words("thinking_verbs"))),
        thinking_free_rx=rxs["thinking_patterns"],
        abstract=_words("abstract_words"),
        first_person_rx=first_person_rx,
        harm=PhraseMatcher(list(_words("harm"))),
        harm_rx=rxs["harm_patterns"],
        harm_negations=_words("harm_negations"),
        consequence=PhraseMatcher(list(_words("consequence"))),
        example=PhraseMatcher(list(_words("example"))),
        phrases=PhraseMatcher({w: frozenset(k) for w, k in combined.items()}),
        auto=auto,
        abstract_rx=_any_rx(_words("abstract_words")),
        quote_not_after_rx=_any_rx(_words("quote_not_after")),
        reporting_rx=_any_rx(_words("reporting_verbs")),
        harm_neg_rx=_any_rx(_words("harm_negations")),
        # stock patterns start with literals: re's own scan is faster there
        stock_sc=plain_scanner(rxs["stock_patterns"][0] if rxs["stock_patterns"] else None),
        # many possible first characters (digits, 一, 上, 有 …): factored (see below)
        time_sc=factored_scanner(rxs["time_patterns"][0] if rxs["time_patterns"] else None),
        not_counts_sc=factored_scanner(rxs["not_counts_patterns"][0]
                                        if rxs["not_counts_patterns"] else None, until=True),
        place_sc=scanner(rxs["place_patterns"][0] if rxs["place_patterns"] else None),
        pending_sc=scanner(rxs["pending_patterns"][0] if rxs["pending_patterns"] else None),
        thinking_free_sc=scanner(rxs["thinking_patterns"][0]
                                  if rxs["thinking_patterns"] else None),
        harm_sc=scanner(rxs["harm_patterns"][0] if rxs["harm_patterns"] else None),
        count_sc=factored_scanner(count_rx),
        first_person_at=first_person_at,
    )


# --------------------------------------------------------------------------- helpers

def _overlaps(spans: list[tuple[int, int]], s: int, e: int) -> bool:
    for a, b in spans:
        if a < e and s < b:
            return True
    return False


def _without_overlaps(spans: list[tuple[int, int]], mask: list[tuple[int, int]]
                      ) -> list[tuple[int, int]]:
    """The spans that overlap no span of ``mask`` (non-empty spans)."""
    if not mask:
        return spans
    if len(mask) < 4:
        return [(a, b) for a, b in spans if not _overlaps(mask, a, b)]
    # by start, with the furthest end so far: a span (a, b) overlaps the mask iff some
    # mask span starting before b ends after a
    mask = sorted(mask)
    starts = [a for a, _b in mask]
    reach = []
    far = -1
    for _a, b in mask:
        far = b if b > far else far
        reach.append(far)
    out = []
    for a, b in spans:
        i = bisect_left(starts, b)
        if not i or reach[i - 1] <= a:
            out.append((a, b))
    return out


def _merge_longest(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Overlapping spans resolved to the longest, leftmost first."""
    if len(spans) < 2:
        return list(spans)
    out: list[tuple[int, int]] = []
    # by start; of the spans sharing a start the longer ones come later and replace
    # the shorter (the same result as taking the longest first)
    for s, e in sorted(spans):
        if out and s < out[-1][1]:
            if e - s > out[-1][1] - out[-1][0] and s == out[-1][0]:
                out[-1] = (s, e)
            continue
        out.append((s, e))
    return out


def quote_spans(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """Spans of “…” (quotes included) in ``text[start:end]``."""
    if text.find("“", start, end) < 0:
        return []
    return [m.span() for m in _QUOTE.finditer(text, start, end)]


def clauses(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """The clauses (between ，；。！？：) of ``text[start:end]``."""
    return [m.span() for m in _CLAUSE.finditer(text, start, end)]


def sentence_span(text: str, pos: int, lo: int, hi: int) -> tuple[int, int]:
    """The sentence (between 。；！？ or line ends) containing ``pos``, within [lo, hi)."""
    s = lo
    for m in _SENTENCE_END.finditer(text, lo, pos):
        s = m.end()
    m = _SENTENCE_END.search(text, pos, hi)
    return s, (m.end() if m else hi)


def _first_person(text: str, start: int, end: int, quotes: list[tuple[int, int]]) -> list[int]:
    found = [m.start() for m in lex().first_person_at.finditer(text, start, end)]
    if not quotes or not found:
        return found
    return [a for a in found if not _overlaps(quotes, a, a + 1)]


def first_person(text: str, start: int, end: int) -> list[int]:
    """Positions of 我 as the member (not 我们/我市/自我/inside quotes) in [start, end)."""
    return _first_person(text, start, end, quote_spans(text, start, end))


def _phrase_hits(text: str, start: int, end: int) -> dict[str, list[tuple[int, int]]]:
    """One Aho–Corasick pass over every phrase list: kind → raw spans."""
    out: dict[str, list[tuple[int, int]]] = {kind: [] for _key, kind in _PHRASE_KINDS}
    auto = lex().auto
    if auto is None:
        return out
    for last, (n, kinds) in auto.iter(text, start, end):
        span = (last - n + 1, last + 1)
        for kind in kinds:
            out[kind].append(span)
    return out


_MISSING = object()


@lru_cache(maxsize=None)
def _item_pass():
    """One nibble-coded automaton (see :func:`service.text.fastscan.coded_tagged_spans`)
    for the phrase lists above and those of every rule with a ``phrase_table()``
    (service.review.registry), or None."""
    table: dict[str, tuple[str, ...]] = {}
    auto = lex().auto
    if auto is not None:
        for key, (_n, kinds) in auto.items():
            table[key] = kinds
    from service.review.registry import all_rules   # the rules import this module

    for rule in all_rules():
        if rule.phrase_table is not None:
            for key, tags in rule.phrase_table().items():
                table[key] = table.get(key, ()) + tags
    return coded_tagged_spans(table)


def item_phrases(ctx: ReviewContext, item: Item) -> dict[str, list[tuple[int, int]]] | None:
    """The phrase hits of a problem item for every phrase list of the item pass (tag →
    spans, each list in the order of its own automaton; a list without hits is
    absent), from one coded automaton
    pass; None when the text has no nibble coding. Cached per review in ``ctx.cache``,
    with the coding of the problems' span of the text."""
    cache = ctx.cache
    key = ("phrases", item.id)
    out = cache.get(key, _MISSING)
    if out is not _MISSING:
        return out
    nt = cache.get("nibble", _MISSING)
    if nt is _MISSING:
        problems = ctx.doc.problems
        nt = None
        if problems:
            lo = min(p.body_start for p in problems)
            hi = max(p.body_start + len(p.text) for p in problems)
            nt = nibble_text(ctx.text, lo, hi)
        cache["nibble"] = nt
    s = item.body_start
    e = s + len(item.text)
    find = _item_pass()
    out = None if nt is None or find is None or s < nt.base or e > nt.end else find(nt, s, e)
    cache[key] = out
    return out


def _stock(text: str, start: int, end: int, raw: list[tuple[int, int]]) -> list[tuple[int, int]]:
    return _merge_longest(raw + lex().stock_sc(text, start, end))


def _harm(text: str, start: int, end: int, raw: list[tuple[int, int]]) -> list[tuple[int, int]]:
    lx = lex()
    spans = _merge_longest(raw + lx.harm_sc(text, start, end))
    neg = lx.harm_neg_rx
    if neg is None or not spans:
        return spans
    return [(a, b) for a, b in spans
            if not neg.search(text, max(start, a - _HARM_NEG_WINDOW), a)]


def stock_phrases(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """Stock-phrase spans (lexicon ``stock`` + ``stock_patterns``), longest kept."""
    return _stock(text, start, end, [(h.start, h.end) for h in lex().stock.iter(text, start, end)])


def harm_spans(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """Harm-to-others-or-the-work phrases (lexicon ``harm`` + ``harm_patterns``), minus
    negated ones (不出差错)."""
    return _harm(text, start, end, [(h.start, h.end) for h in lex().harm.iter(text, start, end)])


# --------------------------------------------------------------------------- signals

def _times(text: str, s: int, e: int, raw_vague: list[tuple[int, int]], checked: bool):
    strong = lex().time_sc(text, s, e, checked)     # finditer's matches: already apart
    if not raw_vague:
        return strong, []
    vague = [(a, b) for a, b in _merge_longest(raw_vague) if not _overlaps(strong, a, b)]
    return strong, vague


def _counts(text: str, s: int, e: int, masked: list[tuple[int, int]],
            checked: bool) -> list[tuple[int, int]]:
    lx = lex()
    found = lx.count_sc(text, s, e, checked)
    if not found:
        return []
    # a not-count starting after the last count cannot mask it: the scan stops there
    return _without_overlaps(found, masked + lx.not_counts_sc(text, s, e, found[-1][1], checked))


def _others_quotes(text: str, s: int, e: int,
                   quotes: list[tuple[int, int]]) -> list[tuple[int, int]]:
    lx = lex()
    out = []
    not_after, reporting, suffixes = lx.quote_not_after_rx, lx.reporting_rx, lx.quote_suffixes
    for qs, qe in quotes:
        # max(start of the quote's sentence, qs - _QUOTE_LOOKBACK)
        b0 = max(s, qs - _QUOTE_LOOKBACK)
        for m in _SENTENCE_END.finditer(text, b0, qs):
            b0 = m.end()
        if not_after is not None and not_after.search(text, b0, qs):
            continue
        if ((reporting is not None and reporting.search(text, b0, qs))
                or text[qe:qe + 4].startswith(suffixes)):
            out.append((qs, qe))
    return out


def others_quotes(text: str, s: int, e: int) -> list[tuple[int, int]]:
    """Quotes that report somebody's words: a reporting verb shortly before (same
    sentence, no leader/提法 word in between) or 的意见/的批评 right after."""
    return _others_quotes(text, s, e, quote_spans(text, s, e))


def _behaviour_and_thinking(text: str, s: int, e: int, stock: list[tuple[int, int]],
                            cl: list[tuple[int, int]], quotes: list[tuple[int, int]]):
    """Clauses where 我 acts (behaviour) or thinks (thinking). A 我 carries over to
    the following clauses of its sentence (Chinese drops the repeated subject)."""
    lx = lex()
    behaviour, thinking = [], []
    fp = _first_person(text, s, e, quotes)
    # both are plain word lists: none in the item means none in any of its clauses
    if fp:
        think = lx.thinking_rx.search(text, s, e) is not None
        act = lx.behaviour_rx.search(text, s, e) is not None
    if fp and (think or act):
        nfp = len(fp)
        thinking_rx, behaviour_rx, abstract_rx = lx.thinking_rx, lx.behaviour_rx, lx.abstract_rx
        sentence_end = _SENTENCE_END.search
        for cs, ce in cl:
            i = bisect_left(fp, cs)
            if i < nfp and fp[i] < ce:
                p = fp[i]
            else:
                if not i or sentence_end(text, fp[i - 1], cs):
                    continue
                p = cs
            if think and thinking_rx.search(text, p, ce):
                thinking.append((p, ce))
            if (act and behaviour_rx.search(text, p, ce)
                    and not (abstract_rx is not None and abstract_rx.search(text, p, ce))
                    and (not stock or not _overlaps(stock, p, ce))):
                behaviour.append((p, ce))
    for cs, ce in lx.thinking_free_sc(text, s, e):
        if not _overlaps(thinking, cs, ce):
            thinking.append((cs, ce))
    return behaviour, thinking


_BY_START = itemgetter(1, 0)   # a Signal → (start, kind)
# best tier first; "pending" signals never set the tier
_TIER_RANK = {kind: TIER_ORDER.index(t) if t in TIER_ORDER else len(TIER_ORDER) - 1
              for kind, t in TIER.items()}


def _collect(text: str, s: int, e: int, cl: list[tuple[int, int]], phrases=None):
    """(spans of each kind with at least one, in the order of WEIGHTS; stock-phrase
    spans). ``phrases``: the item pass's hits (:func:`item_phrases`), if known."""
    lx = lex()
    if phrases is None:
        raw = _phrase_hits(text, s, e)
    else:      # the item pass leaves out the kinds without hits
        raw = {kind: phrases.get(kind) or [] for _key, kind in _PHRASE_KINDS}
    stock = _stock(text, s, e, raw["stock"])
    quotes = quote_spans(text, s, e)
    # one test for the three factored scanners (see factored_scanner)
    checked = OTHER_DIGIT.search(text, s, e) is None
    strong_t, vague_t = _times(text, s, e, raw["vague_time"], checked)
    behaviour, thinking = _behaviour_and_thinking(text, s, e, stock, cl, quotes)
    found = (     # in the order of WEIGHTS
        ("time", strong_t),
        ("count", _counts(text, s, e, strong_t + raw["not_counts"], checked)),
        ("quote", _others_quotes(text, s, e, quotes) if quotes else ()),
        ("behaviour", behaviour),
        ("place", _merge_longest(raw["place"] + lx.place_sc(text, s, e))),
        ("harm", _harm(text, s, e, raw["harm"])),
        ("thinking", thinking),
        ("vague_time", vague_t),
        ("consequence", _merge_longest(raw["consequence"])),
        ("example", _merge_longest(raw["example"])),
        ("pending", lx.pending_sc(text, s, e)),
    )
    return [(kind, spans) for kind, spans in found if spans], stock


def _signals(text: str, found) -> list[Signal]:
    """The signals of ``found`` (kind, spans), sorted by start (then kind)."""
    out: list[Signal] = []
    new = tuple.__new__
    for kind, spans in found:
        out += [new(Signal, (kind, a, b, text[a:b])) for a, b in spans]
    out.sort(key=_BY_START)
    return out


def analyse(text: str, start: int, end: int, item_id: str = "",
            headline_end: int | None = None, phrases=None) -> Explanation:
    """The explanation for any span of a normalized text (used by :func:`explain`;
    ``phrases``: :func:`item_phrases` of that span, if known)."""
    cl = clauses(text, start, end)
    found, stock_sp = _collect(text, start, end, cl, phrases)
    counts = {kind: len(spans) for kind, spans in found}
    base = 0.0
    for kind, n in counts.items():       # WEIGHTS order; absent kinds add 0
        w, cap = WEIGHTS[kind]
        base += w * min(n, cap)
    base = min(1.0, base)
    stock_cl = 0
    if stock_sp:
        # both lists are sorted and their spans disjoint: one sweep
        j, n = 0, len(stock_sp)
        for cs, ce in cl:
            while j < n and stock_sp[j][1] <= cs:
                j += 1
            if j == n:
                break
            if stock_sp[j][0] < ce:
                stock_cl += 1
    penalty = STOCK_PENALTY * stock_cl / len(cl) if cl else 0.0
    score = max(0.0, min(1.0, base - penalty))
    if stock_sp:
        new = tuple.__new__      # Signal's own __new__ is a Python-level call
        stock = [new(Signal, ("stock", a, b, text[a:b])) for a, b in stock_sp]
        hl_end = headline_end if headline_end is not None else end
        headline_stock = [x for x in stock if x.start < hl_end]
    else:
        stock, headline_stock = [], []
    tier = TIER_ORDER[min([_TIER_RANK[k] for k in counts], default=len(TIER_ORDER) - 1)]
    missing = [k for k in KEY_DIMENSIONS if k not in counts]
    return Explanation(item_id, score, base, penalty, lambda: _signals(text, found), stock,
                       headline_stock, len(cl), stock_cl, tier, missing, counts)


def explain(ctx: ReviewContext, item: Item) -> Explanation:
    """Which concrete signals ``item`` has, which key dimensions are missing, its stock
    phrases and its score (cached per review in ``ctx.cache``)."""
    key = ("specificity", item.id)
    hit = ctx.cache.get(key)
    if hit is not None:
        return hit
    start = item.body_start
    end = item.body_start + len(item.text)
    exp = analyse(ctx.text, start, end, item.id, start + len(item.headline),
                  item_phrases(ctx, item))
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
