"""Near-duplicate text: character 3-gram Jaccard, per sentence, against a small corpus.

Used by DZ601 (template_copy, domain.md Q24: 照搬照抄模板) and offered to the eval suite
and to a later "compare with last year's text" check (:func:`similarity`).

Method
------
Text is reduced to its *feature characters* (Hanzi and digits; punctuation, spaces and
ASCII letters dropped, so "zuzhi生活" and "组织生活" differ only by the substituted
word) and cut into sentence units at 。！？； and line breaks, with a leading numbering
marker (一是 / （一） / 1.) removed. Each unit is the set of its character 3-grams.
A unit of the text *matches* a corpus unit when their exact Jaccard similarity
``|A ∩ B| / |A ∪ B|`` is at least :data:`MIN_UNIT_SIMILARITY` (0.6). Measured on the
bundled corpus (sentences of ≥ 20 characters): one, two, three substituted characters
give a median Jaccard of 0.89, 0.79, 0.72 (96 % of two-character edits stay ≥ 0.6),
while 99.9 % of the 17,921 pairs of sentences from *different* corpus documents, all of
this genre, score ≤ 0.25. A sentence that copies only part of a longer template
sentence (its first clauses) has a low Jaccard, so a unit of at least 15 characters
also matches when :data:`MIN_CONTAINMENT` (80 %) of its 3-grams occur in one corpus
sentence; the score reported for it is that share. Consecutive matching units form a
*run*; a run is reported when its matched units hold at least :data:`MIN_RUN_CHARS`
(20) feature characters, so one stock clause ("现将对照检查情况报告如下", 12; "宗旨意识
有所淡化", 8) never counts on its own. Units shorter than :data:`MIN_UNIT_CHARS` (6)
neither match nor break a run.

Why exact Jaccard and not MinHash + LSH (datasketch)
----------------------------------------------------
engineering.md suggests datasketch MinHash + LSH over character 3-grams. At this corpus
size (five documents, ~200 sentences, a few thousand distinct 3-grams) an inverted index
from 3-gram to corpus sentences gives the *exact* Jaccard of every candidate. MinHash
only estimates the Jaccard (standard error ≈ 0.04 at 128 permutations near J = 0.6,
right at the threshold), and importing datasketch costs 0.4–0.5 s (it imports scipy)
against the < 0.5 s cold-start budget of ``duizhao review``. The index is built lazily
on first use and cached for the process (≈ 10 ms for the bundled corpus, normalization
and the prefilter's automaton included), so importing this module costs nothing.

Speed
-----
:meth:`Corpus.search_many` (what DZ601 calls, all regions of a document at once; and
:meth:`Corpus.search`, one region) scores every unit on its own and assembles the runs
afterwards. Each region is cut into units and reduced to feature text with two
regular-expression passes. A unit identical to a corpus unit (a verbatim copy: most
sentences of a copied template) is scored by a dict look-up, (1.0, its document), when
every corpus unit with the same 3-gram set lies in one document. The others never get
their 3-gram set when they cannot match: a unit A can only reach the threshold with a
corpus unit B if ``|A ∩ V| ≥ t·|A|`` (V = corpus vocabulary; ``J ≤ |A ∩ B| / |A| ≤
|A ∩ V| / |A|``). Both sides are bounded without materializing A (:meth:`Corpus._possible`):
``|A ∩ V|`` by the number of positions where a vocabulary 3-gram may start, counted by
one Aho–Corasick pass over the coded text of all those units (:class:`_Coded`), and
``|A|`` from below by the number of distinct characters minus 2 (a repeated 3-gram
starts with a repeated character), itself bounded by the distinct low bytes of the
characters (``bytes.translate``). Only the units this does not reject (a few per
document) get their 3-grams and :meth:`Corpus.best`, which scores the corpus units
holding one of ``len(shared) − ⌈t·|A|⌉ + 1`` shared 3-grams (its rare ones, or those in
the fewest corpus units): every unit that can reach the threshold holds one of them.
tests/text/test_neardup.py compares all of this with a plain computation (every unit
against every corpus unit) on real documents and generated near-copies. Measured
(DZ601 alone, in-process, CPU time): ≈ 0.33 ms for the clean 4,800-character benchmark
document (≈ 0.08 ms cutting and reducing the text, ≈ 0.15 ms the prefilter, ≈ 0.02 ms
best()); ≈ 0.24 ms for a 5,000-character document copied from the seed template (was
≈ 1.1 ms before the exact-copy look-up).
datasketch stays the right tool for large-scale cross-document similarity (the eval
suite comparing many drafts, a branch's members against each other).

Offsets are Python ``str`` indices into the text given (for a document: normalized).
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache
from itertools import accumulate, chain, compress, islice, repeat
from math import ceil
from operator import itemgetter
from pathlib import Path
from typing import Iterable

import ahocorasick

K = 3                       # shingle size (characters)
MIN_UNIT_SIMILARITY = 0.6   # Jaccard for a sentence to count as copied
MIN_RUN_CHARS = 20          # feature characters a reported run must hold
MIN_UNIT_CHARS = 6          # shorter units are neutral: they neither match nor break a run
MIN_CONTAINMENT = 0.8       # a unit this much contained in one corpus sentence also counts …
MIN_CONTAINED_GRAMS = 13    # … when it has at least this many 3-grams (15 characters)
_SCAN_PIECES = (4, 64)      # pieces (sentences) an Aho–Corasick pass of the prefilter covers

_UNIT_END = re.compile(r"[。!?;；！？\n]")
_MARKER = re.compile(
    r"[ \t\u3000]*(?:[一二三四五六七八九十]{1,3}是|第[一二三四五六七八九十]{1,3}[,、，]|"
    r"[(（][一二三四五六七八九十\d]{1,3}[)）]|[一二三四五六七八九十]{1,3}、|\d{1,2}[、.](?!\d)|"
    r"[\u2460-\u2473])")


def _is_feature(ch: str) -> bool:
    return ("\u4e00" <= ch <= "\u9fff") or ("\u3400" <= ch <= "\u4dbf") or "0" <= ch <= "9"


_NON_FEATURE = re.compile(r"[^\u4e00-\u9fff\u3400-\u4dbf0-9]+")
# How search() gets the feature text of every unit of a region: every unit end turned
# into "\n" (_ends_to_newlines; re skips to a literal first character much faster than
# to a class), the region split at them, each taking a numbering marker right after it
# (where _add_unit strips one; (?=…): a marker's possible first characters), the
# segments joined with "\n" and everything but feature characters and "\n" dropped.
_UNIT_ENDS = "。!?;；！？"                        # and "\n": the class of _UNIT_END
_NL_MARKER = re.compile(r"(\n(?:(?=[ \t\u3000一二三四五六七八九十第(（\d\u2460-\u2473])"
                        r"(?:" + _MARKER.pattern + r"))?)")
_FEATURE_RUNS = re.compile(r"[\u4e00-\u9fff\u3400-\u4dbf0-9\n]+")
_GRAM = re.compile(r"(?=(...))", re.S)


def _ends_to_newlines(text: str) -> str:
    """``text`` with every unit end (。!?;；！？) replaced by "\n" (same length)."""
    for ch in _UNIT_ENDS:
        if ch in text:
            text = text.replace(ch, "\n")
    return text


_BYTES = bytes(range(256))      # 256 − len(_BYTES.translate(None, b)): distinct bytes of b


def features(text: str) -> str:
    """The feature characters of ``text`` (Hanzi and ASCII digits), in order."""
    return _NON_FEATURE.sub("", text)


def shingles(text: str, k: int = K) -> frozenset[str]:
    """The set of character k-grams of the feature characters of ``text``."""
    f = features(text)
    if len(f) < k:
        return frozenset((f,)) if f else frozenset()
    return frozenset(f[i:i + k] for i in range(len(f) - k + 1))


def jaccard(a: frozenset[str] | set[str], b: frozenset[str] | set[str]) -> float:
    if not a or not b:
        return 0.0
    inter = len(a & b)
    return inter / (len(a) + len(b) - inter)


def similarity(a: str, b: str) -> float:
    """Document-level similarity: Jaccard of the two texts' character 3-gram sets
    (1.0 identical, ≈0.8 a lightly edited copy, < 0.1 unrelated texts of the genre)."""
    return jaccard(shingles(a), shingles(b))


# ---- sentence units ---------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class Unit:
    start: int              # offsets of the unit (marker excluded) in the text given
    end: int
    size: int               # feature characters
    grams: frozenset[str]


def units(text: str, start: int = 0, end: int | None = None) -> list[Unit]:
    """Sentence units of ``text[start:end]`` (leading numbering markers removed)."""
    end = len(text) if end is None else end
    out: list[Unit] = []
    pos = start
    for m in _UNIT_END.finditer(text, start, end):
        _add_unit(text, pos, m.start(), out)
        pos = m.end()
    _add_unit(text, pos, end, out)
    return out


def _trim(text: str, s: int, e: int) -> tuple[int, int]:
    """Offsets of the unit in the raw segment ``text[s:e]`` (marker and edges removed)."""
    m = _MARKER.match(text, s, e)
    if m:
        s = m.end()
    while s < e and not _is_feature(text[s]) and text[s] not in "“\"《":
        s += 1
    while e > s and text[e - 1] in " \t\u3000,，、:：":
        e -= 1
    return s, e


def _add_unit(text: str, s: int, e: int, out: list[Unit]) -> None:
    s, e = _trim(text, s, e)
    f = features(text[s:e])
    if not f:
        return
    grams = frozenset(f[i:i + K] for i in range(len(f) - K + 1)) if len(f) >= K else frozenset((f,))
    out.append(Unit(s, e, len(f), grams))


# ---- corpus and search ------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class CorpusDoc:
    name: str       # file stem
    title: str      # first non-empty line


@dataclass(frozen=True, slots=True)
class Run:
    """Consecutive copied sentences: ``start``/``end`` in the text searched."""

    start: int
    end: int
    similarity: float       # feature-length-weighted mean score of the matched units
    doc: CorpusDoc          # the corpus document most of the run resembles
    units: int              # matched units in the run
    chars: int              # feature characters of the matched units


class Corpus:
    """Sentence units of a few documents with an inverted index 3-gram → units."""

    def __init__(self, docs: Iterable[tuple[CorpusDoc, str]]):
        self.docs: list[CorpusDoc] = []
        self._unit_doc: list[int] = []
        self._unit_size: list[int] = []
        self._unit_grams: list[frozenset[str]] = []
        index: dict[str, list[int]] = {}
        unit_features: list[str] = []
        for d, text in docs:
            di = len(self.docs)
            self.docs.append(d)
            for u in units(text):
                if u.size < MIN_UNIT_CHARS:
                    continue
                ui = len(self._unit_doc)
                self._unit_doc.append(di)
                self._unit_size.append(len(u.grams))
                self._unit_grams.append(u.grams)
                unit_features.append(features(text[u.start:u.end]))
                for g in u.grams:
                    index.setdefault(g, []).append(ui)
        self._index: dict[str, tuple[int, ...]] = {g: tuple(v) for g, v in index.items()}
        self._vocab = frozenset(self._index)
        # 3-grams found in one corpus unit only → that unit
        self._rare_unit = {g: v[0] for g, v in index.items() if len(v) == 1}
        self._rare = frozenset(self._rare_unit)
        self._df = {g: len(v) for g, v in index.items()}       # 3-gram → corpus units
        self._coded = _Coded(self._vocab)
        # feature text of a corpus unit → its document, when every corpus unit with the
        # same 3-gram set (Jaccard 1.0 with it) is in that document: a verbatim copy
        # scores (1.0, document) without its 3-grams
        docs_of: dict[frozenset[str], set[int]] = {}
        for grams, di in zip(self._unit_grams, self._unit_doc):
            docs_of.setdefault(grams, set()).add(di)
        self._exact: dict[str, int] = {}
        for f, grams in zip(unit_features, self._unit_grams):
            if len(ds := docs_of[grams]) == 1:
                self._exact[f] = next(iter(ds))

    def __len__(self) -> int:
        return len(self._unit_doc)

    def best(self, grams: frozenset[str], min_sim: float = MIN_UNIT_SIMILARITY
             ) -> tuple[float, int] | None:
        """(score, document index) of the corpus unit most like ``grams``, or None.

        The score is the exact Jaccard similarity when it reaches ``min_sim``; otherwise,
        for a unit of at least :data:`MIN_CONTAINED_GRAMS` 3-grams, the share of its
        3-grams found in one corpus sentence when that reaches :data:`MIN_CONTAINMENT`
        (a template sentence copied only in part: its first clauses)."""
        la = len(grams)
        if not la:
            return None
        shared = grams & self._vocab
        floor = min_sim * la                    # J ≥ t and C ≥ t both need |A ∩ B| ≥ t·|A|
        if len(shared) < floor:                 # (J ≤ C ≤ |A ∩ V| / |A|)
            return None
        contain_ok = la >= MIN_CONTAINED_GRAMS
        # A corpus unit with c ≥ floor holds one of any m = len(shared) − ⌈floor⌉ + 1 of
        # the shared 3-grams (it lacks at most len(shared) − c of them), so the units of
        # m shared 3-grams are every candidate: m rare ones (in one corpus unit each)
        # when there are that many, else the m in the fewest corpus units. Each candidate
        # is scored from its own 3-gram set. A tie for the best score is left to the
        # counting below, which settles it by candidate order.
        m = len(shared) - ceil(floor) + 1
        rare = shared & self._rare
        if len(rare) >= m:
            cands = set(map(self._rare_unit.__getitem__, islice(rare, m)))
        else:
            cands = set(chain.from_iterable(map(
                self._index.__getitem__, sorted(shared, key=self._df.__getitem__)[:m])))
        best_s, best_u, tied = 0.0, -1, False
        for ui in cands:
            score = self._score(len(grams & self._unit_grams[ui]), la, ui, floor,
                                contain_ok, min_sim)
            if score > best_s:
                best_s, best_u, tied = score, ui, False
            elif score == best_s and score:
                tied = True
        if best_u < 0 or best_s < min_sim:
            return None
        if not tied:
            return best_s, self._unit_doc[best_u]
        # Every unit sharing a 3-gram, with its count c, in order of first occurrence.
        counts = Counter(chain.from_iterable(map(self._index.__getitem__, shared)))
        best_s, best_u = 0.0, -1
        for ui in compress(counts, map(floor.__le__, counts.values())):   # c ≥ floor
            score = self._score(counts[ui], la, ui, floor, contain_ok, min_sim)
            if score > best_s:
                best_s, best_u = score, ui
        if best_u < 0 or best_s < min_sim:
            return None
        return best_s, self._unit_doc[best_u]

    def _score(self, c: int, la: int, ui: int, floor: float, contain_ok: bool,
               min_sim: float) -> float:
        """Score of corpus unit ``ui`` sharing ``c`` of the ``la`` 3-grams (0 if none)."""
        if c < floor:
            return 0.0
        score = c / (la + self._unit_size[ui] - c)
        if score < min_sim:
            score = c / la if contain_ok and c >= MIN_CONTAINMENT * la else 0.0
        return score

    def _possible(self, pieces: list[str], min_sim: float) -> list[int]:
        """Indices of the ``pieces`` (non-empty feature texts) that best() may match:
        the others have |A ∩ V| < t·|A| (V = corpus vocabulary), for which best()
        returns None. |A ∩ V| ≤ hits, the 3-gram positions of the piece that may be in V
        (one Aho–Corasick pass over the coded text of all pieces, see _Coded), and |A| ≥
        distinct characters − 2 ≥ distinct low bytes − 2 (a repeated 3-gram starts with
        a repeated character), so a piece with few hits is rejected without its 3-grams."""
        lo = "\n".join(pieces).encode("utf-16-le")[::2]
        hit_ends = self._coded.hit_ends(self._coded.code(lo), 0, 2 * len(lo))
        out: list[int] = []
        if not hit_ends:
            return out
        # Piece j is lo[pos:pos + n] (the pieces are joined with "\n"); its 3-grams end
        # at coded indices 2·pos + 5 … 2·(pos + n) − 1 (a character is two letters).
        pos, first = 0, 0
        for j, f in enumerate(pieces):
            n = len(f)
            first = bisect_left(hit_ends, 2 * pos + 5, first)
            hits = bisect_left(hit_ends, 2 * (pos + n), first) - first
            if hits and hits >= min_sim * (254 - len(_BYTES.translate(None, lo[pos:pos + n]))):
                out.append(j)
            pos += n + 1
        return out

    def search(self, text: str, start: int = 0, end: int | None = None,
               breaks: Iterable[tuple[int, int]] = (), min_sim: float = MIN_UNIT_SIMILARITY,
               min_chars: int = MIN_RUN_CHARS) -> list[Run]:
        """Runs of consecutive copied sentences in ``text[start:end]``.

        A unit overlapping one of the ``breaks`` spans (e.g. mandated aspect headings)
        is never matched and ends the current run."""
        end = len(text) if end is None else end
        return self.search_many(text, [(start, end)], breaks, min_sim, min_chars)[0]

    def search_many(self, text: str, regions: Iterable[tuple[int, int]],
                    breaks: Iterable[tuple[int, int]] = (),
                    min_sim: float = MIN_UNIT_SIMILARITY,
                    min_chars: int = MIN_RUN_CHARS) -> list[list[Run]]:
        """``[search(text, start, end, breaks, min_sim, min_chars) for start, end in
        regions]``, the regions' units scored together (one prefilter pass)."""
        breaks = sorted(breaks)
        exact = self._exact if min_sim <= 1.0 else {}
        done: list[tuple[int, int, list[str], list[str], dict[int, tuple[float, int]]]] = []
        todo: list[str] = []                            # units for the prefilter …
        todo_found: list[dict[int, tuple[float, int]]] = []    # … their region's found
        todo_k: list[int] = []                                  # … and their piece number
        for start, end in regions:
            # The region is processed at C level: split at unit ends (turned into "\n"
            # first), each end taking the numbering marker after it (_add_unit strips
            # one; the region's first marker is stripped separately), non-feature
            # characters dropped. Piece k is the feature text of raw segment k (the text
            # between two unit ends), exactly what units() yields for it.
            region = text[start:end]
            parts = _NL_MARKER.split(_ends_to_newlines(region))   # segment, end + marker, …
            segs = parts[::2]
            first = _MARKER.match(region)
            if first:
                segs[0] = segs[0][first.end():]
            pieces = "".join(_FEATURE_RUNS.findall("\n".join(segs))).split("\n")
            # Every unit is scored on its own (found: piece → (score, document index));
            # runs are assembled afterwards. A verbatim copy of a corpus unit is a dict
            # look-up (score 1.0); the others of at least MIN_UNIT_CHARS characters go
            # through the exact prefilter (_possible), and those it keeps through best().
            found: dict[int, tuple[float, int]] = {}
            if exact.keys().isdisjoint(pieces):
                ks = [k for k, f in enumerate(pieces) if len(f) >= MIN_UNIT_CHARS]
            else:
                for k in [k for k, f in enumerate(pieces) if f in exact]:
                    found[k] = (1.0, exact[pieces[k]])
                ks = [k for k, f in enumerate(pieces)
                      if len(f) >= MIN_UNIT_CHARS and f not in exact]
            todo += map(pieces.__getitem__, ks)
            todo_found += repeat(found, len(ks))
            todo_k += ks
            done.append((start, end, parts, pieces, found))
        if todo:
            best = self.best
            for j in self._possible(todo, min_sim):
                hit = best(frozenset(_GRAM.findall(todo[j])), min_sim)
                if hit is not None:
                    todo_found[j][todo_k[j]] = hit
        return [self._runs(text, *d, breaks, min_chars) if d[4] else [] for d in done]

    def _runs(self, text: str, start: int, end: int, parts: list[str], pieces: list[str],
              found: dict[int, tuple[float, int]], breaks: list[tuple[int, int]],
              min_chars: int) -> list[Run]:
        """The runs of one region of search_many: maximal sequences of matched units
        (``found``) with no unmatched unit of at least MIN_UNIT_CHARS feature characters
        and no unit overlapping a break between them. Raw segment k ends at
        seg_ends[k] (a unit end, or ``end``) and starts after the previous one."""
        seg_ends = list(accumulate(map(len, parts), initial=start))[1::2]

        def seg(k: int) -> tuple[int, int]:
            return (seg_ends[k - 1] + 1 if k else start), seg_ends[k]

        # Units that overlap a break span: never matched, they end a run. Found by
        # bisection on the untrimmed segments (a superset), then checked exactly.
        barred: set[int] = set()
        for bs, be in breaks:
            if bs < end and be > start:
                k = bisect_right(seg_ends, bs)
                while k < len(pieces) and seg(k)[0] < be:
                    if pieces[k] and k not in barred:
                        s, e = _trim(text, *seg(k))
                        if any(bs2 < e and be2 > s for bs2, be2 in breaks):
                            barred.add(k)
                            found.pop(k, None)
                    k += 1
        runs: list[Run] = []
        if not found:
            return runs
        cur: list[tuple[int, int, int, float, int]] = []   # (seg start, seg end, size, score, doc)

        def close() -> None:
            chars = sum(c[2] for c in cur)
            if chars >= min_chars:
                sim = sum(c[2] * c[3] for c in cur) / chars
                weight: dict[int, int] = {}
                for c in cur:
                    weight[c[4]] = weight.get(c[4], 0) + c[2]
                doc = self.docs[max(weight, key=weight.__getitem__)]
                run_start = _trim(text, cur[0][0], cur[0][1])[0]
                run_end = _trim(text, cur[-1][0], cur[-1][1])[1]
                runs.append(Run(run_start, run_end, round(sim, 2), doc, len(cur), chars))
            cur.clear()

        sig = [k for k in range(min(found), max(found) + 1)
               if len(pieces[k]) >= MIN_UNIT_CHARS]
        if barred:
            sig = sorted(barred.union(sig))
        for k in sig:
            hit = found.get(k)
            if hit is not None:
                cur.append((*seg(k), len(pieces[k]), hit[0], hit[1]))
            elif cur:
                close()
        if cur:
            close()
        return runs


class _Coded:
    """An Aho–Corasick automaton over the corpus vocabulary, each character coded by
    the low byte of its UTF-16 code unit as two ASCII letters (high nibble A–P, low
    nibble a–p). pyahocorasick looks a transition up by a linear scan of a node's
    children: over raw Hanzi the root has ~800 of them (≈100 ns a character), over
    this 32-letter alphabet a node has at most 16. The coding is lossy, so a reported
    hit may be a 3-gram outside the vocabulary, never the reverse: the hit count of a
    unit is an upper bound of ``|A ∩ V|``, which is all the prefilter needs."""

    _HI = bytes(0x41 + (b >> 4) for b in range(256))
    _LO = bytes(0x61 + (b & 15) for b in range(256))

    def __init__(self, vocab: Iterable[str]):
        self._auto = ahocorasick.Automaton()
        for g in vocab:
            if len(g) == K:
                self._auto.add_word(self.code(g.encode("utf-16-le")[::2]), None)
        self._auto.make_automaton()

    @classmethod
    def code(cls, lo: bytes) -> str:
        out = bytearray(2 * len(lo))
        out[0::2] = lo.translate(cls._HI)
        out[1::2] = lo.translate(cls._LO)
        return out.decode("ascii")

    def hit_ends(self, coded: str, start: int, end: int) -> list[int]:
        """End indices (inclusive: 2·c − 1 for a 3-gram ending before character c) of
        every possible vocabulary 3-gram in ``coded[start:end]``."""
        if not len(self._auto):
            return []
        return list(map(itemgetter(0), self._auto.iter(coded, start, end)))


def _title(text: str, fallback: str) -> str:
    for line in text.splitlines():
        if line.strip():
            return line.strip()
    return fallback


@lru_cache(maxsize=8)
def load_corpus(directory: str | Path) -> Corpus:
    """The corpus of every ``*.txt`` in ``directory`` (normalized like documents),
    built once per process."""
    from service.text.normalize import normalize

    docs = []
    for path in sorted(Path(directory).glob("*.txt")):
        text = normalize(path.read_text(encoding="utf-8")).text
        docs.append((CorpusDoc(path.stem, _title(text, path.stem)), text))
    return Corpus(docs)
