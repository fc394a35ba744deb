"""Problem ↔ measure matching (domain.md Q14: measures answer problems one to one).

Which measures answer which problem. A measure may answer several problems and a
problem may be answered by several measures. Used by DZ301 (problem without a measure),
DZ302 (measure without a problem), DZ303 (a measure that only negates its problem) and
by the review result (``matches``, ``scores.coverage``).

A measure answers a problem in one of two ways; the first wins.

1. **Reference.** The measure, or the heading of its measure group, names the problem:
   "针对以干代学的问题", "针对组织生活不严格的不足", "对应第二个问题", "针对第三方面
   的问题" (openers, closers, fillers in ``lexicons/matching.yaml`` ``references``).
   A named phrase is compared with each problem: ``sim = max(fuzz, cover)``, where

   - ``fuzz`` = rapidfuzz ``partial_ratio`` / 100 of the phrase and the headline, both
     reduced to Hanzi/digits with the hedges of ``fuzzy_drop`` removed ("组织生活不严格"
     ≈ "落实组织生活不够严格"); skipped for phrases under 3 characters;
   - ``cover`` = mean credit of the phrase's content words: literally in the headline
     1, by synonym in the headline 0.8, literally in the body 0.7, by synonym in the
     body 0.5 (so "遇到难事往后躲" names that problem, not "服务群众有畏难情绪").

   The reference resolves to the problems with ``sim ≥ reference_min`` (0.6) and within
   ``reference_margin`` (0.1) of the best; "第X个问题" / "问题X" resolve to the X-th
   problem of the document, "第X方面" to the problems of aspect X. Generic references
   ("针对上述问题") are ignored. A measure whose reference resolves answers exactly the
   problems it names (the author said so), whatever its words.

2. **Topic overlap.** Otherwise items are compared by *topics*: content words from the
   one rjieba segmentation of the document (:mod:`service.text.segment`; stopwords
   dropped, compounds split into halves) with each word of a topic group of
   ``matching.yaml`` folded to its group (纳税人 = 群众 = 学生家长; 党小组会 = 三会一课
   = 组织生活) — never string equality.

   - Problem P: ``H`` = topics of its headline (of the headline's first clause when the
     headline runs on over commas and that clause has a topic), ``B`` = the other topics
     of its text. Each topic is weighted by its rarity among the N problems:
     ``w(c) = max(idf_floor, ln((N+1)/df(c)) / ln(N+1))`` (1 when one problem has it;
     ``idf_floor`` 0.35; 1 for every topic when N = 1).
   - Measure M: the topics of its group heading and of its first clause with a content
     word have focus ``f = 1``; topics met only later count ``measure_tail_weight``
     (0.6): "补学原文……，笔记交党小组检查" is about study, not about the 党小组.

   ::

       head  = Σ_{c ∈ H ∩ M} w(c)·f(c) / Σ_{c ∈ H} w(c)        (0 when H is empty)
       body  = min(1, Σ_{c ∈ B ∩ M} w(c)·f(c) / body_saturation)      (1.5)
       score = (headline_weight · head + body) / (headline_weight + 1) (weight 2)

   M answers P when ``score ≥ overlap_min`` (0.3) and ``score ≥ overlap_relative``
   (0.5) × M's best score over all problems (a study measure answers the study problem,
   not every problem that mentions 学习 once). A secondary link (P is not M's best
   problem) is then dropped when P has a better-scoring measure of its own (one naming
   P, or one whose best problem is P).

:func:`matches` reports per problem the best score over its answering measures (the
reference similarity for a named problem, else the overlap score), or over all
measures when none answers it. :class:`MatchResult` also keeps ``head_hit`` (the best
share of the problem's headline topics found in any one measure): DZ301 uses it to
tell "nothing touches this problem" (error) from "a measure touches it" (warning).

Thresholds live in ``matching.yaml`` ``thresholds``; they were tuned on
tests/fixtures/seed_2021.txt, evals/harness_doc.txt (each problem answered by its own
measure and nothing else, with and without the "针对……" references) and the reviewer
dev set (tests/review/test_matching.py pins the behaviour).

Cost: the shared segmentation (one rjieba call per document, cached in ``ctx.cache``)
plus, per document, the topics of each token (a dict lookup per token), an inverted
index topic → problems (bit masks) that scores each measure against every problem in
one pass over the measure's topics, and, per "针对……" reference, one ``str.find`` scan
of the problems' texts per word and ``partial_ratio`` only against headlines sharing a
character with the phrase: about 1.4 ms for a 5,000-character document with 16
problems and 16 measures that all name their problem.
"""

from __future__ import annotations

import math
import re
from bisect import bisect_left, bisect_right
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import chain

from rapidfuzz import fuzz

from service.document import Item, cn_to_int
from service.review.context import ReviewContext
from service.review.lexicon import load
from service.text.normalize import normalize_phrase
from service.text.segment import Segmentation, doc_segmentation, search_words

_CACHE_KEY = "matching"


# --------------------------------------------------------------------------- lexicon
@dataclass(frozen=True)
class _Lex:
    concept: dict[str, tuple[str, ...]]   # topic word → ("#group", ...)
    thresholds: dict[str, float]
    phrase_ref: re.Pattern[str]
    index_ref: re.Pattern[str]
    fillers: tuple[str, ...]
    generic: frozenset[str]
    fuzzy_drop: tuple[str, ...]


@lru_cache(maxsize=1)
def _lex() -> _Lex:
    data = load("matching")
    concept: dict[str, tuple[str, ...]] = {}
    for group, words in (data.get("topics") or {}).items():
        for w in words:
            key = normalize_phrase(str(w))
            concept[key] = concept.get(key, ()) + (f"#{group}",)
    refs = data["references"]
    openers = "|".join(map(re.escape, sorted(map(normalize_phrase, refs["openers"]),
                                             key=len, reverse=True)))
    closers = "|".join(map(re.escape, sorted(map(normalize_phrase, refs["closers"]),
                                             key=len, reverse=True)))
    num = r"[一二三四五六七八九十\d]{1,3}"
    # 针对以干代学的问题 / 针对“组织生活不严格”问题 (no clause break inside; not 针对性)
    phrase_ref = re.compile(
        rf"(?:{openers})(?!性)(?P<ref>[^,。;!?\n:()]{{1,40}}?)(?:{closers})")
    # 针对第二个问题 / 对应问题3 / 针对第一方面的问题
    index_ref = re.compile(
        rf"(?:{openers})[^,。;!?\n]{{0,4}}?(?:第(?P<n>{num})(?:个|条|项|点)?(?P<asp>方面)?"
        rf"[^,。;!?\n]{{0,4}}?(?:{closers})|(?:{closers})(?P<n2>{num}))")
    fillers = tuple(sorted((normalize_phrase(f) for f in refs["fillers"]), key=len,
                           reverse=True))
    return _Lex(concept=concept, thresholds={k: float(v) for k, v in data["thresholds"].items()},
                phrase_ref=phrase_ref, index_ref=index_ref, fillers=fillers,
                generic=frozenset(normalize_phrase(g) for g in refs["generic"]),
                fuzzy_drop=tuple(sorted((normalize_phrase(f) for f in refs["fuzzy_drop"]),
                                        key=len, reverse=True)))


def threshold(name: str) -> float:
    """A threshold of ``lexicons/matching.yaml`` (``thresholds``)."""
    return _lex().thresholds[name]


def topics(words) -> set[str]:
    """Content words → topics (synonyms folded to their group)."""
    concept = _lex().concept
    out: set[str] = set()
    for w in words:
        out.update(concept.get(w, (w,)))
    return out


# --------------------------------------------------------------------------- results
@dataclass
class Reference:
    """A reference in a measure to the problem(s) it answers."""

    start: int                       # normalized offsets of the whole reference
    end: int
    phrase: str                      # the named phrase, fillers stripped ("" for an index)
    problems: list[str]              # resolved problem ids (may be empty)
    sims: dict[str, float] = field(default_factory=dict)


@dataclass
class MatchResult:
    problems: list[str]
    measures: list[str]
    scores: dict[tuple[str, str], float]          # (problem, measure) → overlap score
    answers: dict[str, list[str]]                 # measure → problems it answers
    references: dict[str, list[Reference]]        # measure → its references
    by_problem: dict[str, list[str]]              # problem → answering measures
    best: dict[str, float]                        # problem → reported score
    head_hit: dict[str, float]                    # problem → best share of its headline
                                                  # topics found in any one measure

    def pair_score(self, problem: str, measure: str) -> float:
        return self.scores.get((problem, measure), 0.0)


# --------------------------------------------------------------------------- helpers
_PUNCT = re.compile(r"[^\u4e00-\u9fff0-9A-Za-z]")
_CLAUSE = re.compile(r"[^,;。:!?\n]+")


def _clean(s: str) -> str:
    """For fuzzy comparison: Hanzi/alnum only, hedges (``fuzzy_drop``) removed."""
    s = _PUNCT.sub("", s)
    for f in _lex().fuzzy_drop:
        s = s.replace(f, "")
    return s


@lru_cache(maxsize=4)
def _filler_ends(fillers: tuple[str, ...]) -> tuple[frozenset[str], frozenset[str]]:
    """The first and the last characters of the fillers."""
    return frozenset(f[:1] for f in fillers), frozenset(f[-1:] for f in fillers)


def _strip_fillers(phrase: str) -> str:
    fillers = _lex().fillers
    firsts, lasts = _filler_ends(fillers)
    changed = True
    phrase = phrase.strip()
    while changed and phrase:
        if phrase[0] not in firsts and phrase[-1] not in lasts:
            break  # no filler starts or ends the phrase: the pass would change nothing
        changed = False
        for f in fillers:
            if phrase.startswith(f):
                phrase, changed = phrase[len(f):].strip(), True
            if phrase.endswith(f):
                phrase, changed = phrase[: -len(f)].strip(), True
    return phrase


def _token_topics(token: str) -> tuple[str, ...]:
    """The topics one token contributes (its search words folded to their groups), in
    the order :func:`topics` meets them."""
    concept = _lex().concept
    out: list[str] = []
    for w in search_words(token):
        out.extend(concept.get(w, (w,)))
    return tuple(out)


class _TokenTopics(dict):
    """token → :func:`_token_topics` (a plain dict: cheaper to look up than an lru_cache;
    cleared when it grows past ``limit`` entries)."""

    limit = 50000

    def __missing__(self, token: str) -> tuple[str, ...]:
        if len(self) >= self.limit:
            self.clear()
        value = self[token] = _token_topics(token)
        return value


_TOKEN_TOPICS = _TokenTopics()


class _Topics:
    """Topics of a span of the document: ``tp.span(s, e)`` ==
    ``topics(seg.words(s, e))``, without building the word list."""

    __slots__ = ("words", "offs", "get")

    def __init__(self, seg: Segmentation):
        self.words = seg.raw_words
        self.offs = seg.offsets
        self.get = _TOKEN_TOPICS.__getitem__

    def span(self, start: int, end: int) -> set[str]:
        # the tokens lying wholly inside [start, end) (as Segmentation._range)
        offs = self.offs
        a = bisect_left(offs, start)
        b = bisect_right(offs, end) - 1
        if a >= b:
            return set()
        return set(chain.from_iterable(map(self.get, self.words[a:b])))


def _group_span(text: str, item: Item) -> tuple[int, int] | None:
    if not item.group:
        return None
    lo = item.section.start if item.section is not None else 0
    pos = text.rfind(item.group, lo, item.start)
    return (pos, pos + len(item.group)) if pos >= 0 else None


@dataclass
class _Problem:
    item: Item
    head: set[str]
    body: set[str]
    head_clean: str
    head_text: str
    head_chars: frozenset[str] = frozenset()  # the characters of head_clean


def _problem_profile(tp: _Topics, text: str, p: Item) -> _Problem:
    bs = p.body_start
    h_end = bs + len(p.headline)
    # a headline that runs on ("理论学习不够深入，学用结合不够紧密，……") is named by its
    # first clause when that clause has a topic; the rest counts as body
    first = _CLAUSE.match(text, bs, h_end)
    head = None
    if first is not None and first.end() < h_end:
        head = tp.span(bs, first.end())
        if head:
            h_end = first.end()
        else:
            head = None
    if head is None:
        head = tp.span(bs, h_end)
    body = tp.span(h_end, bs + len(p.text)) - head
    head_clean = _clean(p.headline)
    return _Problem(p, head, body, head_clean, p.headline, frozenset(head_clean))


def _measure_spans(text: str, m: Item) -> list[tuple[int, int]]:
    spans = [(m.body_start, m.body_start + len(m.text))]
    g = _group_span(text, m)
    if g:
        spans.insert(0, g)
    return spans


def _measure_topics(tp: _Topics, text: str, m: Item, tail: float) -> dict[str, float]:
    """A measure's topics with their weight: 1 for its focus (the group heading and the
    first clause that has a content word), ``tail`` for topics met only later."""
    out: dict[str, float] = {}
    g = _group_span(text, m)
    if g:
        out.update(dict.fromkeys(tp.span(*g), 1.0))
    focus_seen = False
    s0 = m.body_start
    span = tp.span
    get = out.get
    for cl in _CLAUSE.finditer(text, s0, s0 + len(m.text)):
        ts = span(*cl.span())
        if not ts:
            continue
        w = tail if focus_seen else 1.0
        focus_seen = True
        for t in ts:
            if get(t, 0.0) < w:
                out[t] = w
    return out


# --------------------------------------------------------------------------- references
def _credit(word: str, word_topics: set[str], pp: _Problem) -> float:
    """How well one word of a reference is found in a problem: literally in the
    headline 1, by synonym in the headline 0.8, literally in the body 0.7, by synonym
    in the body 0.5."""
    if word in pp.head_text:
        return 1.0
    if word_topics & pp.head:
        return 0.8
    if word in pp.item.text:
        return 0.7
    if word_topics & pp.body:
        return 0.5
    return 0.0


class _ProblemTable:
    """The problems of a document laid out to find, for one word, the problems whose
    headline / text contain it (one ``str.find`` scan over all of them) and whose
    headline / body topics contain its topics (the inverted index of :func:`result`)."""

    __slots__ = ("profiles", "n", "masks", "heads", "head_starts", "texts", "text_starts",
                 "heads_in_texts", "pids", "fuzzy", "memo")
    SEP = "\x00"

    def __init__(self, profiles: list[_Problem],
                 masks: dict[str, int]):
        self.profiles = profiles
        self.n = len(profiles)
        self.masks = masks
        self.heads, self.head_starts = self._join([pp.head_text for pp in profiles])
        self.texts, self.text_starts = self._join([pp.item.text for pp in profiles])
        # a headline is the start of its text: a word in the headline is in the text
        self.heads_in_texts = all(pp.head_text in pp.item.text for pp in profiles)
        self.pids = [pp.item.id for pp in profiles]
        self.memo: dict[str, list[float]] = {}   # word → its credits (a word's topics
                                                 # are a function of the word)
        self.fuzzy = [pp for pp in profiles if len(pp.head_clean) >= 3]  # fuzz applies

    @classmethod
    def _join(cls, parts: list[str]) -> tuple[str, list[int]]:
        starts = [0]
        for part in parts:
            starts.append(starts[-1] + len(part) + 1)
        return cls.SEP.join(parts), starts

    @staticmethod
    def _containing(joined: str, starts: list[int], word: str) -> list[int]:
        """Indexes of the parts that contain ``word`` (which has no separator)."""
        out: list[int] = []
        pos = joined.find(word)
        while pos >= 0:
            i = bisect_right(starts, pos) - 1
            out.append(i)
            pos = joined.find(word, starts[i + 1])
        return out

    def credits(self, word: str, word_topics: set[str]) -> list[float]:
        """``[_credit(word, word_topics, pp) for pp in profiles]`` (``word_topics`` =
        ``topics((word,))``)."""
        col = self.memo.get(word)
        if col is None:
            col = self.memo[word] = self._credits(word, word_topics)
        return col

    def _credits(self, word: str, word_topics: set[str]) -> list[float]:
        if not word or self.SEP in word:
            return [_credit(word, word_topics, pp) for pp in self.profiles]
        col = [0.0] * self.n
        x = 0   # the problems with a topic of the word in their headline / body
        for t in word_topics:
            x |= self.masks.get(t, 0)
        n = self.n
        hm, bm = x & ((1 << n) - 1), x >> n
        # the tiers in rising order, so that the best one a problem meets stays
        if bm:
            for i in _bits(bm):
                col[i] = 0.5
        # the problems whose text contains the word (one scan over all the texts)
        texts, starts = self.texts, self.text_starts
        in_text: list[int] = []
        pos = texts.find(word)
        while pos >= 0:
            i = bisect_right(starts, pos) - 1
            in_text.append(i)
            col[i] = 0.7
            pos = texts.find(word, starts[i + 1])
        if hm:
            for i in _bits(hm):
                col[i] = 0.8
        if self.heads_in_texts:
            if in_text:
                profiles = self.profiles
                for i in in_text:
                    if word in profiles[i].head_text:
                        col[i] = 1.0
        else:
            for i in self._containing(self.heads, self.head_starts, word):
                col[i] = 1.0
        return col


def _bits(mask: int) -> list[int]:
    """The indexes of the set bits of ``mask``, lowest first."""
    out: list[int] = []
    while mask:
        low = mask & -mask
        out.append(low.bit_length() - 1)
        mask ^= low
    return out


def _references(ctx: ReviewContext, seg: Segmentation, m: Item, profiles: list[_Problem],
                spans: list[tuple[int, int]], table: _ProblemTable) -> list[Reference]:
    lex = _lex()
    th = lex.thresholds
    text = ctx.text
    refs: list[Reference] = []
    for (s, e) in spans:
        taken: list[tuple[int, int]] = []
        for mt in lex.index_ref.finditer(text, s, e):
            raw = mt.group("n") or mt.group("n2")
            n = cn_to_int(raw)
            if mt.group("asp"):
                ids = [pp.item.id for pp in profiles if pp.item.aspect == n]
            else:
                ids = [profiles[n - 1].item.id] if 0 < n <= len(profiles) else []
            refs.append(Reference(mt.start(), mt.end(), "", ids, {i: 1.0 for i in ids}))
            taken.append((mt.start(), mt.end()))
        for mt in lex.phrase_ref.finditer(text, s, e):
            if any(a < mt.end() and mt.start() < b for a, b in taken):
                continue
            rs, re_ = mt.span("ref")
            phrase = _strip_fillers(mt.group("ref"))
            words = seg.words(rs, re_)
            if not phrase or all(w in lex.generic for w in words) or phrase in lex.generic:
                continue
            ref_words = [(w, topics((w,))) for w in dict.fromkeys(words)]
            ref_clean = _clean(phrase)
            # cover: the mean _credit of the reference's words, per problem (summed in
            # word order, as _credit's callers always did)
            n_words = len(ref_words)
            if n_words:
                covers = [sum(col) / n_words
                          for col in zip(*[table.credits(w, ts) for w, ts in ref_words])]
            else:
                covers = [0.0] * len(profiles)
            # sim = max(fuzz, cover); fuzz is 0 for a phrase or headline under 3
            # characters and for a headline sharing no character with the phrase
            sims: dict[str, float] = dict(zip(table.pids, covers))
            if len(ref_clean) >= 3:
                ref_chars = frozenset(ref_clean)
                for pp in table.fuzzy:
                    # (fuzz is at most 1: a full cover needs no comparison)
                    pid = pp.item.id
                    cover = sims[pid]
                    if cover < 1.0 and not ref_chars.isdisjoint(pp.head_chars):
                        f = fuzz.partial_ratio(ref_clean, pp.head_clean) / 100.0
                        if f >= cover:
                            sims[pid] = f
            best = max(sims.values(), default=0.0)
            ids = [pid for pid, v in sims.items()
                   if v >= th["reference_min"] and v >= best - th["reference_margin"]]
            refs.append(Reference(mt.start(), mt.end(), phrase, ids, sims))
    return refs


# --------------------------------------------------------------------------- matching
def _prune_secondary(answers: dict[str, list[str]], scores: dict[tuple[str, str], float],
                     overlap_only: list[str]) -> None:
    """Drop an overlap measure's secondary link (to a problem that is not its best) when
    that problem has a better-scoring measure of its own (one naming it, or one whose
    best problem it is)."""
    primary: dict[str, str] = {}
    owned: dict[str, float] = {}
    for mid, pids in answers.items():
        if not pids:
            continue
        if mid in overlap_only:
            primary[mid] = max(pids, key=lambda pid: scores[(pid, mid)])
            own = [primary[mid]]
        else:
            own = pids  # a reference: every problem it names is its own
        for pid in own:
            owned[pid] = max(owned.get(pid, 0.0), scores[(pid, mid)])
    for mid in overlap_only:
        answers[mid] = [pid for pid in answers[mid]
                        if pid == primary.get(mid) or owned.get(pid, 0.0) <= scores[(pid, mid)]]


def result(ctx: ReviewContext) -> MatchResult:
    """The full matching of the document (cached in ``ctx.cache``)."""
    cached = ctx.cache.get(_CACHE_KEY)
    if cached is not None:
        return cached
    th = _lex().thresholds
    doc, text = ctx.doc, ctx.text
    seg = doc_segmentation(ctx)
    tp = _Topics(seg)
    profiles = [_problem_profile(tp, text, p) for p in doc.problems]
    n = len(profiles)
    # inverted index as bit masks: topic → the problems (bit i = problem i) having it
    # in their headline / in their body; a problem's body topics exclude its headline
    # topics, so df = the number of bits of (head | body)
    # (one int per topic: headline bits 0..n-1, body bits n..2n-1)
    masks: dict[str, int] = {}
    get = masks.get
    for i, pp in enumerate(profiles):
        bit = 1 << i
        for t in pp.head:
            masks[t] = get(t, 0) | bit
        bit <<= n
        for t in pp.body:
            masks[t] = get(t, 0) | bit
    low_n = (1 << n) - 1
    # mask → (its headline problems, its body problems, df, the problems of either)
    split: dict[int, tuple[list[int], list[int], int, int]] = {}
    if n > 1:
        norm = math.log(n + 1)
        floor = th["idf_floor"]
        by_df = [0.0] + [max(floor, math.log((n + 1) / k) / norm) for k in range(1, n + 1)]
    else:
        by_df = [0.0, 1.0]
    table = _ProblemTable(profiles, masks)
    hw, sat, tail = th["headline_weight"], th["body_saturation"], th["measure_tail_weight"]
    hw1 = hw + 1
    pids = [pp.item.id for pp in profiles]
    # w(c) of a topic = by_df[df(c)]
    head_weights = [sum(by_df[masks[t].bit_count()] for t in pp.head)
                    for pp in profiles]
    overlap_min, overlap_rel = th["overlap_min"], th["overlap_relative"]

    scores: dict[tuple[str, str], float] = {}
    answers: dict[str, list[str]] = {}
    references: dict[str, list[Reference]] = {}
    overlap_only: list[str] = []
    best_head = [0.0] * n   # per problem: the best head share over the measures
    for m in doc.measures:
        spans = _measure_spans(text, m)
        mt = _measure_topics(tp, text, m, tail)
        # Σ w(c)·f(c) over the topics a problem shares with the measure (headline, body)
        hsum = [0.0] * n
        bsum = [0.0] * n
        touched = 0
        for t, f in mt.items():
            x = get(t)
            if x:
                sp = split.get(x)
                if sp is None:
                    h, b = x & low_n, x >> n
                    sp = split[x] = (_bits(h), _bits(b), x.bit_count(), h | b)
                hi, bi, k, tm = sp
                v = by_df[k] * f
                for i in hi:
                    hsum[i] += v
                for i in bi:
                    bsum[i] += v
                touched |= tm
        mid = m.id
        row_vals = [0.0] * n   # no shared topic: score 0
        for i in _bits(touched):
            head_w = head_weights[i]
            head = hsum[i] / head_w if head_w else 0.0
            if head > best_head[i]:
                best_head[i] = head
            body = min(1.0, bsum[i] / sat)
            row_vals[i] = round((hw * head + body) / hw1, 3)
        scores.update(zip([(pid, mid) for pid in pids], row_vals))
        refs = _references(ctx, seg, m, profiles, spans, table)
        references[mid] = refs
        named = [pid for r in refs for pid in r.problems]
        if named:
            answers[mid] = list(dict.fromkeys(named))
            for r in refs:
                for pid in r.problems:
                    scores[(pid, mid)] = max(scores[(pid, mid)], round(r.sims[pid], 3))
            continue
        top = max(row_vals, default=0.0)
        answers[mid] = [pid for pid, v in zip(pids, row_vals)
                        if v >= overlap_min and v >= overlap_rel * top]
        overlap_only.append(mid)
    head_hit = dict(zip(pids, best_head)) if doc.measures else {}
    _prune_secondary(answers, scores, overlap_only)

    by_problem: dict[str, list[str]] = {pp.item.id: [] for pp in profiles}
    for mid, pids in answers.items():
        for pid in pids:
            by_problem[pid].append(mid)
    best: dict[str, float] = {}
    for pp in profiles:
        pid = pp.item.id
        pool = by_problem[pid] or [m.id for m in doc.measures]
        best[pid] = max((scores[(pid, mid)] for mid in pool), default=0.0)
    res = MatchResult(problems=[pp.item.id for pp in profiles],
                      measures=[m.id for m in doc.measures], scores=scores, answers=answers,
                      references=references, by_problem=by_problem, best=best,
                      head_hit={pid: round(head_hit.get(pid, 0.0), 3) for pid in by_problem})
    ctx.cache[_CACHE_KEY] = res
    return res


def matches(ctx: ReviewContext) -> list[dict]:
    """One entry per problem: ``{"problem": id, "measures": [ids], "score": float}``."""
    if "matches" in ctx.cache:
        return ctx.cache["matches"]
    res = result(ctx)
    out = [{"problem": pid, "measures": list(res.by_problem[pid]),
            "score": round(res.best[pid], 2)} for pid in res.problems]
    ctx.cache["matches"] = out
    return out


def answered_by(ctx: ReviewContext) -> dict[str, list[str]]:
    """Measure id → the problem ids it answers (empty list: an orphan measure)."""
    return {mid: list(pids) for mid, pids in result(ctx).answers.items()}
