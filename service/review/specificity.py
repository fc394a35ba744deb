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
group per item; a pattern that Python's re cannot skip through quickly (an alternation,
a leading lookbehind) is tried only where a match can start (:func:`_scanner`); the
clauses and quotes of an item are found once and shared. :func:`explain` caches per
review in ``ctx.cache``. About 0.07 ms per item (a 5,000-character document with 16
problems: ≈1.1 ms CPU).
"""

from __future__ import annotations

import re
from bisect import bisect_left
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import ahocorasick

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
    auto: Any                  # the same phrases as a raw automaton: key → (length, kinds)
    abstract_rx: re.Pattern[str] | None
    quote_not_after_rx: re.Pattern[str] | None
    reporting_rx: re.Pattern[str] | None
    harm_neg_rx: re.Pattern[str] | None
    # fast equivalents of finditer (see _scanner): text, s, e → non-empty match spans
    stock_sc: Any
    time_sc: Any
    not_counts_sc: Any
    place_sc: Any
    pending_sc: Any
    thinking_free_sc: Any
    harm_sc: Any
    count_sc: Any
    first_person_sc: Any


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
        stock_sc=_plain_scanner(rxs["stock_patterns"][0] if rxs["stock_patterns"] else None),
        time_sc=_scanner(rxs["time_patterns"][0] if rxs["time_patterns"] else None),
        not_counts_sc=_scanner(rxs["not_counts_patterns"][0]
                               if rxs["not_counts_patterns"] else None),
        place_sc=_scanner(rxs["place_patterns"][0] if rxs["place_patterns"] else None),
        pending_sc=_scanner(rxs["pending_patterns"][0] if rxs["pending_patterns"] else None),
        thinking_free_sc=_scanner(rxs["thinking_patterns"][0]
                                  if rxs["thinking_patterns"] else None),
        harm_sc=_scanner(rxs["harm_patterns"][0] if rxs["harm_patterns"] else None),
        count_sc=_scanner(count_rx),
        first_person_sc=_scanner(first_person_rx),
    )



# --------------------------------------------------------------------------- fast scans
# Python's re skips quickly to a possible first character only when a pattern starts
# with a literal or a character class; an alternation of patterns (or one starting with
# a lookbehind) is tried at every position. For those we compute the set of characters
# a match can start with (from the parsed pattern) and try the pattern only there: the
# same matches as ``finditer`` (every position a match can start at is tried, in order).

try:  # Python ≥ 3.11
    from re import _constants as _sre_c, _parser as _sre_p
except ImportError:  # pragma: no cover
    import sre_constants as _sre_c  # type: ignore[no-redef]
    import sre_parse as _sre_p  # type: ignore[no-redef]


class _NoFirst(Exception):
    pass


def _first(seq, out: list[str]) -> bool:
    """Add to ``out`` (regex class items) every character a match of ``seq`` can start
    with; True when ``seq`` can match the empty string."""
    c = _sre_c
    for op, av in seq:
        if op is c.LITERAL:
            out.append(re.escape(chr(av)))
            return False
        if op is c.IN:
            for iop, iav in av:
                if iop is c.LITERAL:
                    out.append(re.escape(chr(iav)))
                elif iop is c.RANGE:
                    out.append(f"{re.escape(chr(iav[0]))}-{re.escape(chr(iav[1]))}")
                elif iop is c.CATEGORY and iav is c.CATEGORY_DIGIT:
                    out.append(r"\d")
                else:
                    raise _NoFirst
            return False
        if op is c.BRANCH:
            nullable = False
            for alt in av[1]:
                nullable = _first(alt, out) or nullable
            if not nullable:
                return False
            continue
        if op is c.SUBPATTERN:
            if av[1] or av[2]:
                raise _NoFirst
            if not _first(av[3], out):
                return False
            continue
        if op in (c.MAX_REPEAT, c.MIN_REPEAT):
            if not _first(av[2], out) and av[0] > 0:
                return False
            continue
        if op in (c.ASSERT, c.ASSERT_NOT, c.AT):
            continue        # zero-width: the next item starts the match
        raise _NoFirst
    return True


_SCAN_FLAGS = re.UNICODE | re.MULTILINE | re.DOTALL


def _first_chars(rx: re.Pattern[str]) -> re.Pattern[str] | None:
    """A character class matching every character a match of ``rx`` can start with, or
    None (unknown, or ``rx`` can match the empty string)."""
    try:
        if rx.flags & ~_SCAN_FLAGS:
            return None
        chars: list[str] = []
        if _first(_sre_p.parse(rx.pattern, rx.flags), chars) or not chars:
            return None
        return re.compile("[" + "".join(dict.fromkeys(chars)) + "]")
    except Exception:  # noqa: BLE001 (any parser surprise: just no fast path)
        return None


@lru_cache(maxsize=None)
def fast_finditer(rx: re.Pattern[str]):
    """``(text, s=0, e=None) → iterator of matches``, the same matches as
    ``rx.finditer(text, s, e)``, trying ``rx`` only where a match can start."""
    cand = _first_chars(rx)
    if cand is None:
        def plain(text: str, s: int = 0, e: int | None = None):
            return rx.finditer(text, s, len(text) if e is None else e)
        return plain
    search, match = cand.search, rx.match

    def fast(text: str, s: int = 0, e: int | None = None):
        if e is None:
            e = len(text)
        p = s
        while True:
            c = search(text, p, e)
            if c is None:
                return
            p = c.start()
            m = match(text, p, e)
            if m is None:
                p += 1
                continue
            yield m
            p = m.end()
    return fast


@lru_cache(maxsize=None)
def phrase_spans(phrases: tuple[str, ...]):
    """``(text, s, e) → [(start, end)]``: the hits of ``PhraseMatcher(list(phrases)).iter``
    (same keys, same order) without building Hit objects."""
    auto = ahocorasick.Automaton()
    for phrase in phrases:
        key = normalize_phrase(str(phrase))
        if key:
            auto.add_word(key, len(key))
    if not len(auto):
        return lambda text, s, e: []
    auto.make_automaton()
    it = auto.iter

    def spans(text: str, s: int, e: int) -> list[tuple[int, int]]:
        return [(last - n + 1, last + 1) for last, n in it(text, s, e)]
    return spans


def _longest(hits: list) -> list:
    """PhraseMatcher.find_all's filter: sorted by start, overlapping hits keep the longest."""
    if len(hits) < 2:
        return hits
    hits.sort(key=lambda h: (h[0], h[0] - h[1]))
    out = []
    last_end = -1
    for h in hits:
        if h[0] >= last_end:
            out.append(h)
            last_end = h[1]
    return out


@lru_cache(maxsize=None)
def tagged_find_all(lists: tuple[tuple[str, tuple[tuple[str, Any], ...]], ...]):
    """Several phrase lists (tag, ((phrase, payload), …)) in one automaton pass:
    ``(text, s, e) → {tag: PhraseMatcher(dict(phrases)).find_all(text, s, e) as
    (start, end, phrase, payload) tuples}``."""
    table: dict[str, list[tuple[str, Any]]] = {}
    tags = tuple(tag for tag, _phrases in lists)
    for tag, phrases in lists:
        mine: dict[str, Any] = {}
        for phrase, payload in dict(phrases).items():
            key = normalize_phrase(str(phrase))
            if key:
                mine[key] = payload
        for key, payload in mine.items():
            table.setdefault(key, []).append((tag, payload))
    auto = ahocorasick.Automaton()
    for key, entries in table.items():
        auto.add_word(key, (len(key), key, tuple(entries)))
    if len(auto):
        auto.make_automaton()
        it = auto.iter
    else:
        def it(text, s, e):
            return ()

    def find_all(text: str, s: int, e: int) -> dict[str, list[tuple[int, int, str, Any]]]:
        out: dict[str, list[tuple[int, int, str, Any]]] = {tag: [] for tag in tags}
        for last, (n, key, entries) in it(text, s, e):
            a, b = last - n + 1, last + 1
            for tag, payload in entries:
                out[tag].append((a, b, key, payload))
        return {tag: _longest(hits) for tag, hits in out.items()}
    return find_all


def _plain_scanner(rx: re.Pattern[str] | None):
    """Like :func:`_scanner`, with ``rx.finditer`` itself."""
    if rx is None:
        return lambda text, s, e: []

    def plain(text: str, s: int, e: int) -> list[tuple[int, int]]:
        return [sp for sp in (m.span() for m in rx.finditer(text, s, e)) if sp[1] > sp[0]]
    return plain


def _scanner(rx: re.Pattern[str] | None):
    """``text, s, e → [(start, end)]`` of the non-empty matches of ``rx.finditer(text, s,
    e)``, trying ``rx`` only where a match can start."""
    if rx is None:
        return lambda text, s, e: []
    cand = _first_chars(rx)
    if cand is None:
        return _plain_scanner(rx)
    search, match = cand.search, rx.match

    def fast(text: str, s: int, e: int) -> list[tuple[int, int]]:
        out = []
        p = s
        while True:
            c = search(text, p, e)
            if c is None:
                return out
            p = c.start()
            m = match(text, p, e)
            if m is None:
                p += 1
                continue
            a, b = m.span()
            out.append((a, b))
            p = b
    return fast


# --------------------------------------------------------------------------- helpers

def _overlaps(spans: list[tuple[int, int]], s: int, e: int) -> bool:
    for a, b in spans:
        if a < e and s < b:
            return True
    return False


def _merge_longest(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Overlapping spans resolved to the longest, leftmost first."""
    if len(spans) < 2:
        return list(spans)
    out: list[tuple[int, int]] = []
    for s, e in sorted(spans, key=lambda x: (x[0], x[0] - x[1])):
        if out and s < out[-1][1]:
            if e - s > out[-1][1] - out[-1][0] and s == out[-1][0]:
                out[-1] = (s, e)
            continue
        out.append((s, e))
    return out


def quote_spans(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """Spans of “…” (quotes included) in ``text[start:end]``."""
    if "“" not in text[start:end]:
        return []
    return [m.span() for m in _QUOTE.finditer(text, start, end)]


def clauses(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """The clauses (between ，；。！？：) of ``text[start:end]``."""
    return [m.span() for m in _CLAUSE.finditer(text, start, end) if m.group().strip()]


def sentence_span(text: str, pos: int, lo: int, hi: int) -> tuple[int, int]:
    """The sentence (between 。；！？ or line ends) containing ``pos``, within [lo, hi)."""
    s = lo
    for m in _SENTENCE_END.finditer(text, lo, pos):
        s = m.end()
    m = _SENTENCE_END.search(text, pos, hi)
    return s, (m.end() if m else hi)


def _first_person(text: str, start: int, end: int, quotes: list[tuple[int, int]]) -> list[int]:
    spans = lex().first_person_sc(text, start, end)
    if not quotes:
        return [a for a, _b in spans]
    return [a for a, b in spans if not _overlaps(quotes, a, b)]


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

def _times(text: str, s: int, e: int, raw_vague: list[tuple[int, int]]):
    strong = _merge_longest(lex().time_sc(text, s, e))
    if not raw_vague:
        return strong, []
    vague = [(a, b) for a, b in _merge_longest(raw_vague) if not _overlaps(strong, a, b)]
    return strong, vague


def _counts(text: str, s: int, e: int, masked: list[tuple[int, int]]) -> list[tuple[int, int]]:
    lx = lex()
    found = lx.count_sc(text, s, e)
    if not found:
        return []
    mask = masked + lx.not_counts_sc(text, s, e)
    return [(a, b) for a, b in found if not _overlaps(mask, a, b)]


def _others_quotes(text: str, s: int, e: int,
                   quotes: list[tuple[int, int]]) -> list[tuple[int, int]]:
    lx = lex()
    out = []
    not_after, reporting, suffixes = lx.quote_not_after_rx, lx.reporting_rx, lx.quote_suffixes
    for qs, qe in quotes:
        sent_s, _ = sentence_span(text, qs, s, e)
        b0 = max(sent_s, qs - _QUOTE_LOOKBACK)
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
                    and not _overlaps(stock, p, ce)):
                behaviour.append((p, ce))
    for cs, ce in lx.thinking_free_sc(text, s, e):
        if not _overlaps(thinking, cs, ce):
            thinking.append((cs, ce))
    return behaviour, thinking


def _collect(text: str, s: int, e: int, cl: list[tuple[int, int]] | None = None
             ) -> tuple[list[Signal], list[tuple[int, int]]]:
    lx = lex()
    raw = _phrase_hits(text, s, e)
    stock = _stock(text, s, e, raw["stock"])
    if cl is None:
        cl = clauses(text, s, e)
    quotes = quote_spans(text, s, e)
    sig: list[tuple[str, int, int]] = []
    strong_t, vague_t = _times(text, s, e, raw["vague_time"])
    sig += [("time", a, b) for a, b in strong_t]
    sig += [("vague_time", a, b) for a, b in vague_t]
    sig += [("count", a, b) for a, b in _counts(text, s, e, strong_t + raw["not_counts"])]
    if quotes:
        sig += [("quote", a, b) for a, b in _others_quotes(text, s, e, quotes)]
    places = _merge_longest(raw["place"] + lx.place_sc(text, s, e))
    sig += [("place", a, b) for a, b in places]
    sig += [("harm", a, b) for a, b in _harm(text, s, e, raw["harm"])]
    behaviour, thinking = _behaviour_and_thinking(text, s, e, stock, cl, quotes)
    sig += [("behaviour", a, b) for a, b in behaviour]
    sig += [("thinking", a, b) for a, b in thinking]
    sig += [("consequence", a, b) for a, b in _merge_longest(raw["consequence"])]
    sig += [("example", a, b) for a, b in _merge_longest(raw["example"])]
    sig += [("pending", a, b) for a, b in lx.pending_sc(text, s, e)]
    sig.sort(key=lambda x: (x[1], x[0]))
    signals = [Signal(k, a, b, text[a:b]) for k, a, b in sig]
    return signals, stock


def analyse(text: str, start: int, end: int, item_id: str = "",
            headline_end: int | None = None) -> Explanation:
    """The explanation for any span of a normalized text (used by :func:`explain`)."""
    cl = clauses(text, start, end)
    signals, stock_sp = _collect(text, start, end, cl)
    counts: dict[str, int] = {}
    for x in signals:
        counts[x.kind] = counts.get(x.kind, 0) + 1
    base = 0.0
    for kind, (w, cap) in WEIGHTS.items():
        n = counts.get(kind, 0)
        base += w * min(n, cap)
    base = min(1.0, base)
    if stock_sp:
        stock_cl = sum(1 for cs, ce in cl if _overlaps(stock_sp, cs, ce))
    else:
        stock_cl = 0
    penalty = STOCK_PENALTY * stock_cl / len(cl) if cl else 0.0
    score = max(0.0, min(1.0, base - penalty))
    stock = [Signal("stock", a, b, text[a:b]) for a, b in stock_sp]
    hl_end = headline_end if headline_end is not None else end
    headline_stock = [x for x in stock if x.start < hl_end]
    tiers = {TIER.get(k, "vague") for k in counts}
    tier = next((t for t in TIER_ORDER[:-1] if t in tiers), "none")
    missing = [k for k in KEY_DIMENSIONS if k not in counts]
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
