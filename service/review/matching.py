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
plus set operations over the problems × measures matrix: about 1 ms for a
5,000-character document with 17 problems and 5 measures.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from functools import lru_cache

from rapidfuzz import fuzz

from service.document import Item, cn_to_int
from service.review.context import ReviewContext
from service.review.lexicon import load
from service.text.normalize import normalize_phrase
from service.text.segment import Segmentation, doc_segmentation

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


def _strip_fillers(phrase: str) -> str:
    fillers = _lex().fillers
    changed = True
    phrase = phrase.strip()
    while changed and phrase:
        changed = False
        for f in fillers:
            if phrase.startswith(f):
                phrase, changed = phrase[len(f):].strip(), True
            if phrase.endswith(f):
                phrase, changed = phrase[: -len(f)].strip(), True
    return phrase


def _span_topics(seg: Segmentation, start: int, end: int) -> set[str]:
    return topics(seg.words(start, end))


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


def _problem_profile(seg: Segmentation, text: str, p: Item) -> _Problem:
    bs = p.body_start
    h_end = bs + len(p.headline)
    # a headline that runs on ("理论学习不够深入，学用结合不够紧密，……") is named by its
    # first clause when that clause has a topic; the rest counts as body
    first = _CLAUSE.match(text, bs, h_end)
    if first is not None and first.end() < h_end and _span_topics(seg, bs, first.end()):
        h_end = first.end()
    head = _span_topics(seg, bs, h_end)
    body = _span_topics(seg, h_end, bs + len(p.text)) - head
    return _Problem(p, head, body, _clean(p.headline), p.headline)


def _measure_spans(text: str, m: Item) -> list[tuple[int, int]]:
    spans = [(m.body_start, m.body_start + len(m.text))]
    g = _group_span(text, m)
    if g:
        spans.insert(0, g)
    return spans


def _measure_topics(seg: Segmentation, text: str, m: Item, tail: float) -> dict[str, float]:
    """A measure's topics with their weight: 1 for its focus (the group heading and the
    first clause that has a content word), ``tail`` for topics met only later."""
    out: dict[str, float] = {}
    g = _group_span(text, m)
    if g:
        out.update(dict.fromkeys(_span_topics(seg, *g), 1.0))
    focus_seen = False
    s0 = m.body_start
    for cl in _CLAUSE.finditer(text, s0, s0 + len(m.text)):
        ts = _span_topics(seg, cl.start(), cl.end())
        if not ts:
            continue
        w = tail if focus_seen else 1.0
        focus_seen = True
        for t in ts:
            if out.get(t, 0.0) < w:
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


def _references(ctx: ReviewContext, seg: Segmentation, m: Item, profiles: list[_Problem],
                spans: list[tuple[int, int]]) -> list[Reference]:
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
            sims: dict[str, float] = {}
            for pp in profiles:
                f = 0.0
                if len(ref_clean) >= 3 and len(pp.head_clean) >= 3:
                    f = fuzz.partial_ratio(ref_clean, pp.head_clean) / 100.0
                cover = 0.0
                if ref_words:
                    cover = sum(_credit(w, ts, pp) for w, ts in ref_words) / len(ref_words)
                sims[pp.item.id] = max(f, cover)
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
    profiles = [_problem_profile(seg, text, p) for p in doc.problems]
    n = len(profiles)
    df: dict[str, int] = {}
    for pp in profiles:
        for t in pp.head | pp.body:
            df[t] = df.get(t, 0) + 1
    if n > 1:
        norm = math.log(n + 1)
        floor = th["idf_floor"]
        weight = {t: max(floor, math.log((n + 1) / k) / norm) for t, k in df.items()}
    else:
        weight = {t: 1.0 for t in df}
    hw, sat, tail = th["headline_weight"], th["body_saturation"], th["measure_tail_weight"]
    head_weights = [sum(weight[t] for t in pp.head) for pp in profiles]

    scores: dict[tuple[str, str], float] = {}
    answers: dict[str, list[str]] = {}
    references: dict[str, list[Reference]] = {}
    overlap_only: list[str] = []
    head_hit: dict[str, float] = {}
    for m in doc.measures:
        spans = _measure_spans(text, m)
        mt = _measure_topics(seg, text, m, tail)
        row: dict[str, float] = {}
        for pp, head_w in zip(profiles, head_weights):
            head = (sum(weight[t] * mt[t] for t in pp.head & mt.keys()) / head_w
                    if head_w else 0.0)
            head_hit[pp.item.id] = max(head_hit.get(pp.item.id, 0.0), head)
            body = min(1.0, sum(weight[t] * mt[t] for t in pp.body & mt.keys()) / sat)
            score = (hw * head + body) / (hw + 1)
            row[pp.item.id] = scores[(pp.item.id, m.id)] = round(score, 3)
        refs = _references(ctx, seg, m, profiles, spans)
        references[m.id] = refs
        named = [pid for r in refs for pid in r.problems]
        if named:
            answers[m.id] = list(dict.fromkeys(named))
            for r in refs:
                for pid in r.problems:
                    scores[(pid, m.id)] = max(scores[(pid, m.id)], round(r.sims[pid], 3))
            continue
        top = max(row.values(), default=0.0)
        answers[m.id] = [pid for pid, v in row.items()
                         if v >= th["overlap_min"] and v >= th["overlap_relative"] * top]
        overlap_only.append(m.id)
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
