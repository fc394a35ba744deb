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

Cost: the shared segmentation (rjieba; :func:`service.text.segment.doc_segmentation`
cuts the problems and measures sections once per review) plus, per document:

- topics: per problem of its headline and of its body, per measure of its first clause
  with a topic and of its whole body (every delimiter is a token of its own, so the
  body's topics are its clauses' topics); a span's tokens are looked up in one
  ``operator.itemgetter`` call on a plain dict token → frozenset of topics (a per-token
  cache) and merged in one ``set.union`` call;
- scores: an inverted index topic → slots (problem headlines and bodies) over the
  topics that count (every headline topic, every measure topic), so that each measure
  is scored against every problem in one pass over its shared topics, kept as rows of
  floats (the ``scores`` dict is built only when asked for); ``round(x, 3)`` mostly
  without its decimal conversion (:func:`_round`, the same float);
- references: the "针对……" references of all the measures are found first (a group
  heading's once), the credits of all their words come from one Aho–Corasick pass over
  the problems' texts (kept sparse: only the credits that are not 0), and
  ``partial_ratio`` runs only against headlines sharing a character with the phrase
  whose fuzz could name the problem (an upper bound from the characters they share
  rules the others out); the fuzz of a sim that cannot reach ``reference_min`` is left
  pending until :attr:`Reference.sims` is first read.

About 0.9–1.2 ms for a 5,000-character document with 16 problems and 16 measures that
all name their problem (specific_2021.txt; bench_review.components, shared machine).
"""

from __future__ import annotations

import math
import re
from bisect import bisect_right
from dataclasses import dataclass
from functools import lru_cache
from itertools import chain, compress, repeat
from operator import itemgetter, not_, truediv

import ahocorasick
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
    filler_firsts: dict[str, tuple[tuple[int, str], ...]]   # see _filler_index
    filler_lasts: dict[str, tuple[tuple[int, str], ...]]
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
    firsts, lasts = _filler_index(fillers)
    return _Lex(concept=concept, thresholds={k: float(v) for k, v in data["thresholds"].items()},
                phrase_ref=phrase_ref, index_ref=index_ref, fillers=fillers,
                filler_firsts=firsts, filler_lasts=lasts,
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
class Reference:
    """A reference in a measure to the problem(s) it answers: ``start``, ``end``
    (normalized offsets of the whole reference), ``phrase`` (the named phrase, fillers
    stripped; "" for an index), ``problems`` (the resolved problem ids, may be empty)
    and ``sims`` (problem id → the phrase's similarity to it).

    Resolving a reference settles every sim that could name a problem; a sim that stays
    under ``reference_min`` whatever its fuzz may be left at its cover, its fuzz
    ``pending`` (the cleaned phrase, then problem id and cleaned headline in turn) until
    ``sims`` is first read."""

    __slots__ = ("start", "end", "phrase", "problems", "_sims", "_pending")

    def __init__(self, start: int, end: int, phrase: str, problems: list[str],
                 sims: dict[str, float] | None = None,
                 pending: tuple[str, ...] | None = None):
        self.start = start
        self.end = end
        self.phrase = phrase
        self.problems = problems
        self._sims = {} if sims is None else sims
        self._pending = pending

    @property
    def sims(self) -> dict[str, float]:
        pending = self._pending
        if pending is not None:
            self._pending = None
            ref_clean = pending[0]
            sims = self._sims
            rest = iter(pending[1:])
            for pid, head_clean in zip(rest, rest):   # sim = max(fuzz, cover), as in
                                                      # _ProblemTable.similarities
                f = fuzz.partial_ratio(ref_clean, head_clean) / 100.0
                if f >= sims[pid]:
                    sims[pid] = f
        return self._sims

    def copy(self) -> Reference:
        return Reference(self.start, self.end, self.phrase, list(self.problems),
                         dict(self._sims), self._pending)

    def _fields(self) -> tuple:
        return (self.start, self.end, self.phrase, self.problems, self.sims)

    def __eq__(self, other: object) -> bool:
        if other.__class__ is not self.__class__:
            return NotImplemented
        return self._fields() == other._fields()

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return (f"Reference(start={self.start!r}, end={self.end!r}, phrase={self.phrase!r}, "
                f"problems={self.problems!r}, sims={self.sims!r})")


class MatchResult:
    """The matching of one document. ``scores`` ((problem, measure) → overlap score, or
    the reference similarity for a named pair) is built on first use from ``rows``
    (``rows[j][i]``: problem ``i``, measure ``j``, in document order)."""

    def __init__(self, problems: list[str], measures: list[str], rows: list[list[float]],
                 answers: dict[str, list[str]], references: dict[str, list[Reference]],
                 by_problem: dict[str, list[str]], best: dict[str, float],
                 head_hit: dict[str, float]):
        self.problems = problems
        self.measures = measures
        self.rows = rows
        self.answers = answers            # measure → problems it answers
        self.references = references      # measure → its references
        self.by_problem = by_problem      # problem → answering measures
        self.best = best                  # problem → reported score
        self.head_hit = head_hit          # problem → best share of its headline topics
                                          # found in any one measure
        self._scores: dict[tuple[str, str], float] | None = None

    @property
    def scores(self) -> dict[tuple[str, str], float]:
        """(problem, measure) → score."""
        if self._scores is None:
            self._scores = {(pid, mid): v for mid, row in zip(self.measures, self.rows)
                            for pid, v in zip(self.problems, row)}
        return self._scores

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


_SCALE = (1, 10, 100, 1000, 10000, 100000, 1000000)


def _round(x: float, digits: int) -> float:
    """``round(x, digits)`` (``digits`` 0..6), the same float, mostly without the
    decimal conversion :func:`round` makes. When ``y = x·10^digits`` is in (0, 10^9)
    and within 0.4999 of an integer ``k``: ``y`` is off the exact product by less than
    10^-7, so the exact product is within 0.5 of ``k``, which is the integer round()
    rounds to (no tie); and ``k / 10^digits``, a correctly rounded division, is the
    double nearest to that decimal, which is what round() returns. Otherwise (near a
    tie, zero, negative, huge or not a number) it is round() itself."""
    scale = _SCALE[digits]
    y = x * scale
    if 0.0 < y < 1e9:
        k = int(y + 0.5)
        if -0.4999 < y - k < 0.4999:
            return k / scale
    return round(x, digits)


def _filler_index(fillers: tuple[str, ...]
                  ) -> tuple[dict[str, tuple[tuple[int, str], ...]],
                             dict[str, tuple[tuple[int, str], ...]]]:
    """First character → ``(index, filler)`` of the fillers it begins, last character →
    those it ends (in list order)."""
    firsts: dict[str, tuple[tuple[int, str], ...]] = {}
    lasts: dict[str, tuple[tuple[int, str], ...]] = {}
    for i, f in enumerate(fillers):
        firsts[f[:1]] = firsts.get(f[:1], ()) + ((i, f),)
        lasts[f[-1:]] = lasts.get(f[-1:], ()) + ((i, f),)
    return firsts, lasts


def _strip_fillers(phrase: str) -> str:
    """Strip the fillers off both ends: pass after pass over the fillers in list order,
    each stripped as a prefix then as a suffix, until a pass changes nothing. A pass
    jumps straight to the next filler that begins or ends the phrase (the others would
    change nothing)."""
    lex = _lex()
    firsts, lasts = lex.filler_firsts, lex.filler_lasts
    phrase = phrase.strip()
    changed = True
    while changed and phrase:
        changed = False
        i = 0   # the next filler of this pass
        while phrase:
            nxt = -1
            for j, f in firsts.get(phrase[0], ()):
                if j >= i and phrase.startswith(f):
                    nxt = j
                    break
            for j, f in lasts.get(phrase[-1], ()):
                if nxt >= 0 and j >= nxt:
                    break
                if j >= i and phrase.endswith(f):
                    nxt = j
                    break
            if nxt < 0:
                break
            f = lex.fillers[nxt]
            if phrase.startswith(f):
                phrase, changed = phrase[len(f):].strip(), True
            if phrase.endswith(f):
                phrase, changed = phrase[: -len(f)].strip(), True
            i = nxt + 1
    return phrase


_NO_TOPICS: frozenset[str] = frozenset()


def _token_topics(token: str) -> frozenset[str]:
    """The topics one token contributes (its search words folded to their groups)."""
    concept = _lex().concept
    out: list[str] = []
    for w in search_words(token):
        out.extend(concept.get(w, (w,)))
    return frozenset(out) if out else _NO_TOPICS


# token → _token_topics(token), for every token met so far (cleared when it grows past
# _TOKEN_LIMIT entries): a plain dict, which operator.itemgetter reads fastest
_TOKEN_TOPICS: dict[str, frozenset[str]] = {}
_TOKEN_LIMIT = 50000


def _topics_of(token: str) -> frozenset[str]:
    """:func:`_token_topics` through :data:`_TOKEN_TOPICS`."""
    value = _TOKEN_TOPICS.get(token)
    if value is None:
        if len(_TOKEN_TOPICS) >= _TOKEN_LIMIT:
            _TOKEN_TOPICS.clear()
        value = _TOKEN_TOPICS[token] = _token_topics(token)
    return value


class _Topics:
    """Topics of a span of the document: ``tp.span(s, e)`` ==
    ``topics(seg.words(s, e))``, without building the word list: the tokens' topic sets
    are looked up in one :class:`operator.itemgetter` call (when a token is new, one by
    one) and merged in one ``set.union`` call."""

    __slots__ = ("token_words",)

    def __init__(self, seg: Segmentation):
        self.token_words = seg.token_words

    def span(self, start: int, end: int) -> set[str]:
        words = self.token_words(start, end)
        if len(words) > 1:
            try:
                return set().union(*itemgetter(*words)(_TOKEN_TOPICS))
            except KeyError:   # a token met for the first time
                return set().union(*map(_topics_of, words))
        return set(_topics_of(words[0])) if words else set()


def _group_span(text: str, item: Item) -> tuple[int, int] | None:
    if not item.group:
        return None
    lo = item.section.start if item.section is not None else 0
    pos = text.rfind(item.group, lo, item.start)
    return (pos, pos + len(item.group)) if pos >= 0 else None


class _Problem:
    """A problem's topics: ``head`` (its headline, or the headline's first clause),
    ``body`` (the rest of its text, less ``head``)."""

    __slots__ = ("item", "head", "body", "head_text")

    def __init__(self, item: Item, head: set[str], body: set[str]):
        self.item = item
        self.head = head
        self.body = body
        self.head_text = item.headline


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
    return _Problem(p, head, tp.span(h_end, bs + len(p.text)) - head)


def _measure_topics(tp: _Topics, text: str, m: Item, tail: float,
                    g: tuple[int, int] | None) -> list[tuple[set[str], float]]:
    """A measure's topics grouped by weight, ``[(topics, weight), ...]``: 1 for its
    focus (the group heading and the first clause that has a content word), ``tail``
    for the topics met only later (a group may repeat the topics of the groups before
    it: a topic has the weight of the first group that has it).

    A delimiter of :data:`_CLAUSE` is always a token of its own (rjieba never joins
    punctuation), so the topics of the whole body are the union of its clauses' topics:
    one span for the body and one per leading clause until one has a topic. ``g``: the
    span of its group heading, if any."""
    focus = tp.span(*g) if g else set()
    s0 = m.body_start
    e0 = s0 + len(m.text)
    span = tp.span
    if tail > 1.0:   # a later mention would outweigh the focus: clause by clause
        out: dict[str, float] = dict.fromkeys(focus, 1.0)
        w = 1.0
        for cl in _CLAUSE.finditer(text, s0, e0):
            ts = span(*cl.span())
            if ts:
                for t in ts:
                    if out.get(t, 0.0) < w:
                        out[t] = w
                w = tail
        return [({t for t, f in out.items() if f == v}, v) for v in dict.fromkeys(out.values())]
    for cl in _CLAUSE.finditer(text, s0, e0):
        first = span(*cl.span())
        if first:
            focus |= first
            break
    else:
        return [(focus, 1.0)]   # no clause has a topic: the body has none
    return [(focus, 1.0), (span(s0, e0), tail)]


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
    headline / text contain it (for many words at once: one Aho–Corasick pass over all
    the texts, :meth:`prefetch`; for one: a ``str.find`` scan) and whose headline / body
    topics contain its topics (the inverted index of :func:`result`); and to compare a
    named phrase with every headline (:meth:`similarities`)."""

    __slots__ = ("profiles", "n", "index", "heads", "head_starts", "texts", "text_starts",
                 "heads_in_texts", "head_texts", "pids", "_fuzzy", "memo", "reference_min",
                 "reference_margin")
    SEP = "\x00"

    def __init__(self, profiles: list[_Problem], index: dict[str, list[int]]):
        self.profiles = profiles
        self.n = len(profiles)
        self.index = index   # topic → slots: i (headline of problem i), n + i (its body)
        self.head_texts = [pp.head_text for pp in profiles]
        self.heads, self.head_starts = self._join(self.head_texts)
        self.texts, self.text_starts = self._join([pp.item.text for pp in profiles])
        # a headline is the start of its text: a word in the headline is in the text
        self.heads_in_texts = all(pp.head_text in pp.item.text for pp in profiles)
        self.pids = [pp.item.id for pp in profiles]
        self.memo: dict[str, dict[int, float]] = {}   # word → its credits (a word's
                                                      # topics are a function of it)
        self._fuzzy: tuple[list[tuple[int, str, frozenset[str], int]],
                           list[frozenset[str]]] | None = None
        th = _lex().thresholds
        self.reference_min = th["reference_min"]
        self.reference_margin = th["reference_margin"]

    @property
    def fuzzy(self) -> tuple[list[tuple[int, str, frozenset[str], int]], list[frozenset[str]]]:
        """``(index, cleaned headline, its characters, its repeated characters)`` of the
        problems whose cleaned headline has 3 characters or more (fuzz applies), and
        the characters of each; worked out on first use."""
        if self._fuzzy is None:
            fuzzy: list[tuple[int, str, frozenset[str], int]] = []
            for i, pp in enumerate(self.profiles):
                clean = _clean(pp.head_text)
                if len(clean) >= 3:
                    chars = frozenset(clean)
                    fuzzy.append((i, clean, chars, len(clean) - len(chars)))
            self._fuzzy = (fuzzy, [h[2] for h in fuzzy])
        return self._fuzzy

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

    def credits(self, word: str) -> dict[int, float]:
        """The credits of ``word`` that are not 0, problem index → credit:
        ``_credit(word, topics((word,)), profiles[i])``."""
        credit = self.memo.get(word)
        if credit is None:
            if word and self.SEP not in word:   # one scan over all the texts
                credit = self._credits(word, self._containing(self.texts, self.text_starts,
                                                              word))
            else:
                credit = {}
                for i, pp in enumerate(self.profiles):
                    c = _credit(word, topics((word,)), pp)
                    if c:
                        credit[i] = c
            self.memo[word] = credit
        return credit

    def similarities(self, phrase: str, words: list[str]
                     ) -> tuple[list[float], tuple[str, ...] | None]:
        """``sim = max(fuzz, cover)`` per problem (in document order) of a named phrase
        (fillers stripped) whose content words are ``words``; and the fuzz left pending
        (the cleaned phrase, then problem id and cleaned headline in turn; their sims are
        for now their covers), or None: that of a problem whose sim stays under
        ``reference_min`` whatever its fuzz (it cannot be named)."""
        # cover: the mean _credit of the phrase's words, per problem (summed in word
        # order, as _credit's callers always did; one word: its credits themselves)
        # (a credit of 0 changes no sum: x + 0.0 == x)
        ref_words = list(dict.fromkeys(words))
        n_words = len(ref_words)
        covers = [0.0] * self.n
        memo = self.memo
        for w in ref_words:
            credit = memo.get(w)
            if credit is None:
                credit = self.credits(w)
            for i, c in credit.items():
                covers[i] += c
        if n_words > 1:
            covers = list(map(truediv, covers, repeat(n_words)))
        # sim = max(fuzz, cover); fuzz is 0 for a phrase or headline under 3 characters
        # and for a headline sharing no character with the phrase
        ref_clean = _clean(phrase)
        if len(ref_clean) < 3:
            return covers, None
        fuzzy, chars = self.fuzzy
        ref_chars = frozenset(ref_clean)
        near = list(compress(fuzzy, map(not_, map(ref_chars.isdisjoint, chars))))
        if not near:
            return covers, None
        sims = list(covers)
        pending: list[str] = []
        ratio = fuzz.partial_ratio
        n_ref = len(ref_clean)
        ref_repeats = n_ref - len(ref_chars)
        low = self.reference_min
        for i, head_clean, head_chars, head_repeats in near:
            cover = sims[i]
            if cover >= 1.0:
                continue   # (fuzz is at most 1)
            # partial_ratio compares the shorter string (m characters) with substrings
            # of at most m characters of the other: 2·LCS/(m + length) ≤ 2c/(m + c),
            # c = the characters the two share, repeats counted (at most the distinct
            # ones shared plus the repeats of either); 1e-9 covers rounding
            m = n_ref if n_ref < len(head_clean) else len(head_clean)
            c = len(ref_chars & head_chars) + (ref_repeats if ref_repeats < head_repeats
                                               else head_repeats)
            if c > m:
                c = m
            bound = 2 * c / (m + c) + 1e-9
            if bound < cover:
                continue   # fuzz < cover: the sim is the cover
            if bound < low:
                pending += (self.pids[i], head_clean)   # the sim stays under reference_min
                continue
            f = ratio(ref_clean, head_clean) / 100.0
            if f >= cover:
                sims[i] = f
        return sims, ((ref_clean, *pending) if pending else None)

    def prefetch(self, words: list[str]) -> None:
        """Work out the credits of many words at once: the problems whose text contains
        each word come from one Aho–Corasick pass over all the texts (instead of a
        ``str.find`` scan per word)."""
        sep = self.SEP
        memo = self.memo
        todo = [w for w in dict.fromkeys(words) if w and sep not in w and w not in memo]
        if len(todo) < 2:
            return
        auto = ahocorasick.Automaton()
        for k, w in enumerate(todo):
            auto.add_word(w, k)
        auto.make_automaton()
        found: list[list[int]] = [[] for _ in todo]   # per word: the problems having it
        starts = self.text_starts
        for last, k in auto.iter(self.texts):
            i = bisect_right(starts, last) - 1
            hits = found[k]
            if not hits or hits[-1] != i:   # (the hits come in text order)
                hits.append(i)
        for w, in_text in zip(todo, found):
            memo[w] = self._credits(w, in_text)

    def _credits(self, word: str, in_text: list[int]) -> dict[int, float]:
        """The credits of ``word`` (no separator in it) that are not 0, problem index →
        credit; ``in_text``: the problems whose text contains it."""
        n = self.n
        credit: dict[int, float] = {}
        # the tiers in rising order, so that the best one a problem meets stays:
        # by synonym in the body 0.5, literally in the text 0.7, by synonym in the
        # headline 0.8, literally in the headline 1
        in_head: list[int] = []
        index = self.index
        for t in _lex().concept.get(word, (word,)):   # == topics((word,))
            slots = index.get(t)
            if slots:
                for k in slots:
                    if k < n:
                        in_head.append(k)
                    else:
                        credit[k - n] = 0.5
        for i in in_text:
            credit[i] = 0.7
        for i in in_head:
            credit[i] = 0.8
        if self.heads_in_texts:
            head_texts = self.head_texts
            for i in in_text:
                if word in head_texts[i]:
                    credit[i] = 1.0
        else:
            for i in self._containing(self.heads, self.head_starts, word):
                credit[i] = 1.0
        return credit


class _Named:
    """A "针对……的问题" reference before it is resolved: the phrase it names (fillers
    stripped) and the phrase's content words."""

    __slots__ = ("start", "end", "phrase", "words")

    def __init__(self, start: int, end: int, phrase: str, words: list[str]):
        self.start = start
        self.end = end
        self.phrase = phrase
        self.words = words


def _find_references(text: str, seg: Segmentation, s: int, e: int,
                     profiles: list[_Problem]) -> list[Reference | _Named]:
    """The references in ``text[s:e]``: by number ("第X个问题", "第X方面", resolved at
    once), then by phrase (resolved by :func:`_resolve`)."""
    lex = _lex()
    refs: list[Reference | _Named] = []
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
    generic = lex.generic
    for mt in lex.phrase_ref.finditer(text, s, e):
        if taken and any(a < mt.end() and mt.start() < b for a, b in taken):
            continue
        phrase = _strip_fillers(mt.group("ref"))
        if not phrase or phrase in generic:
            continue
        words = seg.words(*mt.span("ref"))
        if generic.issuperset(words):   # (every word generic)
            continue
        refs.append(_Named(mt.start(), mt.end(), phrase, words))
    return refs


def _resolve(ref: Reference | _Named, table: _ProblemTable) -> Reference:
    """A reference with the problems it names."""
    if type(ref) is Reference:
        return ref
    sims, pending = table.similarities(ref.phrase, ref.words)
    best = max(sims, default=0.0)
    floor = best - table.reference_margin
    if floor < table.reference_min:
        floor = table.reference_min
    # (the sims are floats: floor <= v is v >= floor; a pending sim stays under floor)
    pids = table.pids
    ids = list(compress(pids, map(floor.__le__, sims)))
    return Reference(ref.start, ref.end, ref.phrase, ids, dict(zip(pids, sims)), pending)


# --------------------------------------------------------------------------- matching
def _prune_secondary(answers: list[list[int] | None], rows: list[list[float]],
                     overlap_only: list[bool]) -> None:
    """Drop an overlap measure's secondary link (to a problem that is not its best) when
    that problem has a better-scoring measure of its own (one naming it, or one whose
    best problem it is). ``answers[j]``: the problems (indexes) measure ``j`` answers."""
    primary: dict[int, int] = {}
    owned: dict[int, float] = {}
    for j, idx in enumerate(answers):
        if not idx:
            continue
        row = rows[j]
        if overlap_only[j]:
            primary[j] = max(idx, key=row.__getitem__)
            own = [primary[j]]
        else:
            own = idx  # a reference: every problem it names is its own
        for i in own:
            if owned.get(i, 0.0) < row[i]:
                owned[i] = row[i]
    for j, idx in enumerate(answers):
        if overlap_only[j] and idx:
            row = rows[j]
            answers[j] = [i for i in idx
                          if i == primary[j] or owned.get(i, 0.0) <= row[i]]


def result(ctx: ReviewContext) -> MatchResult:
    """The full matching of the document (cached in ``ctx.cache``)."""
    cached = ctx.cache.get(_CACHE_KEY)
    if cached is not None:
        return cached
    th = _lex().thresholds
    doc, text = ctx.doc, ctx.text
    measures = doc.measures
    seg = doc_segmentation(ctx)
    tp = _Topics(seg)
    profiles = [_problem_profile(tp, text, p) for p in doc.problems]
    n = len(profiles)
    hw, sat, tail = th["headline_weight"], th["body_saturation"], th["measure_tail_weight"]
    hw1 = hw + 1
    overlap_min, overlap_rel = th["overlap_min"], th["overlap_relative"]

    # the references of every measure (those of a group heading found once)
    groups = [_group_span(text, m) for m in measures]
    found: dict[tuple[int, int], list[Reference | _Named]] = {}   # group heading → its
    own: list[list[Reference | _Named]] = []                      # per measure: its own
    for m, g in zip(measures, groups):
        if g and g not in found:
            found[g] = _find_references(text, seg, g[0], g[1], profiles)
        s0 = m.body_start
        own.append(_find_references(text, seg, s0, s0 + len(m.text), profiles))
    # the topics of every measure, by weight
    by_measure = [_measure_topics(tp, text, m, tail, g) for m, g in zip(measures, groups)]

    # inverted index: topic → its slots, i for the headline of problem i, n + i for its
    # body (a problem's body topics exclude its headline topics, so df(c) = the number
    # of slots), over the topics that count: every headline topic (for Σ w(c) over H)
    # and every measure topic (the words of a reference are words of its measure or
    # group heading: their topics are measure topics too)
    wanted = set().union(*[pp.head for pp in profiles],
                         *[ts for mt in by_measure for ts, _f in mt])
    index: dict[str, list[int]] = {}
    get = index.get
    for i, pp in enumerate(profiles):
        for t in pp.head:
            slots = get(t)
            if slots is None:
                index[t] = [i]
            else:
                slots.append(i)
        k = n + i
        for t in pp.body & wanted:
            slots = get(t)
            if slots is None:
                index[t] = [k]
            else:
                slots.append(k)
    indexed = index.keys()
    if n > 1:
        norm = math.log(n + 1)
        floor = th["idf_floor"]
        by_df = [0.0] + [max(floor, math.log((n + 1) / k) / norm) for k in range(1, n + 1)]
    else:
        by_df = [0.0, 1.0]
    # w(c) of a topic = by_df[df(c)]
    head_weights = [sum(by_df[len(index[t])] for t in pp.head) for pp in profiles]
    pids = [pp.item.id for pp in profiles]
    ix = {pid: i for i, pid in enumerate(pids)}

    # the credits of all the words of the references at once
    table = _ProblemTable(profiles, index)
    table.prefetch([w for refs in chain(found.values(), own) for r in refs
                    if type(r) is _Named for w in r.words])
    group_refs = {g: [_resolve(r, table) for r in found[g]] for g in dict.fromkeys(groups) if g}

    rows: list[list[float]] = []                 # rows[j][i]: problem i, measure j
    answers: list[list[int] | None] = []         # per measure: the problems it answers
    overlap_only: list[bool] = []                # per measure: answers by overlap
    references: dict[str, list[Reference]] = {}
    best_head = [0.0] * n   # per problem: the best head share over the measures
    n2 = 2 * n
    for m, g, weighted, mine in zip(measures, groups, by_measure, own):
        # Σ w(c)·f(c) over the topics a problem shares with the measure: sums[i] for
        # the headline of problem i, sums[n + i] for its body (the slots of c)
        sums = [0.0] * n2
        before: set[str] | None = None   # the topics of the groups before
        for ts, f in weighted:
            shared = ts & indexed   # the topics some problem has
            if before is not None:
                shared -= before
                before |= shared
            else:
                before = shared
            for t in shared:
                slots = index[t]
                v = by_df[len(slots)] * f
                for k in slots:
                    sums[k] += v
        row = [0.0] * n   # no shared topic: score 0
        for i in range(n):
            hsum = sums[i]
            if hsum:
                head = hsum / head_weights[i]   # (a shared headline topic: H has weight)
                if head > best_head[i]:
                    best_head[i] = head
                body = sums[n + i] / sat
                if body > 1.0:
                    body = 1.0
                score = (hw * head + body) / hw1
            else:
                body = sums[n + i] / sat
                if not body:
                    continue
                if body > 1.0:
                    body = 1.0
                score = body / hw1   # (hw · 0 + body == body)
            # row[i] = round(score, 3), as _round works it out (0 < score ≤ 1)
            y = score * 1000.0
            k = int(y + 0.5)
            row[i] = k / 1000 if -0.4999 < y - k < 0.4999 else round(score, 3)
        rows.append(row)
        refs = [r.copy() for r in group_refs[g]] if g else []
        refs += [_resolve(r, table) for r in mine]
        references[m.id] = refs
        named = [ix[pid] for r in refs for pid in r.problems]
        if named:
            answers.append(list(dict.fromkeys(named)))
            overlap_only.append(False)
            for r in refs:
                for pid in r.problems:
                    i = ix[pid]
                    v = _round(r._sims[pid], 3)   # (a named problem's sim is settled)
                    if v > row[i]:
                        row[i] = v
            continue
        lo = overlap_rel * max(row, default=0.0)
        answers.append([i for i, v in enumerate(row) if v >= overlap_min and v >= lo])
        overlap_only.append(True)
    _prune_secondary(answers, rows, overlap_only)

    mids = [m.id for m in measures]
    by_idx: list[list[int]] = [[] for _ in range(n)]
    for j, idx in enumerate(answers):
        for i in idx:
            by_idx[i].append(j)
    by_problem = {pid: [mids[j] for j in by_idx[i]] for i, pid in enumerate(pids)}
    best: dict[str, float] = {}
    cols = list(zip(*rows)) if rows else [()] * n   # cols[i][j] = rows[j][i]
    for i, pid in enumerate(pids):
        col, idx = cols[i], by_idx[i]
        best[pid] = max(map(col.__getitem__, idx)) if idx else max(col, default=0.0)
    res = MatchResult(problems=pids, measures=mids, rows=rows,
                      answers={mid: [pids[i] for i in idx] for mid, idx in zip(mids, answers)},
                      references=references, by_problem=by_problem, best=best,
                      head_hit={pid: _round(v, 3) for pid, v in zip(pids, best_head)})
    ctx.cache[_CACHE_KEY] = res
    return res


def matches(ctx: ReviewContext) -> list[dict]:
    """One entry per problem: ``{"problem": id, "measures": [ids], "score": float}``."""
    if "matches" in ctx.cache:
        return ctx.cache["matches"]
    res = result(ctx)
    out = [{"problem": pid, "measures": list(res.by_problem[pid]),
            "score": _round(res.best[pid], 2)} for pid in res.problems]
    ctx.cache["matches"] = out
    return out


def answered_by(ctx: ReviewContext) -> dict[str, list[str]]:
    """Measure id → the problem ids it answers (empty list: an orphan measure)."""
    return {mid: list(pids) for mid, pids in result(ctx).answers.items()}
